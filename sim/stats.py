"""What the simulation measures on its own result: coverage, overlap, area change, interpenetration.

Areas are counted on a square grid of :data:`GRID` µm over the imaged field (µm, not pixels:
``sim`` knows nothing of the camera).
"""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.morphology import relative_radius
from sim.scene import Cell

GRID = 0.4
"""Grid step of the coverage count, µm (a tenth of a red-cell radius: coverage to ~1 %)."""


def cover_counts(cells: list[Cell], width: float, height: float) -> np.ndarray:
    """Number of cells covering each grid point of the `width` × `height` µm field."""
    nx, ny = max(int(width / GRID), 1), max(int(height / GRID), 1)
    count = np.zeros((ny, nx), dtype=np.int16)
    for cell in cells:
        reach = float(cell.radii.max())
        i0 = max(int((cell.centre[0] - reach) / GRID), 0)
        i1 = min(int((cell.centre[0] + reach) / GRID) + 1, nx)
        j0 = max(int((cell.centre[1] - reach) / GRID), 0)
        j1 = min(int((cell.centre[1] + reach) / GRID) + 1, ny)
        if i1 <= i0 or j1 <= j0:
            continue
        dx = (np.arange(i0, i1) + 0.5) * GRID - cell.centre[0]
        dy = (np.arange(j0, j1) + 0.5) * GRID - cell.centre[1]
        c, s = np.cos(cell.angle), np.sin(cell.angle)
        x, y = c * dx[None] + s * dy[:, None], -s * dx[None] + c * dy[:, None]
        count[j0:j1, i0:i1] += relative_radius(cell.radii, x, y) < 1.0
    return count


def penetration(cells: list[Cell], layer: np.ndarray) -> np.ndarray:
    """Interpenetration of every pair of touching cells of one layer, µm.

    For a pair (a, b): the deeper of the deepest point of a's outline inside b (its distance to
    b's outline) and of b's inside a; for two discs, the overlap of their radii along the line of
    centres. Returns rows ``(a, b, depth)``, shape (P, 3).
    """
    if len(cells) < 2:
        return np.zeros((0, 3))
    centre = np.array([c.centre for c in cells])
    reach = np.array([c.radii.max() for c in cells])
    pairs = np.array(sorted(cKDTree(centre).query_pairs(2 * reach.max())), dtype=int).reshape(-1, 2)
    a, b = pairs.T
    near = (layer[a] == layer[b]) & (np.hypot(*(centre[a] - centre[b]).T) < reach[a] + reach[b])
    rows = []
    for i, j in pairs[near]:
        rows.append((i, j, max(_depth(cells[i], cells[j]), _depth(cells[j], cells[i]))))
    return np.array(rows, dtype=float).reshape(-1, 3)


def _depth(a: Cell, b: Cell) -> float:
    """Deepest point of a's outline inside b: its distance to b's outline polygon, µm (0 if
    no point is inside)."""
    p, q = a.outline(), b.outline()
    d = np.array(b.centre)
    c, s = np.cos(b.angle), np.sin(b.angle)
    x, y = c * (p[:, 0] - d[0]) + s * (p[:, 1] - d[1]), -s * (p[:, 0] - d[0]) + c * (p[:, 1] - d[1])
    inside = p[relative_radius(b.radii, x, y) < 1.0]
    if len(inside) == 0:
        return 0.0
    e = np.roll(q, -1, axis=0) - q
    t = np.clip(np.einsum("pqk,qk->pq", inside[:, None] - q[None], e) / np.sum(e * e, 1), 0, 1)
    gap = inside[:, None] - (q[None] + t[..., None] * e[None])
    return float(np.sqrt(np.min(np.sum(gap * gap, -1), axis=1)).max())


def scene_stats(cells: list[Cell], width: float, height: float) -> dict:
    """Figures recorded with every scene.

    Returns
    -------
    dict
        ``coverage`` (fraction of the field covered by a cell), ``overlap_fraction`` (fraction of
        the covered area covered more than once), ``area_change_mean`` and ``area_change_max``
        (mean and largest absolute relative change of a cell's area by settling).
    """
    count = cover_counts(cells, width, height)
    covered = np.count_nonzero(count)
    change = np.abs([c.area_change for c in cells]) if cells else np.zeros(1)
    return {"coverage": round(float(covered / count.size), 4),
            "overlap_fraction": round(float(np.count_nonzero(count > 1) / max(covered, 1)), 4),
            "area_change_mean": round(float(np.mean(change)), 4),
            "area_change_max": round(float(np.max(change)), 4)}


def excess_penetration(cells: list[Cell], layer: np.ndarray, overlap: float) -> float:
    """Largest interpenetration of two cells of one layer beyond the allowance
    ``overlap`` × (R_a + R_b), µm (≤ 0: every pair keeps it; −inf: no touching pair). Too slow
    to run on every image (a Python loop over touching pairs); the benchmark reports it."""
    pen = penetration(cells, layer)
    if len(pen) == 0:
        return -np.inf
    radius = np.array([c.radii.mean() for c in cells])
    a, b = pen[:, 0].astype(int), pen[:, 1].astype(int)
    return float(np.max(pen[:, 2] - overlap * (radius[a] + radius[b])))
