"""Labels from the rendered geometry: one box per visible cell.

Boxes come from the raster's owner map — the top-most cell at each pixel, computed in the same
pass that rendered the stains — so a box encloses exactly the pixels where its cell is visible
(occlusion by cells lying over it and the image border both respected).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from optics.raster import Raster
from sim.classes import CLASS_ID
from sim.scene import Scene


@dataclass
class Label:
    """The visible box of one cell.

    Attributes
    ----------
    cell
        Index of the cell in the scene.
    class_id
        Label id of its class (see :mod:`sim.classes`).
    box
        ``(x0, y0, x1, y1)`` pixel edges: columns x0 … x1−1 and rows y0 … y1−1 are inside.
    visible
        Fraction of the cell's area visible in the image (not covered, not outside the frame).
    """

    cell: int
    class_id: int
    box: tuple[int, int, int, int]
    visible: float

    def to_dict(self) -> dict:
        """Plain, JSON-ready form."""
        return {"box_px": list(self.box), "visible_fraction": round(self.visible, 4)}


def boxes(scene: Scene, raster: Raster, min_visible: float) -> list[Label]:
    """Labels for every cell with at least `min_visible` of its area visible."""
    n = len(scene.cells)
    slices = ndimage.find_objects(raster.owner + 1, max_label=n)
    counts = np.bincount(raster.owner.ravel() + 1, minlength=n + 1)[1:]
    out = []
    for cell, sl in zip(scene.cells, slices):
        visible = counts[cell.index] / max(raster.area[cell.index], 1e-9)
        if sl is None or visible < min_visible or counts[cell.index] == 0:
            continue
        ys, xs = sl
        out.append(Label(cell.index, CLASS_ID[cell.kind], (xs.start, ys.start, xs.stop, ys.stop),
                         float(visible)))
    return out
