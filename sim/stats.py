"""What the simulation measures on its own result: coverage, overlap, area change.

Areas are counted on a square grid of :data:`GRID` µm over the imaged field (µm, not pixels:
``sim`` knows nothing of the camera). The interpenetration of touching cells, too slow for every
image, is measured by the physics benchmark (``tests/bench/penetration.py``).
"""

from __future__ import annotations

import numpy as np

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
