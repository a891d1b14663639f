"""What each cell is made of: thickness, nucleus, chromatin and granules as stain fields.

A cell's morphology is plain data (:class:`Morphology`) drawn once from its class parameters;
:func:`densities` evaluates it at any points of the cell frame (µm) and returns the column density
of every stain (thickness × relative concentration, µm), the quantity Beer–Lambert needs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import cv2
import numpy as np

from sim import texture
from sim.classes import STAINS
from sim.config import CellType

EDGE = 0.15
"""Width of the soft nucleus edge, µm (about one optical resolution element at NA 1.25)."""

NUCLEUS_REACH = 0.93
"""Largest distance of the nucleus edge from the cell centre, in cell radii."""

RIM = 0.3
"""Depth over which chromatin condenses along the nuclear envelope, µm."""

VACUOLE_DEPTH = 0.8
"""Fraction of the cell's thickness a vacuole leaves empty."""

NUCLEOLUS_CLEARING = 0.6
"""Fraction of chromatin displaced inside a nucleolus."""

NUCLEOLUS_RNA = 0.25
"""Azure-binding (RNA) concentration of a nucleolus, relative."""

GRANULE_EDGE = 0.15
"""Soft edge of a granule, in units of the granule texture (a fifth of its radius)."""


EVANS_FUNG_CENTRE = 0.81
"""Central thickness of a living red cell, µm (Evans & Fung 1972)."""

EVANS_FUNG_C2, EVANS_FUNG_C4 = 7.83, 4.39
"""Coefficients of ρ² and ρ⁴ in the Evans–Fung profile, µm (Evans & Fung 1972)."""


def evans_fung(rho: np.ndarray, centre: float = EVANS_FUNG_CENTRE) -> np.ndarray:
    """Biconcave red-cell thickness (µm) at relative radius `rho` (Evans & Fung 1972).

    T(ρ) = √(1−ρ²) (c + 7.83 ρ² − 4.39 ρ⁴) µm for a cell of diameter 7.82 µm, with
    c = 0.81 µm for living cells (E. Evans, Y.-C. Fung, Microvasc. Res. 4:335–347, 1972);
    `centre` replaces c for the flatter centre of air-dried smears.
    """
    r2 = np.minimum(rho * rho, 1.0)
    return np.sqrt(1.0 - r2) * (centre + EVANS_FUNG_C2 * r2 - EVANS_FUNG_C4 * r2 * r2)


def evans_fung_peak(centre: float = EVANS_FUNG_CENTRE) -> float:
    """Peak of the Evans–Fung profile, µm (≈ 2.57 at ρ ≈ 0.7 for living cells).

    With u = ρ², T = √(1−u) P(u), P(u) = c + 7.83 u − 4.39 u²; dT/du = 0 gives
    2 (1−u) P′(u) = P(u), i.e. 21.95 u² − 41.05 u + 15.66 − c = 0, whose smaller root (clipped to
    [0, 1)) is the peak: closed form, so every cell may have its own `centre` at no cost.
    """
    a, b, k = 5 * EVANS_FUNG_C4, 3 * EVANS_FUNG_C2 + 4 * EVANS_FUNG_C4, 2 * EVANS_FUNG_C2
    u = (b - np.sqrt(max(b * b - 4 * a * (k - centre), 0.0))) / (2 * a)
    u = min(max(u, 0.0), 1.0 - 1e-9)
    return float(np.sqrt(1.0 - u) * (centre + EVANS_FUNG_C2 * u - EVANS_FUNG_C4 * u * u))


