"""What each cell is made of: thickness, nucleus, chromatin and granules as stain fields.

A cell's morphology is plain data (:class:`Morphology`) drawn once from its class parameters;
:func:`densities` evaluates it at any points of the cell frame (µm) and returns the column density
of every stain (thickness × relative concentration, µm), the quantity Beer–Lambert needs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from sim import texture
from sim.classes import STAINS
from sim.config import CellType

EDGE = 0.15
"""Width of the soft nucleus edge, µm (about one optical resolution element at NA 1.25)."""

CHROMATIN_CELL = 1.0
"""Lattice cell of the chromatin texture, µm: clumps of about 0.5 µm."""

GRANULE_EDGE = 0.15
"""Soft edge of a granule, in units of the granule texture (a fifth of its radius)."""


def evans_fung(rho: np.ndarray) -> np.ndarray:
    """Biconcave red-cell thickness (µm) at relative radius `rho` (Evans & Fung 1972).

    T(ρ) = √(1−ρ²) (0.81 + 7.83 ρ² − 4.39 ρ⁴) µm for a cell of diameter 7.82 µm
    (E. Evans, Y.-C. Fung, Microvasc. Res. 4:335–347, 1972).
    """
    r2 = np.minimum(rho * rho, 1.0)
    return np.sqrt(1.0 - r2) * (0.81 + 7.83 * r2 - 4.39 * r2 * r2)


EVANS_FUNG_PEAK = float(evans_fung(np.linspace(0.0, 1.0, 10001)).max())
"""Peak of the Evans–Fung profile, µm (≈ 2.57 at ρ ≈ 0.7)."""


@dataclass
class Morphology:
    """Stain-relevant structure of one cell, in its own frame (µm, origin at the centre).

    Attributes
    ----------
    profile
        ``"biconcave"`` (Evans–Fung red cell) or ``"dome"`` (flattened nucleated cell).
    thickness
        Peak thickness, µm.
    nucleus
        Ellipses ``(cx, cy, a, b, theta)`` in µm and rad whose union is the nucleus (may be empty).
    chromatin, chromatin_texture
        Chromatin concentration in the nucleus and the relative amplitude of its clumping.
    cytoplasm
        Concentration of each stain in the cytoplasm.
    granules, granule_stain, granule_size, granule_coverage
        Stain concentration inside granules, which stain, granule diameter (µm), area fraction.
    texture
        Offsets of chromatin and granule textures in the noise tile (tile samples).
    """

    profile: str
    thickness: float
    nucleus: np.ndarray
    chromatin: float
    chromatin_texture: float
    cytoplasm: dict[str, float]
    granules: float
    granule_stain: str
    granule_size: float
    granule_coverage: float
    texture: tuple[float, float, float, float]

    def to_dict(self) -> dict:
        """Plain, JSON-ready parameters."""
        d = asdict(self)
        d["nucleus"] = np.round(self.nucleus, 4).tolist()
        return d


def _lobed(n: int, area: float, radius: float, rng: np.random.Generator) -> list[tuple]:
    """Lobes of equal area on a curved chain, joined by thin chromatin filaments."""
    r = np.sqrt(area / (n * np.pi))
    if n == 1:
        return [(0.0, 0.0, r, r, 0.0)]
    spacing = 2.1 * r
    bend = rng.uniform(-0.9, 0.9, n - 1)
    heading = np.cumsum(np.concatenate([[rng.uniform(0, 2 * np.pi)], bend[:-1]]))
    steps = spacing * np.stack([np.cos(heading), np.sin(heading)], axis=1)
    centres = np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])
    centres -= centres.mean(axis=0)
    reach = np.linalg.norm(centres, axis=1).max() + r
    centres *= min(1.0, (0.82 * radius - r) / max(reach - r, 1e-6))
    lobes = [(cx, cy, r * rng.uniform(0.9, 1.1), r * rng.uniform(0.8, 1.0), rng.uniform(0, np.pi))
             for cx, cy in centres]
    for (x0, y0), (x1, y1) in zip(centres[:-1], centres[1:]):
        half = 0.5 * np.hypot(x1 - x0, y1 - y0)
        lobes.append((0.5 * (x0 + x1), 0.5 * (y0 + y1), half, 0.18, np.arctan2(y1 - y0, x1 - x0)))
    return lobes


def _nucleus(t: CellType, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Nucleus ellipses for one cell of type `t` and radius `radius` (µm)."""
    area = t.nucleus_fraction * np.pi * radius ** 2
    r = np.sqrt(area / np.pi)
    if t.nucleus == "none" or area <= 0:
        return np.zeros((0, 5))
    if t.nucleus == "lobed":
        n = int(rng.integers(t.lobes[0], t.lobes[1] + 1))
        return np.array(_lobed(n, area, radius, rng))
    angle = rng.uniform(0, np.pi)
    if t.nucleus == "kidney":
        # three overlapping ellipses on an arc: a bean indented on its concave side
        bend = rng.uniform(0.5, 0.9)
        offs = np.array([-1.0, 0.0, 1.0]) * 0.75 * r
        cx, cy = offs, bend * 0.45 * r * (1 - np.abs(offs) / (0.75 * r)) - 0.2 * r
        c, s = np.cos(angle), np.sin(angle)
        shift = rng.uniform(0.0, 0.15) * radius
        return np.array([(c * x - s * y + shift * c, s * x + c * y + shift * s, 0.62 * r, 0.62 * r,
                          angle) for x, y in zip(cx, cy)])
    aspect = rng.uniform(0.9, 1.1) if t.nucleus == "round" else rng.uniform(1.15, 1.35)
    a, b = r * np.sqrt(aspect), r / np.sqrt(aspect)
    room = max(radius - a - 0.3, 0.0)
    shift = rng.uniform(0.0, 0.25 if t.nucleus == "round" else 0.6) * room
    phi = rng.uniform(0, 2 * np.pi)
    return np.array([(shift * np.cos(phi), shift * np.sin(phi), a, b, angle)])


