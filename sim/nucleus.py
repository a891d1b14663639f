"""The nucleus as geometry: a union of ellipses shaped, sized and placed for one cell.

Shapes follow Bain (*Blood Cells: A Practical Guide*, 5th ed., Wiley 2015, ch. 3): round, oval,
kidney-shaped, band and segmented. :mod:`sim.morphology` turns them into chromatin fields.
"""

from __future__ import annotations

import numpy as np

from sim.config import CellType


def _chain(n: int, spacing: float | np.ndarray, turn: np.ndarray, rng: np.random.Generator
           ) -> tuple[np.ndarray, np.ndarray]:
    """Centres (n, 2) and headings (n,) of beads on a path that turns by `turn` (rad) at each
    step of length `spacing` (one value or one per step), centred on the origin."""
    heading = rng.uniform(0, 2 * np.pi) + np.concatenate([[0.0], np.cumsum(turn)])
    steps = np.reshape(spacing, (-1, 1)) * np.stack([np.cos(heading[:-1]),
                                                     np.sin(heading[:-1])], axis=1)
    centres = np.vstack([[0.0, 0.0], np.cumsum(steps, axis=0)])
    return centres - centres.mean(axis=0), heading


def _beads(bounds: tuple[int, ...], rng: np.random.Generator) -> int:
    """Bead count of a kidney or band nucleus, drawn uniformly within `bounds`; a fixed count
    draws nothing, so the random stream (and every image) is as with a hard-coded one."""
    lo, hi = bounds
    return lo if lo == hi else int(rng.integers(lo, hi + 1))