@dataclass
class Morphology:
    """Stain-relevant structure of one cell, in its own frame (µm, origin at the centre).

    Attributes
    ----------
    profile
        ``"biconcave"`` (Evans–Fung red cell) or ``"dome"`` (flattened nucleated cell:
        thickness T₀ √(1 − ρ⁸) at relative radius ρ, flat over most of the cell and falling
        within its outer tenth, 0.91 T₀ at ρ = 0.8; the exponent 8 is chosen against the sharp
        edges of white cells in the PBC reference, not taken from a measurement of thickness).
    thickness
        Peak thickness, µm.
    centre
        Central thickness coefficient of the biconcave profile, µm (see :func:`evans_fung`).
    nucleus
        Ellipses ``(cx, cy, a, b, theta)`` in µm and rad whose union is the nucleus (may be empty).
    chromatin, chromatin_texture, chromatin_rim
        Mean chromatin concentration in the nucleus, the contrast of its clumping and the
        relative excess condensed along the nuclear envelope.
    parachromatin, chromatin_grain
        Area fraction of the pale spaces between chromatin clumps; lattice cell of the
        clumping, µm.
    nucleus_roughness, outline_grain
        Rms excursion of the nucleus outline from the smooth shape and its lattice cell, µm.
    cytoplasm
        Concentration of each stain in the cytoplasm.
    granules, granule_stain, granule_size, granule_coverage, granule_zone
        Stain concentration inside granules, which stain, granule diameter (µm), area fraction,
        outer edge of the granule-bearing zone (cell radii).
    vacuoles, nucleoli
        Discs ``(cx, cy, r, r, 0)`` in µm: clear vacuoles in the cytoplasm, pale RNA-rich
        nucleoli in the nucleus (may be empty).
    stage
        Maturation stage (``ig`` only: promyelocyte, myelocyte, metamyelocyte), else ``""``.
    texture
        Offsets of the chromatin, granule and nucleus-outline textures in their tiles (tile
        samples).
    """

    profile: str
    thickness: float
    centre: float
    nucleus: np.ndarray
    chromatin: float
    chromatin_texture: float
    chromatin_rim: float
    parachromatin: float
    chromatin_grain: float
    nucleus_roughness: float
    outline_grain: float
    cytoplasm: dict[str, float]
    granules: float
    granule_stain: str
    granule_size: float
    granule_coverage: float
    granule_zone: float
    vacuoles: np.ndarray
    nucleoli: np.ndarray
    texture: tuple[float, ...]
    stage: str = ""

    def to_dict(self) -> dict:
        """Plain, JSON-ready parameters (a shallow copy: ``dataclasses.asdict`` deep-copies
        every value, which took a third of the time of an image's metadata)."""
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        for key in ("nucleus", "vacuoles", "nucleoli"):
            d[key] = np.round(getattr(self, key), 4).tolist()
        return d


def _chain(n: int, spacing: float | np.ndarray, turn: np.ndarray, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """Centres (n, 2) and headings (n,) of beads on a path that turns by `turn` (rad) at each
    step of length `spacing` (one value or one per step), centred on the origin."""
    heading = rng.uniform(0, 2 * np.pi) + np.concatenate([[0.0], np.cumsum(turn)])
    steps = np.reshape(spacing, (-1, 1)) * np.stack([np.cos(heading[:-1]),
                                                     np.sin(heading[:-1])], axis=1)
    centres = np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])
    return centres - centres.mean(axis=0), heading


