"""Which cells lie in a field: classes, sizes and outlines drawn from per-class distributions.

Positions drawn here are only starting points; :mod:`sim.packing` settles them. Red cells follow
the smear-zone coverage field of :mod:`sim.smear`: where one layer cannot hold them they stack, some
as rouleaux.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from sim import erythro, smear
from sim.config import CellType, CellTypes, RareType, SimConfig, cell_type, draw_stage
from sim.rare import Features
from sim.redshapes import RedShape

OUTLINE_SAMPLES = 64
"""Outline radii per cell (one every 5.6°)."""

OUTLINE_MODES = (2, 3, 4)
"""Fourier modes of a cell's outline irregularity: oval (2), triangular (3) and square (4)
distortions, each of relative amplitude ``roundness / k`` times a standard normal (smooth
outlines: higher modes weaker). The per-class ``roundness`` is fitted by eye to the outlines of
the PBC reference; the modes are the lowest that change a disc's shape (mode 1 only moves it)."""


@dataclass
class Draft:
    """A cell before packing: class, size, outline and starting position (µm).

    `layer` is its collision layer (it touches only cells of its layer); `stack` its stacking
    level, which orders what lies over what (equal to `layer` in the regular layers).
    `rouleau` numbers the rouleau the cell belongs to (0: none); rouleaux lie over all layers,
    in a collision layer of their own, their stack rising by one per cell along the row.
    `features` are a pathological white cell's (:class:`sim.rare.Features`; the packing reads
    how it spreads and yields), None for other cells.
    """

    kind: str
    radii: np.ndarray
    position: tuple[float, float]
    angle: float
    pinned: bool = False
    subject: bool = False
    layer: int = 0
    stack: int = 0
    rouleau: int = 0
    stage: str = ""
    features: Features | None = None

    @cached_property
    def radius(self) -> float:
        """Mean outline radius, µm."""
        return float(self.radii.mean())


_THETA = np.linspace(0.0, 2 * np.pi, OUTLINE_SAMPLES, endpoint=False)
_MODES = np.array(OUTLINE_MODES)[:, None]
_MODE_PHASE = _MODES * _THETA
# outline angles, mode numbers and their products, shared by every outline drawn
_THETA.flags.writeable = _MODES.flags.writeable = _MODE_PHASE.flags.writeable = False


def draw_radii(t: CellType, rng: np.random.Generator) -> np.ndarray:
    """Outline radii (µm) at uniform angles: a normal diameter, clipped at ±3 σ, made irregular
    by the random Fourier modes :data:`OUTLINE_MODES` of relative amplitude `t.roundness` / k,
    each radius kept within 0.5–1.5 of the mean radius and the diameter at least 0.5 µm; then
    stretched into an oval (:func:`_oval`) and, for a share `t.spiculated` of cells, given
    spicules (:func:`_spicules`)."""
    d = t.diameter + t.diameter_sd * min(max(rng.standard_normal(), -3.0), 3.0)
    theta, k = _THETA, _MODES
    amp = t.roundness / k * rng.standard_normal((len(OUTLINE_MODES), 1))
    modes = amp * np.cos(_MODE_PHASE + rng.uniform(0, 2 * np.pi, (len(OUTLINE_MODES), 1)))
    # the modes summed in order (as np.sum over axis 0 adds them) and clipped, without the
    # Python wrappers of np.sum and np.clip (a few µs each, per cell)
    shape = np.minimum(np.maximum(1.0 + sum(modes[1:], modes[0]), 0.5), 1.5)
    if t.elongation > 0:
        shape = shape * _oval(theta, t.elongation * abs(min(max(rng.standard_normal(), -2.0),
                                                            2.0)), rng)
    if t.spiculated > 0 and rng.random() < t.spiculated:
        shape = shape * _spicules(theta, rng.poisson(t.spicules), t.spicule_length, rng)
    return 0.5 * max(d, 0.5) * shape


SPICULE_WIDTH = 0.12
"""Half-width of a spicule at its base, rad (about 7°: the short, pointed projections of
crenated red cells and the pseudopods of activated platelets, Bain 2015 ch. 3), chosen by eye
against the PBC reference; a spicule is a Gaussian bump of the outline radius."""


def _oval(theta: np.ndarray, log_aspect: float, rng: np.random.Generator) -> np.ndarray:
    """Relative radius of an ellipse of unit area-equivalent radius with long / short axis
    ``exp(log_aspect)``, its long axis at a random angle, at angles `theta`."""
    q = np.exp(log_aspect)
    phi = theta - rng.uniform(0, np.pi)
    return 1.0 / np.sqrt(np.cos(phi) ** 2 / q + np.sin(phi) ** 2 * q)


