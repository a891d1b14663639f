"""Scene → per-stain column density maps on the camera grid, supersampled then binned.

Pixel (i, j) covers x ∈ [j, j+1) and y ∈ [i, i+1) pixel units, so its centre lies at
((j + ½) p, (i + ½) p) µm for pixel size p. The same pass records which cell is on top at each
pixel, so labels come from exactly the geometry that was rendered.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from optics.config import Frame
from sim.classes import STAINS
from sim.erythro import densities
from sim.scene import Scene


@dataclass
class Raster:
    """Rasterised specimen.

    Attributes
    ----------
    density
        Column density of each stain of :data:`sim.classes.STAINS`, µm × concentration,
        float32, shape (S, H, W).
    owner
        Index of the top-most cell covering at least half of each pixel, -1 for background,
        int32, shape (H, W).
    area
        Area of each cell (by index) in px², the part outside the frame included.
    extent
        Box ``(x0, y0, x1, y1)`` (pixel edges) of the pixels inside each cell by the same
        half-coverage rule as `owner`, covered or not, within the frame; ``(0, 0, 0, 0)`` for a
        cell with no such pixel. int, shape (N, 4).
    """

    density: np.ndarray
    owner: np.ndarray
    area: np.ndarray
    extent: np.ndarray


def _axis(lo: float, hi: float, n: int, ss: int) -> tuple[int, int, np.ndarray]:
    """Pixel range [a, b) covering [lo, hi] px, clipped to [0, n), and its sample centres in px."""
    a, b = max(int(np.floor(lo)), 0), min(int(np.ceil(hi)) + 1, n)
    return a, b, (np.arange(a * ss, b * ss, dtype=np.float32) + 0.5) / ss


def _bin(a: np.ndarray, ss: int) -> np.ndarray:
    """Mean over each ss × ss block of the last two axes (sum of strided views: no reductions)."""
    if ss == 1:
        return a
    out = sum(a[..., i::ss, j::ss] for i in range(ss) for j in range(ss))
    return out * np.float32(1.0 / ss ** 2)


def rasterize(scene: Scene, frame: Frame) -> Raster:
    """Rasterise every cell of `scene` onto the frame's pixel grid."""
    h, w, ss, p = frame.height, frame.width, frame.supersample, frame.pixel_size
    # zeroed by writing, not by np.zeros: a large frame's zero pages would be faulted in twice,
    # read by the first cell added there, then copied on its write
    density = np.empty((len(STAINS), h, w), dtype=np.float32)
    density.fill(0.0)
    owner = np.full((h, w), -1, dtype=np.int32)
    extent = np.zeros((len(scene.cells), 4), dtype=int)
    for cell in sorted(scene.cells, key=lambda c: c.z):
        cx, cy = cell.centre[0] / p, cell.centre[1] / p
        reach = float(cell.radii.max()) / p
        x0, x1, xs = _axis(cx - reach, cx + reach, w, ss)
        y0, y1, ys = _axis(cy - reach, cy + reach, h, ss)
        if x1 <= x0 or y1 <= y0:
            continue
        dx, dy = (xs - cx) * p, (ys - cy) * p
        c, s = np.float32(np.cos(cell.angle)), np.float32(np.sin(cell.angle))
        # rotate into the cell frame by broadcasting the 1-D axes (no meshgrid)
        u = (c * dx)[None, :] + (s * dy)[:, None]
        v = (c * dy)[:, None] - (s * dx)[None, :]
        inside, dens = densities(cell.morphology, cell.radii.astype(np.float32), u, v)
        density[:, y0:y1, x0:x1] += _bin(dens, ss)
        covered = inside if ss == 1 else _bin(inside.astype(np.float32), ss) >= 0.5
        np.copyto(owner[y0:y1, x0:x1], cell.index, where=covered)
        bx, by, bw, bh = cv2.boundingRect(np.ascontiguousarray(covered).view(np.uint8))
        if bw:
            extent[cell.index] = (x0 + bx, y0 + by, x0 + bx + bw, y0 + by + bh)
    return Raster(density=density, owner=owner,
                  area=np.array([c.area / p ** 2 for c in scene.cells]), extent=extent)
