"""Features of pathological white cells as stain fields: Auer rods and faggot bundles, hair-like
projections, the perinuclear Golgi zone and edge basophilia.

A pathological cell (a class of :data:`sim.classes.PATHOLOGICAL_WHITE`, typed
:class:`sim.config.RareType`) is first drawn as a normal cell by :mod:`sim.morphology` (its own
parameters varied by the class's ``spread``); :func:`draw` adds its features,
:func:`densities` renders them over the normal cell's stain fields. Parameters and their sources
are in :mod:`sim.rare`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim import morphology, softbody
from sim.classes import STAINS
from sim.config import RareType
from sim.morphology import Morphology, relative_radius
from sim.nucleus import depth as ellipse_depth, room
from sim.rare import Features

BODY_LEAST = 0.5
"""Smallest cell body of a cell with projections, in outline radii."""

ROD_CANDIDATES = 8
"""Places tried for an Auer rod (or a faggot bundle); the one farthest inside the cytoplasm,
away from the nucleus, is taken (rods lie in the cytoplasm; Bain 2015)."""

ROD_REACH, ROD_LEAST = 0.9, 0.3
"""Farthest reach of an Auer rod, in body radii, and the least half-length it is shortened to
there, µm."""

BUNDLE_SPREAD = (0.25, 1.2, 0.8)
"""Spread of the rods of a faggot bundle: σ of their direction (rad), half-width of the bundle
across and along its axis (µm); chosen by eye against atlas images of faggot cells."""

ROD_STAINS = {"chromatin": 0.5, "eosin": 1.0}
"""Share of an Auer rod's concentration in each stain: azurophilic material that looks reddish
(ASH Image Bank 60924: "reddish, linear structures"; the mix is chosen by eye)."""

GOLGI_EDGE = 0.8
"""Soft edge of the Golgi zone, µm (a vague pale area, not a sharp vacuole)."""

HAIR_TILT = 0.35
"""σ of a projection's tilt from the radial direction, rad (chosen by eye)."""

HAIR_DEPTH = 0.4
"""Thickness of a projection as a fraction of the cell's: ruffles of membrane, thicker than
wide (chosen by eye against atlas images, where they are about as dense as the cytoplasm's
edge)."""


def _empty() -> np.ndarray:
    return np.zeros((0, 5))


@dataclass
class Pathological(Morphology):
    """A pathological cell's morphology: the normal one's fields, and its features.

    Attributes
    ----------
    body
        Edge of the cell body in outline radii (below 1 when projections reach beyond it).
    rods, rod_stain, faggot
        Auer rods as ellipses ``(cx, cy, a, b, theta)`` (µm, rad), their azurophilic
        (chromatin-stain) concentration, whether they form a faggot bundle.
    hairs, hair_width
        Projections ``(angle rad, tip in outline radii, tilt rad)`` and their width, µm.
    golgi, golgi_clearing
        The Golgi zone as an ellipse (or none) and the fraction of cytoplasmic stain it lacks.
    edge_azure, edge_width
        Relative excess of azure at the cytoplasm's edge and its 1/e depth, µm.
    """

    body: float = 1.0
    rods: np.ndarray = field(default_factory=_empty)
    rod_stain: float = 0.0
    faggot: bool = False
    hairs: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    hair_width: float = 0.0
    golgi: np.ndarray = field(default_factory=_empty)
    golgi_clearing: float = 0.0
    edge_azure: float = 0.0
    edge_width: float = 1.0

    def to_dict(self) -> dict:
        d = super().to_dict()
        for key in ("rods", "hairs", "golgi"):
            d[key] = np.round(getattr(self, key), 4).tolist()
        return d


def _to_edge(nucleus: np.ndarray, radius: float, reach: float, least: float,
             rng: np.random.Generator) -> np.ndarray:
    """`nucleus` shifted away from the centre of a cell of radius `radius` (µm) to a uniform
    fraction from `least` to 1 of the room it has (:func:`sim.nucleus.room` inside the fraction
    `reach` of the radius), in the direction it already lay (a random one if centred)."""
    centre = nucleus[:, :2].mean(axis=0)
    off = float(np.hypot(*centre))
    phi = np.arctan2(centre[1], centre[0]) if off > 1e-9 else rng.uniform(0, 2 * np.pi)
    direction = np.array([np.cos(phi), np.sin(phi)])
    out = nucleus.copy()
    out[:, :2] -= centre
    out[:, :2] += rng.uniform(least, 1.0) * room(out, reach * radius, direction[None])[0] * (
        direction)
    return out