def _spicules(theta: np.ndarray, n: int, length: float, rng: np.random.Generator) -> np.ndarray:
    """Relative radius (≥ 1) of an outline with `n` spicules at about even spacing (jittered by
    a third of it), each of length up to `length` mean radii (uniform between half and all)."""
    if n == 0:
        return np.ones_like(theta)
    at = rng.uniform(0, 2 * np.pi) + 2 * np.pi / n * (np.arange(n) + rng.uniform(-1, 1, n) / 3)
    gap = np.angle(np.exp(1j * (theta[None, :] - at[:, None])))
    height = length * rng.uniform(0.5, 1.0, (n, 1))
    return 1.0 + np.max(height * np.exp(-0.5 * (gap / SPICULE_WIDTH) ** 2), axis=0)


def outline(types: CellTypes, kind: str, stage: str, rng: np.random.Generator) -> np.ndarray:
    """Outline radii (µm) of one cell of class `kind` (sub-type `stage`): :func:`draw_radii` of
    its type, or for a red-cell kind the normal red cell's scaled and deformed
    (:mod:`sim.erythro`)."""
    t = cell_type(types, kind, stage)
    if isinstance(t, RedShape):
        return erythro.deform(draw_radii(erythro.base(types.rbc, t), rng), t, rng)
    return draw_radii(t, rng)


def features(types: CellTypes, kind: str) -> Features | None:
    """The features of pathological white class `kind`, None for other classes."""
    t = cell_type(types, kind)
    return t.features if isinstance(t, RareType) else None


def draw(cfg: SimConfig, width: float, height: float, rng: np.random.Generator
         ) -> tuple[list[Draft], dict]:
    """Draw every cell of a `width` × `height` µm field (and its margin).

    The subject cell (if any) is pinned at the centre; a subject platelet brings a pinned clump.
    Red cells are drawn last, as many as cover `rbc_coverage` of the area the others leave free,
    each of a kind drawn from `red_mix` (normal unless it weighs other kinds), placed along the
    smear-zone coverage field and stacked where one layer cannot hold them (those that would
    need more than `layers` layers are left out); a share `overlap` of the first layer's lies
    over it instead, overlapping its neighbours.

    Returns
    -------
    drafts : list of Draft
    stats : dict
        ``rbc_coverage_requested`` (mean red-cell area / populated area asked for),
        ``rbc_dropped`` (red cells left out for want of layers), ``density_reached``.
    """
    pop, types, m = cfg.population, cfg.cells, cfg.population.margin
    area, centre = (width + 2 * m) * (height + 2 * m), (width / 2, height / 2)

    def place(kind: str, at=None, scale: float = 1.0, **kw) -> Draft:
        pos = at if at is not None else (rng.uniform(-m, width + m), rng.uniform(-m, height + m))
        stage = draw_stage(types, kind, rng)
        return Draft(kind, scale * outline(types, kind, stage, rng), pos,
                     rng.uniform(0, 2 * np.pi), stage=stage, features=features(types, kind), **kw)

    drafts = []
    if pop.subject == "centre":
        kind = pop.subject_mix.draw(rng)
        subject = place(kind, centre, pop.subject_platelet if kind == "platelet" else 1.0,
                        pinned=True, subject=True)
        drafts.append(subject)
        if subject.kind == "platelet":
            for _ in range(rng.poisson(pop.clump)):
                phi = rng.uniform(0, 2 * np.pi)
                dist = rng.uniform(1.0, pop.clump_spread) * 2 * subject.radius
                drafts.append(place("platelet", (centre[0] + dist * np.cos(phi),
                                                centre[1] + dist * np.sin(phi))))
    drafts += [place(pop.white_mix.draw(rng)) for _ in range(rng.poisson(pop.white_cells * area / 1e3))]
    drafts += [place("platelet") for _ in range(rng.poisson(_platelet_density(pop, rng) * area
                                                            / 1e3))]
    free = max(area - sum(np.pi * s.radius ** 2 for s in drafts), 0.0) / area
    rbc_area = np.pi * (types.rbc.diameter / 2) ** 2
    g, c0 = pop.coverage_gradient, pop.rbc_coverage * free
    requested = smear.mean_coverage(c0, g, -m, width + m, width)
    n = rng.poisson(requested * area / rbc_area)
    x, y = _spread(n, pop, (-m, width + m, -m, height + m), width,
                   [(*s.position, s.radius - types.rbc.diameter / 2) for s in drafts], rng)
    rbcs, dropped = _red_cells(x, y, pop, types.rbc.diameter, width, place, rng)
    return drafts + rbcs, {"rbc_coverage_requested": round(float(requested), 4),
                          "rbc_dropped": dropped, "density_reached": dropped == 0}


