"""Labels from the rendered geometry: boxes, polygons and masks of every visible cell.

Everything here comes from the raster's owner map — the top-most cell at each pixel, computed in
the same pass that rendered the stains — and from each cell's own outline, never from the image:

* the *visible* box encloses exactly the pixels where the cell is on top (occlusion by cells
  lying over it and the image border both respected);
* the *amodal* box encloses the whole cell, occluded parts included (what an annotator would
  draw around the complete cell), sampled like the raster and clipped to the frame; a cell whose
  outline crosses the border is flagged ``truncated``;
* the *polygons* trace the outer boundary of each connected piece of the visible region;
* the *instance mask* is the owner map itself (see :mod:`export.masks`).

Pixel (row i, column j) covers x ∈ [j, j+1), y ∈ [i, i+1) px; boxes are ``(x0, y0, x1, y1)`` pixel
edges, polygons are vertex coordinates in the same pixel units.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import cv2
import numpy as np

from optics.raster import Raster
from optics.strips import strips
from sim.classes import CLASS_ID
from sim.scene import Scene

OUTLINE_REFINE = 8
"""Points per outline segment when the amodal extent is measured: the outline radius is linear
in angle between its samples (as :func:`sim.morphology.relative_radius` renders it), so the
curve bulges past the chord; 8 sub-samples bring the error below 1e-4 of the radius."""


@dataclass
class Label:
    """The label of one visible cell.

    Attributes
    ----------
    cell
        Index of the cell in the scene.
    class_id
        Label id written for it: its class's (see :mod:`sim.classes`), or the parent's when its
        class is merged (``export.merge``).
    box
        Visible box ``(x0, y0, x1, y1)``, pixel edges: columns x0 … x1−1 and rows y0 … y1−1 hold
        every pixel where the cell is the top-most one.
    amodal
        Box of the whole cell, occluded parts included, clipped to the frame (pixel edges): the
        pixels whose centre lies within the outline's extent, and the visible box; so for a cell
        nothing covers it equals the visible box.
    truncated
        Whether the outline crosses the image border (the boxes are clipped there).
    visible
        Fraction of the cell's area visible in the image (not covered, not outside the frame).
    area
        Visible area, px (the number of pixels the cell owns).
    polygons
        Outer boundary of each connected visible piece, largest first, as flat
        ``[x0, y0, x1, y1, …]`` lists in px (the visible box if no piece is 3 vertices wide);
        None when not traced.
    """

    cell: int
    class_id: int
    box: tuple[int, int, int, int]
    amodal: tuple[int, int, int, int]
    truncated: bool
    visible: float
    area: int
    polygons: list[list[float]] | None = None

    def to_dict(self) -> dict:
        """Plain, JSON-ready form."""
        d = {"class_id": self.class_id, "box_px": list(self.box), "amodal_box_px": list(self.amodal),
             "truncated": self.truncated, "visible_fraction": round(self.visible, 4),
             "area_px": self.area}
        if self.polygons is not None:
            d["polygons_px"] = self.polygons
        return d


def outline_extents(scene: Scene, pixel_size: float) -> np.ndarray:
    """Extent ``(x_min, y_min, x_max, y_max)`` of every cell's whole outline in px, unclipped,
    float, shape (N, 4)."""
    if not scene.cells:
        return np.zeros((0, 4))
    radii = np.stack([c.radii for c in scene.cells])
    k = radii.shape[1]
    f = np.arange(OUTLINE_REFINE) / OUTLINE_REFINE
    dense = (radii[:, :, None] * (1 - f)
             + np.roll(radii, -1, axis=1)[:, :, None] * f).reshape(len(radii), -1)
    theta = np.arange(k * OUTLINE_REFINE) * (2 * np.pi / (k * OUTLINE_REFINE))
    theta = theta[None] + np.array([c.angle for c in scene.cells])[:, None]
    centre = np.array([c.centre for c in scene.cells])
    x = (centre[:, :1] + dense * np.cos(theta)) / pixel_size
    y = (centre[:, 1:] + dense * np.sin(theta)) / pixel_size
    return np.stack([x.min(1), y.min(1), x.max(1), y.max(1)], axis=1)


def trace(mask: np.ndarray, origin: tuple[int, int], tolerance: float) -> list[list[float]]:
    """Outer boundaries of the connected pieces of a boolean `mask`, largest first.

    Vertices lie on the centres of the boundary pixels, shifted by `origin` (x, y) px, and are
    simplified (Douglas–Peucker) to within `tolerance` px unless that leaves fewer than 3; pieces
    of fewer than 3 traced vertices (one or two pixels) are dropped.
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=lambda c: -cv2.contourArea(c))
    out = []
    for c in contours:
        simple = cv2.approxPolyDP(c, tolerance, True) if tolerance > 0 else c
        c = simple if len(simple) >= 3 else c  # a thin sliver: keep every traced vertex
        if len(c) >= 3:
            pts = c.reshape(-1, 2) + np.array(origin) + 0.5
            out.append([float(v) for v in pts.ravel()])
    return out