def draw(t: CellType, radius: float, profile: str, rng: np.random.Generator) -> Morphology:
    """Draw the morphology of one cell of type `t` with mean radius `radius` (µm)."""
    return Morphology(
        profile=profile,
        thickness=t.thickness,
        nucleus=_nucleus(t, radius, rng),
        chromatin=t.chromatin,
        chromatin_texture=t.chromatin_texture,
        cytoplasm={s: getattr(t, s) for s in ("haemoglobin", "eosin", "azure") if getattr(t, s)},
        granules=t.granules,
        granule_stain=t.granule_stain,
        granule_size=t.granule_size,
        granule_coverage=t.granule_coverage,
        texture=tuple(float(v) for v in rng.uniform(0, texture.TILE_PX, 4)),
    )


def relative_radius(radii: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ρ = |p| / R(θ): 0 at the centre, 1 on the outline given by `radii` at uniform angles."""
    k = radii.size
    u = (np.arctan2(y, x) * (k / (2 * np.pi))) % k
    i0 = u.astype(np.intp)
    f = (u - i0).astype(np.float32)
    edge = radii[i0 % k] * (1 - f) + radii[(i0 + 1) % k] * f
    return np.hypot(x, y) / edge


def _nucleus_field(ellipses: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Soft indicator (0–1) of the union of ellipses."""
    depth = np.full(x.shape, -np.inf, dtype=np.float32)
    for cx, cy, a, b, th in ellipses:
        c, s = np.cos(th), np.sin(th)
        dx, dy = x - cx, y - cy
        u, v = (c * dx + s * dy) / a, (-s * dx + c * dy) / b
        # signed depth inside the ellipse, in µm of its minor semi-axis
        np.maximum(depth, (1.0 - np.sqrt(u * u + v * v)) * min(a, b), out=depth)
    return np.clip(depth / EDGE + 0.5, 0.0, 1.0)


def densities(m: Morphology, radii: np.ndarray, x: np.ndarray, y: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Stain column densities of a cell at points of its frame.

    Parameters
    ----------
    m
        The cell's morphology.
    radii
        Outline radius (µm) at uniform angles in the cell frame.
    x, y
        Sample points in the cell frame, µm (float32 arrays of one shape).

    Returns
    -------
    inside : numpy.ndarray of bool
        Points inside the outline.
    dens : numpy.ndarray of float32, shape ``(len(STAINS),) + x.shape``
        Column density of each stain of :data:`sim.classes.STAINS`, µm × concentration.
    """
    rho = relative_radius(radii, x, y)
    inside = rho < 1.0
    if m.profile == "biconcave":
        thick = evans_fung(rho) * (m.thickness / EVANS_FUNG_PEAK)
    else:
        thick = m.thickness * np.sqrt(np.clip(1.0 - rho ** 4, 0.0, None))
    thick = np.where(inside, thick, 0.0).astype(np.float32)
    dens = np.zeros((len(STAINS),) + x.shape, dtype=np.float32)
    nuc = _nucleus_field(m.nucleus, x, y) if len(m.nucleus) else 0.0
    for stain, conc in m.cytoplasm.items():
        dens[STAINS.index(stain)] = conc * thick * (1.0 - nuc)
    if len(m.nucleus):
        clumps = np.clip(texture.sample("chromatin", x, y, CHROMATIN_CELL, m.texture[:2]), -2, 2)
        dens[STAINS.index("chromatin")] += (m.chromatin * thick * nuc
                                            * (1.0 + 0.5 * m.chromatin_texture * clumps))
    if m.granules > 0 and m.granule_coverage > 0:
        # lattice cell such that dots of the given coverage have the given diameter
        cell = m.granule_size / (2.0 * np.sqrt(m.granule_coverage / np.pi))
        g = texture.sample("granules", x, y, cell, m.texture[2:])
        level = texture.threshold("granules", m.granule_coverage)
        grains = np.clip((g - level) / GRANULE_EDGE, 0.0, 1.0) * (thick > 0)
        dens[STAINS.index(m.granule_stain)] += m.granules * m.granule_size * grains
    return inside, dens