def shape(kind: str, t: CellType, rng: np.random.Generator) -> np.ndarray:
    """Nucleus ellipses of about unit bead width before scaling (see :func:`place`).

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
      lie on bends ``lobe_bend`` per bead step, one sense per nucleus, with an extra kink
      ``lobe_kink`` of either sense between lobes; the chromatin filament joining two lobes is an ellipse of
      half-width 0.14 bead radii (about 0.3 µm: 0.5–0.6 µm wide, below the 0.8 µm that the
      morphometry's lobe rule resolves, so lobes count apart as in the reference).
    * ``kidney``: ``kidney_beads`` fat beads (5 unless the type says otherwise) 0.6 apart, each
      0.85–1.15 in size, on an arc turning ``kidney_turn`` in all (1.4–3 rad unless the type
      says otherwise): a bean indented on one side, the deeper the longer; long and turning
      more, a nucleus folded round on itself (monocyte, metamyelocyte).
    * ``band``: ``band_beads`` equal beads (11 unless the type says otherwise) 0.5 apart,
      bending 2–4 rad in all, each step turned further by a normal draw of σ ``band_wander``
      (none unless the type says otherwise): the C, U or S of a band neutrophil, a thin
      unsegmented curved sausage, the thinner the longer.
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
        turns = (rng.uniform(*t.lobe_bend) * rng.choice([-1.0, 1.0])
                 + gap * rng.uniform(*t.lobe_kink, gap.size) * rng.choice([-1.0, 1.0], gap.size))
        centres, _ = _chain(n * per, spacing, turns, rng)
        size = np.repeat(rng.uniform(0.85, 1.15, n), per)
        beads = [(x, y, sz, sz, 0.0) for (x, y), sz in zip(centres, size)]
        # thin chromatin filaments between consecutive lobes
        ends = centres[np.flatnonzero(gap)], centres[np.flatnonzero(gap) + 1]
        beads += [((x0 + x1) / 2, (y0 + y1) / 2, np.hypot(x1 - x0, y1 - y0) / 2, 0.14,
                   np.arctan2(y1 - y0, x1 - x0)) for (x0, y0), (x1, y1) in zip(*ends)]
        return np.array(beads)
    # kidney: fat beads on an arc; band: many slim beads on a strong curve (sausage)
    if kind == "kidney":
        n = _beads(t.kidney_beads, rng)
        spacing, bend = 0.6, rng.uniform(*t.kidney_turn) / (n - 1)
    else:
        n = _beads(t.band_beads, rng)
        # 2-4 rad end to end whatever the length (x 1.0 exactly at the 11 beads of before)
        spacing, bend = 0.5, rng.uniform(0.2, 0.4) * (10 / (n - 1))
    turn = np.full(n - 1, bend * rng.choice([-1.0, 1.0]))
    if kind == "band" and t.band_wander > 0:
        turn += rng.normal(0.0, t.band_wander, n - 1)
    centres, heading = _chain(n, spacing, turn, rng)
    size = rng.uniform(0.85, 1.15, n) if kind == "kidney" else np.ones(n)
    return np.array([(x, y, sz, sz, h) for (x, y), h, sz in zip(centres, heading, size)])


def reach(ellipses: np.ndarray) -> float:
    """Radius (µm) of a disc about the origin that holds every ellipse."""
    return float(np.max(np.hypot(ellipses[:, 0], ellipses[:, 1]) + ellipses[:, 2:4].max(axis=1)))


def area(ellipses: np.ndarray, samples: int = 48) -> float:
    """Area of a union of ellipses (µm²), counted on a grid over its bounding box."""
    r = reach(ellipses)
    g = (np.arange(samples, dtype=np.float32) + 0.5) / samples * 2 * r - r
    x, y = np.meshgrid(g, g)
    return float((depth(ellipses, x, y) > 0).mean() * (2 * r) ** 2)


def place(t: CellType, radius: float, rng: np.random.Generator) -> np.ndarray:
    """Nucleus ellipses ``(cx, cy, a, b, theta)`` for one cell of type `t` and mean radius
    `radius` (µm): a shape drawn with the type's weights, scaled to `nucleus_fraction` of the
    cell's area, placed off-centre where room allows, kept inside the cell.

    A kidney-shaped nucleus too long for its cell folds up into an oval where the type has oval
    nuclei too (monocytes): a small monocyte's nucleus, about as large as a big one's, fills
    the cell and leaves a thin rim (PBC monocytes: σ of the log nucleus diameter 0.055, of the
    cell's 0.177; N:C 10th-90th percentile 0.42-2.03, export.realism.cellfeatures on the 30
    reference cells, 0.52-1.36 while the kidney shrank to fit, 0.56-1.71 folded). Other shapes
    crowd their beads, then shrink."""
    if t.nucleus_fraction <= 0 or t.nucleus.empty():
        return np.zeros((0, 5))
    kind = t.nucleus.draw(rng)
    e = shape(kind, t, rng)
    target, limit = t.nucleus_fraction * np.pi * radius ** 2, t.nucleus_reach * radius
    e[:, :4] *= np.sqrt(target / area(e))
    if reach(e) > limit and kind == "kidney" and t.nucleus.oval > 0:
        e = shape("oval", t, rng)
        e[:, :4] *= np.sqrt(target / area(e))
    if reach(e) > limit:
        # crowd the beads together (lobes overlap, as in real cells) before shrinking them
        spread = float(np.hypot(e[:, 0], e[:, 1]).max())
        e[:, :2] *= np.clip((limit - e[:, 2:4].max()) / max(spread, 1e-9), 0.8, 1.0)
        e[:, :4] *= np.sqrt(target / area(e))
        e[:, :4] *= min(1.0, limit / reach(e))
    # the nucleus moves towards the side of the cell where it has the most room, among
    # SHIFT_DIRECTIONS evenly spaced from a random one (an oval lies along the membrane)
    phi = rng.uniform(0, 2 * np.pi) + np.linspace(0, 2 * np.pi, SHIFT_DIRECTIONS, endpoint=False)
    directions = np.stack([np.cos(phi), np.sin(phi)], axis=1)
    space = room(e, limit, directions)
    best = int(np.argmax(space))
    e[:, :2] += rng.uniform(t.eccentricity_least, t.eccentricity) * space[best] * directions[best]
    return e


SHIFT_DIRECTIONS = 8
"""Directions :func:`place` compares the nucleus's room in before shifting it off-centre."""


OUTLINE_SAMPLES = 64
"""Corners of the polygon round each ellipse that :func:`room` keeps inside the disc."""


def room(ellipses: np.ndarray, limit: float, directions: np.ndarray) -> np.ndarray:
    """Largest shift (µm) of the ellipses along each unit vector of `directions` (k, 2) that
    keeps them inside the disc of radius `limit` (µm) about the origin, shape (k,): the room a
    nucleus has to move towards each side of its cell. Along its short axis an oval or kidney
    nucleus has more room than :func:`reach` leaves it in every direction (PBC: nucleus centroid
    0.13-0.17 cell radii off the cell's in monocytes, neutrophils and ig, median of 30 cells)."""
    cx, cy, a, b, th = (v[:, None] for v in ellipses.T)
    t = np.linspace(0.0, 2.0 * np.pi, OUTLINE_SAMPLES, endpoint=False)
    # corners of a polygon circumscribing the ellipse (the affine image of a regular polygon
    # round its circle): the disc, being convex, holds the ellipse if it holds the corners
    grow = 1.0 / np.cos(np.pi / OUTLINE_SAMPLES)
    u, v = grow * a * np.cos(t), grow * b * np.sin(t)
    x = (cx + u * np.cos(th) - v * np.sin(th)).ravel()
    y = (cy + u * np.sin(th) + v * np.cos(th)).ravel()
    along = np.outer(directions[:, 0], x) + np.outer(directions[:, 1], y)
    # |p + s d| <= limit for every outline point p: s <= -p.d + sqrt((p.d)^2 - |p|^2 + limit^2)
    inside = along ** 2 - (x ** 2 + y ** 2 - limit ** 2)
    return np.maximum(np.min(np.sqrt(np.maximum(inside, 0.0)) - along, axis=1), 0.0)


