"""Interpenetration of touching cells of a settled scene: the physics benchmark's check that
the soft-body pass keeps the overlap allowance (a Python loop over touching pairs, too slow to run
on every image, so it lives here and not in :mod:`sim.stats`)."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

from sim.morphology import relative_radius
from sim.scene import Cell


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