def visible_box(raster: Raster, i: int) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """Box ``(x0, y0, x1, y1)`` of the pixels where cell `i` is on top, and the mask of those
    pixels over it, found within the cell's whole extent (:attr:`Raster.extent`, which holds
    every pixel the cell covers); an empty box for a cell on top nowhere."""
    x0, y0, x1, y1 = (int(v) for v in raster.extent[i])
    mine = raster.owner[y0:y1, x0:x1] == i
    bx, by, bw, bh = cv2.boundingRect(mine.view(np.uint8))
    return (x0 + bx, y0 + by, x0 + bx + bw, y0 + by + bh), mine[by:by + bh, bx:bx + bw]


def label_cells(scene: Scene, raster: Raster, pixel_size: float, min_visible: float,
                tolerance: float | None = None, ids: Mapping[str, int] = CLASS_ID) -> list[Label]:
    """Labels of every cell with at least `min_visible` of its area visible.

    Parameters
    ----------
    scene, raster
        The simulated scene and its raster on the camera grid.
    pixel_size
        µm per pixel.
    min_visible
        Smallest visible fraction of a cell's area for it to be labelled.
    tolerance
        Polygon simplification in px; None: do not trace polygons.
    ids
        Label id of each class name (merged classes take their parent's,
        :meth:`export.config.ExportConfig.label_ids`); default: each class its own.
    """
    n = len(scene.cells)
    h, w = raster.owner.shape
    # pixels on top of each cell, counted a strip at a time (owner + 1: 0 is the background)
    counts = sum(np.bincount((raster.owner[rows] + 1).ravel(), minlength=n + 1)
                 for rows in strips(h, w))[1:]
    ext = outline_extents(scene, pixel_size)
    truncated = (ext[:, 0] < 0) | (ext[:, 1] < 0) | (ext[:, 2] > w) | (ext[:, 3] > h)
    # every pixel inside the whole cell, covered or not, sampled in the same raster pass
    whole = raster.extent
    out = []
    for cell in scene.cells:
        i = cell.index
        visible = counts[i] / max(raster.area[i], 1e-9)
        if visible < min_visible or counts[i] == 0:
            continue
        box, mine = visible_box(raster, i)
        polygons = None
        if tolerance is not None:  # a cell too thin to trace: its visible box as polygon
            polygons = (trace(mine, box[:2], tolerance)
                        or [[float(v) for v in (box[0], box[1], box[2], box[1], box[2], box[3],
                                                box[0], box[3])]])
        amodal = (min(box[0], whole[i, 0]), min(box[1], whole[i, 1]), max(box[2], whole[i, 2]),
                  max(box[3], whole[i, 3]))
        out.append(Label(i, ids[cell.kind], box, tuple(int(v) for v in amodal),
                         bool(truncated[i]), float(visible),
                         int(counts[i]), polygons))
    return out
