"""Dark granules: the individually resolved dark dots of a cell, real PBC cells against `pbc` ones.

Usage::

    python tests/bench/dark_granules.py --reference ../shared/reference/pbc --count 30 \\
        [--set KEY.PATH=VALUE ...]

For each nucleated class, over cells: the median number of dark dots (connected components of
relative green OD above :data:`DARK`, :data:`SIZE` px in area) inside the subject cell and clear
of its nucleus and its outline by :data:`CLEAR` px, their median green OD, and the ratio of
their red and blue OD to their green OD beside the nucleus's (a dot redder than the nucleus is
magenta: an azurophilic granule). PBC: 20 dots in an eosinophil, 10 in a monocyte, 8 in an
ig, 3 in a neutrophil or an erythroblast, none in a lymphocyte or a basophil (whose granules
merge); the neutrophil's dots magenta (red : green 0.48 against the nucleus's 0.63).
"""

from __future__ import annotations

import cv2
import numpy as np
from morphometry import nucleated_medians, reference_arguments

from export.realism.segmentation import relative_od, subject

DARK = 0.33
"""Relative green OD above which a pixel is dark (PBC cytoplasm: 0.17-0.28)."""

SIZE = (2, 40)
"""Least and largest area of a dot, px (0.1-0.7 µm across at the pbc scale)."""

CLEAR = 4
"""Least distance of a dot from the nucleus, px."""


def dots(rgb: np.ndarray, pixel_size: float) -> tuple[int, float, float, float, float, float]:
    """Number of dark dots of the subject cell, their median green OD, their red : green and
    blue : green OD, and the nucleus's (NaN where there are none)."""
    od = relative_od(rgb).astype(np.float32)
    cell, nucleus, _ = subject(od, pixel_size)
    square = np.ones((2 * CLEAR + 1,) * 2, np.uint8)
    near = cv2.dilate(nucleus.astype(np.uint8), square) > 0
    inner = cv2.erode(cell.astype(np.uint8), square) > 0
    dark = ((od[..., 1] > DARK) & inner & ~near).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(dark)
    keep = np.flatnonzero((stats[:, cv2.CC_STAT_AREA] >= SIZE[0])
                          & (stats[:, cv2.CC_STAT_AREA] <= SIZE[1]))
    keep = keep[keep > 0]
    core = cv2.erode(nucleus.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    nuc = od[core].mean(axis=0) if core.any() else np.full(3, np.nan)
    if not len(keep):
        return 0, np.nan, np.nan, np.nan, nuc[0] / nuc[1], nuc[2] / nuc[1]
    d = od[np.isin(labels, keep)]
    mean = d.mean(axis=0)
    return (len(keep), float(np.median(d[:, 1])), mean[0] / mean[1], mean[2] / mean[1],
            nuc[0] / nuc[1], nuc[2] / nuc[1])


def main() -> None:
    args, config = reference_arguments(__doc__)
    print(f"{'class':13s}{'set':6s}{'dots':>6s}{'green OD':>10s}{'r:g':>7s}{'b:g':>7s}"
          f"{'nucleus r:g':>13s}{'b:g':>7s}")
    for kind, name, m in nucleated_medians(args, config, dots):
        print(f"{kind:13s}{name:6s}{m[0]:6.0f}" + "".join(
            f"{v:{w}.3f}" for v, w in zip(m[1:], (10, 7, 7, 13, 7))))


if __name__ == "__main__":
    main()