def _rods(f: Features, nucleus: np.ndarray, radius: float, rng: np.random.Generator
          ) -> tuple[np.ndarray, bool]:
    """Auer rods of one cell of body radius `radius` (µm): none, one plus a Poisson number
    (``auer_rods`` of cells), or a faggot bundle (``faggot`` of cells)."""
    faggot = bool(rng.random() < f.faggot)
    if not (faggot or rng.random() < f.auer_rods):
        return _empty(), faggot
    n = int(rng.integers(f.faggot_rods[0], f.faggot_rods[1] + 1)) if faggot else (
        1 + int(rng.poisson(f.auer_extra)))
    phi, dist = rng.uniform(0, 2 * np.pi, ROD_CANDIDATES), rng.uniform(0.35, 0.75,
                                                                       ROD_CANDIDATES) * radius
    cx, cy = dist * np.cos(phi), dist * np.sin(phi)
    if len(nucleus):
        depth = ellipse_depth(nucleus, cx.astype(np.float32), cy.astype(np.float32))
        best = int(np.argmin(depth))
    else:
        best = 0
    spread, across, along = BUNDLE_SPREAD
    heading = rng.uniform(0, np.pi) + (rng.normal(0, spread, n) if faggot else
                                       rng.uniform(0, np.pi, n))
    if faggot:  # one bundle: rods side by side and overlapping along a common axis
        u, v = rng.uniform(-along, along, n), rng.uniform(-across, across, n)
    else:  # single rods near one another (Bain 2015: several rods lie close together)
        u, v = rng.uniform(-0.6, 0.6, n), rng.uniform(-0.6, 0.6, n)
    h0 = heading.mean()
    x = cx[best] + u * np.cos(h0) - v * np.sin(h0)
    y = cy[best] + u * np.sin(h0) + v * np.cos(h0)
    # rods stay within ROD_REACH of the body radius: centres pulled in, long rods shortened
    limit = ROD_REACH * radius
    pull = np.minimum(1.0, (limit - ROD_LEAST) / np.maximum(np.hypot(x, y), 1e-9))
    x, y = x * pull, y * pull
    half = np.minimum(rng.uniform(*f.auer_length, n) / 2, limit - np.hypot(x, y))
    return np.stack([x, y, half, np.full(n, f.auer_width / 2), heading], axis=1), faggot


def _hairs(f: Features, body: float, rng: np.random.Generator) -> np.ndarray:
    """Projections ``(angle, tip, tilt)``: a Poisson number of mean ``hairs``, evenly spread
    around the cell with jitter, tips from 40 % to all of the way to the outline."""
    n = int(rng.poisson(f.hairs))
    angle = (np.arange(n) + rng.uniform(-0.4, 0.4, n)) * (2 * np.pi / max(n, 1)) + rng.uniform(
        0, 2 * np.pi)
    tip = body + (1.0 - body) * rng.uniform(0.4, 1.0, n)
    return np.stack([angle, tip, rng.normal(0.0, HAIR_TILT, n)], axis=1)


def _golgi(f: Features, nucleus: np.ndarray) -> np.ndarray:
    """The Golgi zone: an ellipse beside the main nuclear bead on the side of the cell centre,
    ``golgi_size`` nuclear radii long along the nucleus and half that across."""
    if f.golgi <= 0 or not len(nucleus):
        return _empty()
    cx, cy, a, b, th = nucleus[0]
    r = float(np.sqrt(a * b))
    off = np.hypot(cx, cy)
    u = -np.array([cx, cy]) / off if off > 1e-6 else np.array([-np.sin(th), np.cos(th)])
    half = (f.golgi_size * r, 0.5 * f.golgi_size * r)
    centre = np.array([cx, cy]) + u * (r + 0.3 * half[1])
    return np.array([(centre[0], centre[1], half[0], half[1], np.arctan2(u[1], u[0]) + np.pi / 2)])