def _shape(kind: str, t: CellType, rng: np.random.Generator) -> np.ndarray:
    """Nucleus ellipses of about unit bead width before scaling (see :func:`_nucleus`).

    Lengths are in bead radii (the ellipses are scaled to the nucleus area afterwards, so a bead
    radius is about 2 µm in a neutrophil and 4–5 µm in a round lymphocyte nucleus), angles in
    rad. The shapes are Bain's (*Blood Cells: A Practical Guide*, 5th ed., 2015, ch. 3: round,
    oval and eccentric, kidney-shaped or indented, band, segmented); the numbers are not in the
    literature but chosen against the PBC reference images (Acevedo et al. 2020) and checked by
    the morphometry benchmark, ``tests/bench/morphometry.py`` (nucleus diameter, N:C ratio and
    neutrophil lobe counts within 15 % of the reference medians):

    * ``round``: axis ratio 0.9–1.1 (lymphocyte, erythroblast); ``oval``: 1.15–1.4 (myelocyte,
      promyelocyte, monocyte); a uniform random orientation.
    * ``lobed``: ``lobes[0]`` plus a Binomial(``lobes[1] − lobes[0]``, 0.35) lobe count (the
      Arneth count, Bain 2015: most often three lobes); each lobe ``per`` beads 0.5 apart
      (lobe length ``lobe_length`` bead widths, in quarters), its size 0.85–1.15; the band they
      lie on bends 0.25–0.45 per bead step, one sense per nucleus, with an extra kink
      ``lobe_kink`` of either sense between lobes; the chromatin filament joining two lobes is an ellipse of
      half-width 0.14 bead radii (about 0.3 µm: 0.5–0.6 µm wide, below the 0.8 µm that the
      morphometry's lobe rule resolves, so lobes count apart as in the reference).
    * ``kidney``: 5 fat beads 0.6 apart, each 0.85–1.15 in size, on an arc bending 0.35–0.75
      per step (1.4–3 rad in all: a bean, indented on one side; monocyte, metamyelocyte).
    * ``band``: 9 equal beads 0.5 apart bending 0.25–0.45 per step (2–3.6 rad in all: the C or
      U of a band neutrophil, an unsegmented curved sausage).
    """
    if kind in ("round", "oval"):
        aspect = rng.uniform(0.9, 1.1) if kind == "round" else rng.uniform(1.15, 1.4)
        return np.array([(0.0, 0.0, np.sqrt(aspect), 1 / np.sqrt(aspect), rng.uniform(0, np.pi))])
    if kind == "lobed":
        # lobe counts peak at three, as in the normal Arneth count (2: ~30 %, 3: ~45 %, 4: ~20 %,
        # 5: ~5 %; Bain 2015): a binomial excess over the minimum with p = 0.35
        n = t.lobes[0] + int(rng.binomial(t.lobes[1] - t.lobes[0], 0.35))
        # a band pinched into lobes: each lobe `per` beads (radius 1, 0.5 apart) on the band's
        # curve, consecutive lobes `lobe_gap` widths apart end to end with a kink between them
        per = int(round((t.lobe_length - 1.0) * 4.0)) + 1
        gap = np.arange(n * per - 1) % per == per - 1
        spacing = np.where(gap, 2.0 + 2.0 * t.lobe_gap, 0.5)
        turns = (rng.uniform(0.25, 0.45) * rng.choice([-1.0, 1.0])
                 + gap * rng.uniform(*t.lobe_kink, gap.size) * rng.choice([-1.0, 1.0], gap.size))
        centres, _ = _chain(n * per, spacing, turns, rng)
        size = np.repeat(rng.uniform(0.85, 1.15, n), per)
        beads = [(x, y, sz, sz, 0.0) for (x, y), sz in zip(centres, size)]
        # thin chromatin filaments between consecutive lobes
        ends = centres[np.flatnonzero(gap)], centres[np.flatnonzero(gap) + 1]
        beads += [((x0 + x1) / 2, (y0 + y1) / 2, np.hypot(x1 - x0, y1 - y0) / 2, 0.14,
                   np.arctan2(y1 - y0, x1 - x0)) for (x0, y0), (x1, y1) in zip(*ends)]
        return np.array(beads)
    # kidney: a few fat beads on a gentle arc; band: many slim beads on a strong curve (sausage)
    n, spacing, bend = (5, 0.6, rng.uniform(0.35, 0.75)) if kind == "kidney" else (
        9, 0.5, rng.uniform(0.25, 0.45))
    centres, heading = _chain(n, spacing, np.full(n - 1, bend * rng.choice([-1.0, 1.0])), rng)
    size = rng.uniform(0.85, 1.15, n) if kind == "kidney" else np.ones(n)
    return np.array([(x, y, sz, sz, h) for (x, y), h, sz in zip(centres, heading, size)])


def _reach(ellipses: np.ndarray) -> float:
    """Radius (µm) of a disc about the origin that holds every ellipse."""
    return float(np.max(np.hypot(ellipses[:, 0], ellipses[:, 1]) + ellipses[:, 2:4].max(axis=1)))


def _area(ellipses: np.ndarray, samples: int = 48) -> float:
    """Area of a union of ellipses (µm²), counted on a grid over its bounding box."""
    reach = _reach(ellipses)
    g = (np.arange(samples, dtype=np.float32) + 0.5) / samples * 2 * reach - reach
    x, y = np.meshgrid(g, g)
    return float((_depth(ellipses, x, y) > 0).mean() * (2 * reach) ** 2)