WINDOW_MARGIN = 2
"""Pixels added on every side of an ellipse's window in :func:`depth` (far more than the
rounding of the grid's coordinates)."""


def depth(ellipses: np.ndarray, x: np.ndarray, y: np.ndarray, floor: float | None = None
          ) -> np.ndarray:
    """Approximate signed depth (µm) of points inside a union of ellipses (negative outside).

    With `floor` (µm) and `x`, `y` a 2-D grid affine in the array index (a raster's pixels in a
    cell frame), each ellipse is evaluated only in the window of rows and columns where it may
    be deeper than −`floor` (:func:`_windows`): the result is the exact depth wherever that is
    above −`floor`, and at most −`floor` (−inf where no ellipse was evaluated) elsewhere.
    """
    out = np.full(x.shape, -np.inf, dtype=np.float32)
    if floor is None or x.ndim != 2 or min(x.shape) < 2:
        parts = [...] * len(ellipses)
    else:
        parts = [np.s_[r0:r1, c0:c1] for r0, r1, c0, c1 in _windows(ellipses, x, y, floor)]
    for e, part in zip(ellipses, parts):
        _deepen(out[part], x[part], y[part], e)
    return out


def _deepen(out: np.ndarray, x: np.ndarray, y: np.ndarray, ellipse: np.ndarray) -> None:
    """Raise `out` (float32) to the signed depth of the points (`x`, `y`) in `ellipse`
    ``(cx, cy, a, b, theta)``, in µm of its minor semi-axis, where that is larger: ρ from
    u = (c dx + s dy) / a, v = (−s dx + c dy) / b, computed in place in the precision of `x`
    (float32 for a raster's grid)."""
    cx, cy, a, b, th = ellipse
    scalar = np.result_type(x, np.float32).type
    cx, cy, a, b, c, s = (scalar(v) for v in (cx, cy, a, b, np.cos(th), np.sin(th)))
    dx, dy = np.subtract(x, cx), np.subtract(y, cy)
    u, t = np.multiply(c, dx), np.multiply(s, dy)
    u += t
    u /= a
    v = np.multiply(-s, dx)
    v += np.multiply(c, dy, out=t)
    v /= b
    u *= u
    v *= v
    u += v
    np.sqrt(u, out=u)
    u = np.subtract(1.0, u, out=u)
    u *= min(a, b)
    np.maximum(out, u, out=out)


def _windows(ellipses: np.ndarray, x: np.ndarray, y: np.ndarray, floor: float) -> list:
    """Rows and columns ``[r0, r1, c0, c1]`` of the affine 2-D grid (`x`, `y`) that hold each
    ellipse's points of depth above −`floor`, plus :data:`WINDOW_MARGIN`: the points of
    relative radius below 1 + `floor` / min(a, b), an ellipse of that many times its
    semi-axes, projected on the grid's rows and columns."""
    cx, cy, a, b, th = ellipses.T
    h, w = x.shape
    x0, y0 = float(x[0, 0]), float(y[0, 0])
    # µm per column and per row, and the grid index (j, i) of each centre (orthogonal axes)
    col = ((float(x[0, -1]) - x0) / (w - 1), (float(y[0, -1]) - y0) / (w - 1))
    row = ((float(x[-1, 0]) - x0) / (h - 1), (float(y[-1, 0]) - y0) / (h - 1))
    det = col[0] * row[1] - col[1] * row[0]
    j = ((cx - x0) * row[1] - (cy - y0) * row[0]) / det
    i = ((cy - y0) * col[0] - (cx - x0) * col[1]) / det
    scale = 1.0 + floor / np.minimum(a, b)
    c, s = np.cos(th), np.sin(th)

    def half(step: tuple[float, float]) -> np.ndarray:
        """Half-extent of each scaled ellipse along the grid axis `step` (µm per index), in
        indices, with the margin."""
        major, minor = c * step[0] + s * step[1], c * step[1] - s * step[0]
        return scale * np.hypot(a * major, b * minor) / (step[0] ** 2 + step[1] ** 2) + (
            WINDOW_MARGIN)

    di, dj = half(row), half(col)
    edges = np.stack([np.floor(i - di), np.ceil(i + di) + 1, np.floor(j - dj), np.ceil(j + dj) + 1])
    return np.maximum(edges, 0).astype(int).T.tolist()
