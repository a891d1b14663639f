"""Per-class image folders like the PBC dataset: ``crops/SPLIT/CLASS/…jpg``.

With a subject cell (``sim.population.subject = "centre"``, the ``pbc`` preset) the whole image is
filed under its subject's class, as the PBC dataset files its photographs. Otherwise every labelled
white cell and platelet gets a square crop around its visible box, widened by
``export.crop_margin`` of the box's larger side on each side and shifted to stay in the frame
(at most as large as the frame's shorter side).
"""

from __future__ import annotations

from typing import Mapping

import numpy as np

from export.labels import Label
from optics.codec import encode_jpeg
from sim.classes import CLASS_ID, CLASSES, RED_CLASSES
from sim.scene import Scene


def square(box: tuple[int, int, int, int], margin: float, width: int, height: int
           ) -> tuple[int, int, int, int]:
    """Square ``(x0, y0, x1, y1)`` centred on `box` and shifted into the frame; never larger than
    the frame's shorter side."""
    x0, y0, x1, y1 = box
    side = min(int(np.ceil(max(x1 - x0, y1 - y0) * (1 + 2 * margin))), width, height)
    out = []
    for lo, hi, n in ((x0, x1, width), (y0, y1, height)):
        a = int(round((lo + hi - side) / 2))
        a = max(0, min(a, n - side))
        out.append((a, a + side))
    return out[0][0], out[1][0], out[0][1], out[1][1]


def files(scene: Scene, labels: list[Label], rgb: np.ndarray, jpeg: bytes, split: str, name: str,
          margin: float, quality: int, ids: Mapping[str, int] = CLASS_ID) -> dict[str, bytes]:
    """The crop files of one image (`jpeg` is the whole image, already encoded), each in the
    folder of the class it is labelled as (`ids`: label id of each class name)."""
    subject = [c for c in scene.cells if c.subject]
    if subject:
        return {f"crops/{split}/{CLASSES[ids[subject[0].kind]]}/{name}.jpg": jpeg}
    h, w = rgb.shape[:2]
    out = {}
    for lab in labels:
        if scene.cells[lab.cell].kind in RED_CLASSES:
            continue
        x0, y0, x1, y1 = square(lab.box, margin, w, h)
        out[f"crops/{split}/{CLASSES[lab.class_id]}/{name}_{lab.cell:04d}.jpg"] = encode_jpeg(
            np.ascontiguousarray(rgb[y0:y1, x0:x1]), quality)
    return out
