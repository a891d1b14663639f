"""Red-cell kinds drawn and rendered: the normal red cell's outline and thickness profile,
deformed.

A red-cell kind (:class:`sim.redshapes.RedShape`) scales the normal red cell's size, thickness,
pallor and haemoglobin (:func:`base`), deforms its outline (:func:`deform`: elongation, bend, a
tail, straight cut edges) and its biconcave Evans–Fung profile (:func:`densities`: towards a
sphere cap, a central spot, a slit-like pallor), and may carry spicules around a smaller body
(drawn as :func:`sim.pathology.projections`). The packing settles the deformed outline like any
other: as a soft ring, or for the kinds of :data:`sim.classes.RIGID_CLASSES` as a rigid outline.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import numpy as np

from sim import biconcave, inclusions, morphology, pathology
from sim.classes import STAINS
from sim.config import CellType
from sim.morphology import Morphology, relative_radius
from sim.redshapes import RedShape

TAIL_WIDTH = 0.4
"""Half-width of a dacrocyte's tail where it leaves the cell, rad of outline angle (its radius
grows as the square of the remaining angle: a tapering tail; chosen by eye)."""

CUT_LEAST = 0.15
"""Least radius left by a cut edge, in cell radii."""

SLIT = (0.45, 0.12)
"""Half-length and half-width of a stomatocyte's slit, in cell radii (chosen by eye: a mouth
across about half the cell)."""

SPICULE_DEPTH = 0.5
"""Thickness of a spicule as a fraction of the cell's peak thickness (chosen by eye)."""

SPICULE_TILT = 0.1
"""σ of a spicule's lean from the radial direction, rad."""

BEND_TRIES = 4
"""Times a bend is halved until the bent outline is star-shaped about its centre."""


def base(rbc: CellType, shape: RedShape) -> CellType:
    """The normal red cell `rbc` scaled by `shape`: diameter (and its spread), peak thickness,
    centre thickness coefficient and radius of the pallor, and haemoglobin; the diameter is the
    body's, and the outline of a spiculated cell reaches its longest spicules beyond it. The
    normal cell's own ovalness and crenation are left out: the kind's deformation gives its
    shape."""
    reach = 2 * shape.spicule_length[1] if shape.spicules[1] > 0 else 0.0
    return replace(rbc, diameter=rbc.diameter * shape.size + reach, elongation=0.0,
                   spiculated=0.0,
                   diameter_sd=rbc.diameter_sd * shape.size,
                   thickness=rbc.thickness * shape.thickness,
                   centre_thickness=rbc.centre_thickness * shape.pallor,
                   pallor_radius=rbc.pallor_radius * shape.pallor_width,
                   haemoglobin=rbc.haemoglobin * shape.haemoglobin)


def _bent(radii: np.ndarray, q: float, sag: float) -> np.ndarray | None:
    """Outline radii of `radii` stretched to axis ratio `q` (area kept) with the long axis bent
    by `sag` long semi-axes, measured about the new centroid; None if not star-shaped."""
    k = radii.size
    t = np.linspace(0.0, 2 * np.pi, 4 * k, endpoint=False)
    r = np.interp(t, np.linspace(0.0, 2 * np.pi, k, endpoint=False), radii, period=2 * np.pi)
    a, b = 1 / np.sqrt(q), np.sqrt(q)
    x, y = a * r * np.cos(t), b * r * np.sin(t)
    y = y + sag * (x * x) / (a * radii.mean())
    x, y = x - x.mean(), y - y.mean()
    angle = np.unwrap(np.arctan2(y, x))
    if np.any(np.diff(angle) <= 0):
        return None
    theta = np.linspace(0.0, 2 * np.pi, k, endpoint=False)
    return np.interp(theta, np.mod(angle, 2 * np.pi), np.hypot(x, y), period=2 * np.pi)


def deform(radii: np.ndarray, shape: RedShape, rng: np.random.Generator) -> np.ndarray:
    """The outline `radii` (µm at uniform angles) of one cell deformed by `shape`: elongated and
    bent (area kept; a bend halved until the outline stays star-shaped), given a tapering tail,
    cut by straight edges."""
    k = radii.size
    theta = np.linspace(0.0, 2 * np.pi, k, endpoint=False)
    q, sag = rng.uniform(*shape.elongation), rng.uniform(*shape.bend)
    if q < 1.0 or sag > 0:
        for _ in range(BEND_TRIES):
            bent = _bent(radii, q, sag)
            if bent is not None:
                radii = bent
                break
            sag /= 2
    mean = float(radii.mean())
    if shape.tail[1] > 0:
        gap = np.abs(np.mod(theta - rng.uniform(0, 2 * np.pi) + np.pi, 2 * np.pi) - np.pi)
        radii = radii + rng.uniform(*shape.tail) * mean * np.clip(1 - gap / TAIL_WIDTH, 0, 1) ** 2
    for _ in range(int(rng.integers(shape.cuts[0], shape.cuts[1] + 1))):
        c = np.cos(theta - rng.uniform(0, 2 * np.pi))
        d = max(rng.uniform(*shape.cut_depth), CUT_LEAST) * mean
        radii = np.where(c > 0, np.minimum(radii, d / np.maximum(c, 1e-9)), radii)
    return np.maximum(radii, CUT_LEAST * mean)


