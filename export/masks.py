"""Instance and class masks as PNG files.

``masks/instances/SPLIT/NAME.png`` is 16-bit: the value at a pixel is 1 + the index of the
labelled cell on top there (the ``index`` of ``cells`` in the image's metadata), 0 for background
and for cells too hidden to be labelled. ``masks/classes/SPLIT/NAME.png`` is 8-bit: 1 + the label
id of that cell's class (see :mod:`sim.classes`), 0 elsewhere. Both are the raster's owner map,
the same geometry that was rendered.
"""

from __future__ import annotations

import numpy as np

from export.labels import Label
from optics.codec import encode_png

MAX_INSTANCES = 65534
"""Largest cell index a 16-bit instance mask can hold."""


def files(owner: np.ndarray, labels: list[Label], n_cells: int, split: str,
          name: str) -> dict[str, bytes]:
    """The two mask PNGs of one image from its owner map (cell index per pixel, −1 background)."""
    if n_cells > MAX_INSTANCES:
        raise ValueError(f"{n_cells} cells do not fit a 16-bit instance mask")
    instance = np.zeros(n_cells + 1, dtype=np.uint16)
    klass = np.zeros(n_cells + 1, dtype=np.uint8)
    for lab in labels:
        instance[lab.cell + 1] = lab.cell + 1
        klass[lab.cell + 1] = lab.class_id + 1
    out = {}
    for kind, lut in (("instances", instance), ("classes", klass)):
        out[f"masks/{kind}/{split}/{name}.png"] = encode_png(lut[owner + 1])
    return out
