"""Dark granules: the individually resolved dark dots of a cell, real PBC cells against `pbc` ones.

Usage::

    python tests/bench/dark_granules.py --reference ../shared/reference/pbc --count 30 \\
        [--set KEY.PATH=VALUE ...]

For each nucleated class, over cells: the median number of dark dots (connected components of
relative green OD above :data:`DARK`, :data:`SIZE` px in area) inside the subject cell and clear
of its nucleus and its outline by :data:`CLEAR` px, their median green OD, and the ratio of
their red and blue OD to their green OD beside the nucleus's (a dot redder than the nucleus is
magenta: an azurophilic granule). The nucleus is the body of the subject's: the largest of the
dense components it holds. PBC (medians of 30 cells): 18 dots in an eosinophil, 16 in an ig, 12
in a monocyte, 3 in a neutrophil or an erythroblast, 1 in a lymphocyte or a basophil (whose
granules merge); the neutrophil's dots magenta (red : green 0.48 against the nucleus's 0.63).

Then the quartiles over cells of the number of dense dots: components of dense chromatin
(``export.realism.segmentation.DENSE_OD``, the level at which the subject's nucleus is segmented)
clear of the nucleus as above, i.e. granules as dark as chromatin. PBC (30 cells a class,
quartiles): ig 4 / 13 / 20, monocyte 1 / 6 / 10, eosinophil 1 / 5 / 10, lymphocyte 0 / 2 / 4,
erythroblast 0 / 2 / 6, basophil 0 / 0 / 3, neutrophil 0 / 0 / 1; `pbc` cells have none but
basophils' (0 / 5 / 14).
"""

from __future__ import annotations

import cv2
import numpy as np
from morphometry import nucleated_medians, reference_arguments

from export.realism.segmentation import nucleus as chromatin, relative_od, subject

DARK = 0.33
"""Relative green OD above which a pixel is dark (PBC cytoplasm: 0.17-0.28)."""

SIZE = (2, 40)
"""Least and largest area of a dot, px (0.1-0.7 µm across at the pbc scale)."""

CLEAR = 4
"""Least distance of a dot from the nucleus, px."""


def _count(mask: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """Number of dots of `mask` (components of :data:`SIZE`), their labels and label numbers."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8))
    keep = np.flatnonzero((stats[:, cv2.CC_STAT_AREA] >= SIZE[0])
                          & (stats[:, cv2.CC_STAT_AREA] <= SIZE[1]))
    keep = keep[keep > 0]
    return len(keep), labels, keep


def dots(rgb: np.ndarray, pixel_size: float
         ) -> tuple[int, float, float, float, float, float, int]:
    """Number of dark dots of the subject cell, their median green OD, their red : green and
    blue : green OD, the nucleus's (NaN where there are none), and the number of dense dots."""
    od = relative_od(rgb).astype(np.float32)
    cell, nucleus, _ = subject(od, pixel_size)
    # the subject's nucleus holds every dense component reaching the central disc, granules as
    # dark as chromatin too: its body is the largest
    pieces, labels, stats, _ = cv2.connectedComponentsWithStats(nucleus.astype(np.uint8))
    if pieces > 1:
        nucleus = labels == 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
    square = np.ones((2 * CLEAR + 1,) * 2, np.uint8)
    near = cv2.dilate(nucleus.astype(np.uint8), square) > 0
    inner = cv2.erode(cell.astype(np.uint8), square) > 0
    n, labels, keep = _count((od[..., 1] > DARK) & inner & ~near)
    dense = _count(chromatin(od, dense=True) & inner & ~near)[0]
    core = cv2.erode(nucleus.astype(np.uint8), np.ones((7, 7), np.uint8)) > 0
    nuc = od[core].mean(axis=0) if core.any() else np.full(3, np.nan)
    if not n:
        return 0, np.nan, np.nan, np.nan, nuc[0] / nuc[1], nuc[2] / nuc[1], dense
    d = od[np.isin(labels, keep)]
    mean = d.mean(axis=0)
    return (n, float(np.median(d[:, 1])), mean[0] / mean[1], mean[2] / mean[1],
            nuc[0] / nuc[1], nuc[2] / nuc[1], dense)


def main() -> None:
    args, config = reference_arguments(__doc__)
    print(f"{'class':13s}{'set':6s}{'dots':>6s}{'green OD':>10s}{'r:g':>7s}{'b:g':>7s}"
          f"{'nucleus r:g':>13s}{'b:g':>7s}{'dense dots (quartiles)':>24s}")
    for kind, name, m in nucleated_medians(args, config, dots, (25, 50, 75)):
        m = m.reshape(-1, 3)
        print(f"{kind:13s}{name:6s}{m[0, 1]:6.0f}" + "".join(
            f"{v:{w}.3f}" for v, w in zip(m[1:6, 1], (10, 7, 7, 13, 7)))
            + f"{'':10s}{m[6, 0]:4.0f} /{m[6, 1]:3.0f} /{m[6, 2]:3.0f}")


if __name__ == "__main__":
    main()