def draw(t: RareType, radii: np.ndarray, rng: np.random.Generator) -> Pathological:
    """The morphology of one pathological cell of type `t` with outline `radii` (µm): the cell
    body (the outline less the projections' length) drawn as a normal cell, its nucleus kept
    inside the body, and its features added."""
    f = t.features
    radius = float(radii.mean())
    body = max(1.0 - f.hair_length / radius, BODY_LEAST) if f.hairs > 0 else 1.0
    m = morphology.draw(t, radius * body, "dome", rng)
    if f.nucleus_edge > 0 and len(m.nucleus):
        m.nucleus = _to_edge(m.nucleus, radius * body, t.nucleus_reach, f.nucleus_edge, rng)
    m.nucleus = softbody.fit_inside(m.nucleus, radii * body)
    rods, faggot = _rods(f, m.nucleus, radius * body, rng)
    hairs = _hairs(f, body, rng) if f.hairs > 0 else np.zeros((0, 3))
    return Pathological(**{k.name: getattr(m, k.name) for k in fields(Morphology)}, body=body,
                        rods=rods, rod_stain=f.auer_stain, faggot=faggot, hairs=hairs,
                        hair_width=f.hair_width, golgi=_golgi(f, m.nucleus),
                        golgi_clearing=f.golgi, edge_azure=f.edge_azure, edge_width=f.edge_width)


def projections(spikes: np.ndarray, body: float, width: float, taper: float,
                radii: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Soft indicator (0–1) of projections beyond a cell body, at points of the cell frame.

    Parameters
    ----------
    spikes
        ``(angle rad, tip in outline radii, tilt rad)`` of each projection, shape (n, 3): it
        starts on the body's edge (`body` outline radii) at `angle` and runs to `tip`, leaning
        by `tilt` from the radial direction.
    width, taper
        Width at the base, µm, and how much of it is lost by the tip (0: a hair of even
        width; 1: a pointed spicule).
    radii
        Outline radius (µm) at uniform angles: the envelope of the tips.
    x, y
        Sample points, µm (float32 arrays of one shape).
    """
    out = np.zeros(x.shape, dtype=np.float32)
    rho = relative_radius(radii, x, y)
    band = np.flatnonzero(((rho > body * 0.97) & (rho < 1.0)).ravel())
    if not len(spikes) or not band.size:
        return out
    px, py, rb = x.ravel()[band], y.ravel()[band], rho.ravel()[band]
    r = np.hypot(px, py)
    outline = r / rb  # outline radius in each point's direction, µm
    angle, tip, tilt = (spikes[:, i:i + 1].astype(np.float32) for i in range(3))
    along = r - body * outline
    heading = angle + np.tan(tilt) * along / r
    d = r * (np.mod(np.arctan2(py, px) - heading + np.pi, 2 * np.pi) - np.pi)
    half = width / 2 * (1.0 - taper * np.clip(along / np.maximum((tip - body) * outline, 1e-6),
                                              0.0, 1.0))
    depth = np.minimum(half - np.abs(d), tip * outline - r)
    out.ravel()[band] = morphology._inside(depth.max(axis=0), width / 2)
    return out


def densities(m: Morphology, radii: np.ndarray, x: np.ndarray, y: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Stain column densities of any cell (see :func:`sim.morphology.densities`): a normal cell's
    as :mod:`sim.morphology` gives them; a pathological cell's body so, with its features."""
    if not isinstance(m, Pathological):
        return morphology.densities(m, radii, x, y)
    body = radii * np.float32(m.body)
    inside, dens = morphology.densities(m, body, x, y)
    azure, eosin = STAINS.index("azure"), STAINS.index("eosin")
    if m.edge_azure > 0:
        rho = relative_radius(body, x, y)
        edge = np.exp(-(1.0 - np.minimum(rho, 1.0)) * (float(body.mean()) / m.edge_width))
        dens[azure] *= 1.0 + m.edge_azure * edge
    if len(m.golgi):
        pale = 1.0 - m.golgi_clearing * morphology._inside(ellipse_depth(m.golgi, x, y),
                                                            GOLGI_EDGE)
        dens[azure] *= pale
        dens[eosin] *= pale
    if len(m.rods):
        rods = morphology._inside(ellipse_depth(m.rods, x, y), float(m.rods[0, 3]))
        rods *= m.rod_stain * 2 * float(m.rods[0, 3]) * inside
        for stain, share in ROD_STAINS.items():
            dens[STAINS.index(stain)] += share * rods
    if len(m.hairs):
        hair = projections(m.hairs, m.body, m.hair_width, 0.0, radii, x, y) * ~inside
        for stain, conc in m.cytoplasm.items():
            dens[STAINS.index(stain)] += conc * HAIR_DEPTH * m.thickness * hair
        inside = inside | (hair >= 0.5)
    return inside, dens