def _nucleus(t: CellType, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Nucleus ellipses ``(cx, cy, a, b, theta)`` for one cell of type `t` and mean radius
    `radius` (µm): a shape drawn with the type's weights, scaled to `nucleus_fraction` of the
    cell's area, placed off-centre where room allows, kept inside the cell."""
    if t.nucleus_fraction <= 0 or t.nucleus.empty():
        return np.zeros((0, 5))
    kind = t.nucleus.draw(rng)
    e = _shape(kind, t, rng)
    target, limit = t.nucleus_fraction * np.pi * radius ** 2, NUCLEUS_REACH * radius
    e[:, :4] *= np.sqrt(target / _area(e))
    if _reach(e) > limit:
        # crowd the beads together (lobes overlap, as in real cells) before shrinking them
        spread = float(np.hypot(e[:, 0], e[:, 1]).max())
        e[:, :2] *= np.clip((limit - e[:, 2:4].max()) / max(spread, 1e-9), 0.8, 1.0)
        e[:, :4] *= np.sqrt(target / _area(e))
        e[:, :4] *= min(1.0, limit / _reach(e))
    room = max(limit - _reach(e), 0.0)
    phi = rng.uniform(0, 2 * np.pi)
    e[:, :2] += rng.uniform(0.0, t.eccentricity) * room * np.array([np.cos(phi), np.sin(phi)])
    return e


def _discs(n: int, size: tuple[float, float], centre: np.ndarray, spread: tuple[float, float],
           rng: np.random.Generator) -> np.ndarray:
    """`n` discs ``(cx, cy, r, r, 0)`` of radius in `size` (µm), at a distance in `spread` (µm)
    from `centre` in random directions."""
    if n == 0:
        return np.zeros((0, 5))
    phi, dist = rng.uniform(0, 2 * np.pi, n), rng.uniform(*spread, n)
    r = rng.uniform(*size, n)
    return np.stack([centre[0] + dist * np.cos(phi), centre[1] + dist * np.sin(phi), r, r,
                     np.zeros(n)], axis=1)


def draw(t: CellType, radius: float, profile: str, rng: np.random.Generator,
         stage: str = "") -> Morphology:
    """Draw the morphology of one cell of type `t` (maturation `stage`) with mean radius `radius`
    (µm).

    Vacuoles (a Poisson number of mean ``t.vacuoles``) have radii from 0.4 to 1 × half of
    ``t.vacuole_size`` and lie 0.5–0.85 cell radii from the centre, in the cytoplasm. Nucleoli
    (Poisson, mean ``t.nucleoli``) have radii 0.35–0.6 µm (0.7–1.2 µm across, the pale round
    nucleoli of promyelocytes in the PBC reference; chosen by eye, no morphometry figure checks
    them) and lie within 0.4 of the main nuclear bead's smaller semi-axis of its centre.
    """
    nucleus = _nucleus(t, radius, rng)
    half = t.vacuole_size / 2
    vacuoles = _discs(rng.poisson(t.vacuoles) if len(nucleus) else 0, (0.4 * half, half),
                      np.zeros(2), (0.5 * radius, max(0.5 * radius, 0.85 * radius - half)), rng)
    main = nucleus[0] if len(nucleus) else np.zeros(5)
    nucleoli = _discs(rng.poisson(t.nucleoli) if len(nucleus) else 0, (0.35, 0.6), main[:2],
                      (0.0, 0.4 * min(main[2], main[3])), rng)
    return Morphology(
        profile=profile,
        thickness=t.thickness,
        centre=(t.centre_thickness * float(np.exp(t.centre_spread * rng.standard_normal()))
                if t.centre_spread > 0 else t.centre_thickness),
        nucleus=nucleus,
        chromatin=t.chromatin,
        chromatin_texture=t.chromatin_texture,
        chromatin_rim=t.chromatin_rim,
        parachromatin=t.parachromatin,
        chromatin_grain=t.chromatin_grain,
        nucleus_roughness=t.nucleus_roughness,
        outline_grain=t.outline_grain,
        cytoplasm={s: getattr(t, s) for s in ("haemoglobin", "eosin", "azure") if getattr(t, s)},
        granules=t.granules,
        granule_stain=t.granule_stain,
        granule_size=t.granule_size,
        granule_coverage=t.granule_coverage,
        granule_zone=t.granule_zone,
        vacuoles=vacuoles,
        nucleoli=nucleoli,
        texture=tuple(float(v) for v in rng.uniform(0, texture.TILE_PX, 6)),
        stage=stage,
    )


def relative_radius(radii: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ρ = |p| / R(θ): 0 at the centre, 1 on the outline given by `radii` at uniform angles.

    Polar coordinates come from OpenCV's ``cartToPolar`` (float32, angle accurate to about 0.3°,
    far finer than the 5.6° between outline samples); R is linear in angle between samples.
    """
    k = radii.size
    flat = [np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 1) for a in (x, y)]
    mag, angle = (a.reshape(np.shape(x)) for a in cv2.cartToPolar(*flat))
    u = angle * np.float32(k / (2 * np.pi))
    i0 = u.astype(np.int32)
    f = u - i0
    r0, r1 = np.take(radii, i0, mode="wrap"), np.take(radii, i0 + 1, mode="wrap")
    return mag / (r0 + (r1 - r0) * f)


def _depth(ellipses: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Approximate signed depth (µm) of points inside a union of ellipses (negative outside)."""
    depth = np.full(x.shape, -np.inf, dtype=np.float32)
    for cx, cy, a, b, th in ellipses:
        c, s = np.cos(th), np.sin(th)
        dx, dy = x - cx, y - cy
        u, v = (c * dx + s * dy) / a, (-s * dx + c * dy) / b
        # signed depth inside the ellipse, in µm of its minor semi-axis
        np.maximum(depth, (1.0 - np.sqrt(u * u + v * v)) * min(a, b), out=depth)
    return depth


def _inside(depth: np.ndarray, edge: float = EDGE) -> np.ndarray:
    """Soft indicator (0–1) of positive depth, with an edge `edge` µm wide."""
    return np.clip(depth / edge + 0.5, 0.0, 1.0)


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
        thick = evans_fung(rho, m.centre) * (m.thickness / evans_fung_peak(m.centre))
    else:
        thick = m.thickness * np.sqrt(np.clip(1.0 - rho ** 8, 0.0, None))
    thick = np.where(inside, thick, 0.0).astype(np.float32)
    dens = np.zeros((len(STAINS),) + x.shape, dtype=np.float32)
    if len(m.vacuoles):
        thick *= 1.0 - VACUOLE_DEPTH * _inside(_depth(m.vacuoles, x, y))
    depth = _depth(m.nucleus, x, y) if len(m.nucleus) else None
    if depth is not None and m.nucleus_roughness > 0:
        depth += m.nucleus_roughness * texture.sample("chromatin", x, y, m.outline_grain,
                                                      m.texture[4:6])
    nuc = _inside(depth) if depth is not None else 0.0
    for stain, conc in m.cytoplasm.items():
        dens[STAINS.index(stain)] = conc * thick * (1.0 - nuc)
    if depth is not None:
        clumps = texture.clumping(x, y, m.chromatin_grain, m.texture[:2], m.parachromatin,
                                  m.chromatin_texture)
        rim = m.chromatin_rim * np.exp(-np.maximum(depth, 0.0) / RIM)
        chromatin = m.chromatin * thick * nuc * (clumps + rim)
        if len(m.nucleoli):
            nucleolus = _inside(_depth(m.nucleoli, x, y)) * nuc
            chromatin *= 1.0 - NUCLEOLUS_CLEARING * nucleolus
            dens[STAINS.index("azure")] += NUCLEOLUS_RNA * thick * nucleolus
        dens[STAINS.index("chromatin")] += chromatin
    if m.granules > 0 and m.granule_coverage > 0:
        # lattice cell such that dots of the given coverage have the given diameter
        cell = m.granule_size / (2.0 * np.sqrt(m.granule_coverage / np.pi))
        g = texture.sample("granules", x, y, cell, m.texture[2:])
        level = texture.threshold("granules", m.granule_coverage)
        grains = np.clip((g - level) / GRANULE_EDGE, 0.0, 1.0) * (rho < m.granule_zone)
        dens[STAINS.index(m.granule_stain)] += m.granules * m.granule_size * grains
    return inside, dens