@dataclass
class RedMorphology(Morphology):
    """A red-cell kind's morphology: the normal red cell's fields, and its deformations.

    Attributes
    ----------
    sphericity, target, target_width, slit, slit_angle
        See :class:`sim.redshapes.RedShape`; `slit_angle` is the slit's direction, rad.
    body, spicules, spicule_width, spicule_taper
        Edge of the cell body in outline radii; spicules ``(angle, tip, tilt)`` (see
        :func:`sim.pathology.projections`), their base width, µm, and taper.
    contents
        Inclusions and parasites (:class:`sim.inclusions.Contents`), or None.
    """

    sphericity: float = 0.0
    target: float = 0.0
    target_width: float = 0.3
    slit: float = 0.0
    slit_angle: float = 0.0
    body: float = 1.0
    spicules: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    spicule_width: float = 0.0
    spicule_taper: float = 1.0
    contents: inclusions.Contents | None = None

    def to_dict(self) -> dict:
        d = super().to_dict()
        d["spicules"] = np.round(self.spicules, 4).tolist()
        d["contents"] = self.contents.to_dict() if self.contents else None
        return d


def _spicules(shape: RedShape, radius: float, rng: np.random.Generator
              ) -> tuple[np.ndarray, float]:
    """Spicules ``(angle, tip, tilt)`` around a cell of outline radius `radius` (µm), and the
    body's edge in outline radii: the longest spicule the kind may have reaches the outline."""
    n = int(rng.integers(shape.spicules[0], shape.spicules[1] + 1))
    if shape.spicules[1] == 0:
        return np.zeros((0, 3)), 1.0
    length = rng.uniform(*shape.spicule_length, n)
    body = max(1.0 - shape.spicule_length[1] / radius, pathology.BODY_LEAST)
    angle = ((np.arange(n) + shape.spicule_jitter * rng.uniform(-1, 1, n)) * (2 * np.pi / n)
             + rng.uniform(0, 2 * np.pi))
    tip = np.minimum(body + length / radius, 1.0)
    return np.stack([angle, tip, rng.normal(0.0, SPICULE_TILT, n)], axis=1), body


def draw(rbc: CellType, shape: RedShape, radii: np.ndarray, rng: np.random.Generator
         ) -> RedMorphology:
    """The morphology of one red cell of kind `shape` (the normal red cell `rbc` deformed) with
    outline `radii` (µm)."""
    radius = float(radii.mean())
    spicules, body = _spicules(shape, radius, rng)
    m = morphology.draw(base(rbc, shape), radius * body, "biconcave", rng)
    return RedMorphology(**{k.name: getattr(m, k.name) for k in fields(Morphology)},
                         sphericity=shape.sphericity, target=shape.target,
                         target_width=shape.target_width, slit=shape.slit,
                         slit_angle=float(rng.uniform(0, np.pi)), body=body, spicules=spicules,
                         spicule_width=shape.spicule_width, spicule_taper=shape.spicule_taper,
                         contents=inclusions.draw(shape, radius * body, rng))


def _profile(m: RedMorphology, rho: np.ndarray, x: np.ndarray, y: np.ndarray,
             radius: float) -> np.ndarray:
    """Thickness relative to the peak at relative radius `rho`: the Evans–Fung profile blended
    towards a sphere cap, with a central spot and a slit-like pallor."""
    t = ((1.0 - m.sphericity) * biconcave.relative(rho, m.centre, m.pallor, m.pallor_edge)
         + m.sphericity * np.sqrt(np.clip(1.0 - rho * rho, 0.0, None)))
    if m.target > 0:
        t = t + m.target * np.exp(-(rho / m.target_width) ** 2)
    if m.slit > 0:
        c, s = np.cos(m.slit_angle), np.sin(m.slit_angle)
        u, v = (c * x + s * y) / (radius * SLIT[0]), (c * y - s * x) / (radius * SLIT[1])
        t = t * (1.0 - m.slit * np.exp(-(u * u + v * v)))
    return t


def densities(m: Morphology, radii: np.ndarray, x: np.ndarray, y: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Stain column densities of any cell (see :func:`sim.morphology.densities`): a red-cell
    kind's haemoglobin from its deformed profile and spicules; other cells' as
    :func:`sim.pathology.densities` gives them."""
    if not isinstance(m, RedMorphology):
        return pathology.densities(m, radii, x, y)
    body = radii * np.float32(m.body)
    rho = relative_radius(body, x, y)
    inside = rho < 1.0
    thick = np.where(inside, m.thickness * _profile(m, rho, x, y, float(body.mean())), 0.0)
    if len(m.spicules):
        spikes = pathology.projections(m.spicules, m.body, m.spicule_width, m.spicule_taper,
                                        radii, x, y)
        thick = thick + SPICULE_DEPTH * m.thickness * spikes * ~inside
        inside = inside | (spikes >= 0.5)
    dens = np.zeros((len(STAINS),) + x.shape, dtype=np.float32)
    dens[STAINS.index("haemoglobin")] = m.cytoplasm.get("haemoglobin", 0.0) * thick
    if m.contents is not None:
        inclusions.add(m.contents, dens, inside, x, y)
    return inside, dens