def _spread(n: int, pop, box: tuple[float, float, float, float], width: float,
            others: list, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Starting positions (µm) of `n` red cells in `box` (x0, x1, y0, y1) along the smear-zone
    coverage field: each the best of `pop.rbc_spacing` candidates, the one farthest from the
    cells placed before it and from `others` ((x, y, radius beyond a red cell's) in µm: gaps
    count from their edges), distances taken across the box's edges as on a torus so that the
    empty outside does not draw cells to the edges (Mitchell's best-candidate sampling,
    Computer Graphics 21:4, 1987; 1: independent uniform draws). More candidates space the
    cells more evenly, as a spread monolayer lies, instead of in the clusters of a random
    pattern."""
    k = pop.rbc_spacing
    x = smear.draw_x(n * k, pop.coverage_gradient, box[0], box[1], width, rng).reshape(n, k)
    y = rng.uniform(box[2], box[3], (n, k))
    if k == 1 or n == 0:
        return x[:, 0], y[:, 0]
    placed = np.full((n + len(others), 3), np.inf)
    placed[:, 2] = 0.0
    placed[:len(others)] = np.reshape(others, (-1, 3))
    size = np.array([box[1] - box[0], box[3] - box[2]])
    for i in range(n):
        # distances across the box's edges too (periodic), so the edges draw no cells; to the
        # cells placed so far (those still to place lie at infinity: no gap is smaller)
        seen = placed[:len(others) + i]
        dx, dy = (np.abs(c[i, :, None] - seen[None, :, j]) for j, c in enumerate((x, y)))
        gap = np.min(np.hypot(np.minimum(dx, size[0] - dx), np.minimum(dy, size[1] - dy))
                     - seen[None, :, 2], axis=1, initial=np.inf)
        j = int(np.argmax(gap))
        placed[len(others) + i, :2] = x[i, j], y[i, j]
    return placed[len(others):, 0].copy(), placed[len(others):, 1].copy()


def _platelet_density(pop, rng: np.random.Generator) -> float:
    """This field's free-platelet density, 1/(1000 µm²): `pop.platelets` times a gamma factor
    of mean 1 and coefficient of variation `pop.platelet_spread` (so the count per field is
    negative-binomial, overdispersed as in the TXL-PBC fields)."""
    if pop.platelet_spread <= 0:
        return pop.platelets
    shape = 1.0 / pop.platelet_spread ** 2
    return pop.platelets * rng.gamma(shape, 1.0 / shape)


def _red_cells(x: np.ndarray, y: np.ndarray, pop, diameter: float, width: float, place,
               rng: np.random.Generator) -> tuple[list[Draft], int]:
    """The red cells starting at `x`, `y` (µm), made by `place`, and how many were left out.

    Each lies in the stacking layer the local coverage gives it (one layer holds `monolayer`
    of the area the other cells leave free; cells that would need more than `layers` layers
    are left out), a share `overlap` of the first layer's over it instead; each of a kind drawn
    from `red_mix`; some stacked ones lined up in rouleaux (`diameter`: the red cell's, µm).
    """
    stack = smear.layers(smear.coverage(pop.rbc_coverage, pop.coverage_gradient, x, width),
                         pop.monolayer, rng)
    keep = stack < pop.layers
    lifted = _lifted(stack, pop, rng)[keep]
    normal = pop.red_mix.weights()[1:].sum() <= 0  # every red cell normal: nothing to draw
    rbcs = [place("rbc" if normal else pop.red_mix.draw(rng), (float(a), float(b)),
                  layer=int(s + up), stack=int(s + up))
            for a, b, s, up in zip(x[keep], y[keep], stack[keep], lifted)]
    if pop.layers > 1:
        _rouleaux([r for r, up in zip(rbcs, lifted) if r.stack > 0 and not up], pop, diameter,
                  rng)
    return rbcs, int((~keep).sum())


def _lifted(stack: np.ndarray, pop, rng: np.random.Generator) -> np.ndarray:
    """(n,) bool: the first-layer red cells (`stack` 0) that lie over it instead, a share
    `pop.overlap` of them (none, and no draw, at 0 or with one layer)."""
    if pop.overlap <= 0 or pop.layers < 2:
        return np.zeros(stack.shape, bool)
    return (stack == 0) & (rng.random(stack.shape) < pop.overlap)


def _rouleaux(stacked: list[Draft], pop, diameter: float, rng: np.random.Generator) -> None:
    """Line up a fraction `pop.rouleaux` of the stacked red cells as rouleaux, in place: runs of
    about `pop.rouleau_length` cells, each lying over the one before. A rouleau holds together
    (its cells do not push each other apart) and lies over the film (it touches other rouleaux,
    not the cells of the layers)."""
    chosen = [s for s in stacked if rng.random() < pop.rouleaux]
    start, number = 0, 1
    while start < len(chosen):
        run = chosen[start:start + 1 + rng.poisson(pop.rouleau_length - 1)]
        centres = smear.rouleau(np.array(run[0].position), len(run), diameter, rng)
        for k, (s, c) in enumerate(zip(run, centres)):
            s.position = (float(c[0]), float(c[1]))
            s.layer, s.stack, s.rouleau = pop.layers, pop.layers + k, number
        start += len(run)
        number += 1
