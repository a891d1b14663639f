"""Clear vacuoles: the brightest light inside the subject cell, real PBC cells against `pbc` ones.

Usage::

    python tests/bench/vacuoles.py --reference ../shared/reference/pbc --count 30 \\
        [--set KEY.PATH=VALUE ...]

For each nucleated class, the quartiles over cells of the brightest green inside the subject cell
(:func:`export.realism.segmentation.subject` as stained, eroded by :data:`INSET` px so that no
pixel of its edge or of the slide counts), relative to the background: 10 ** −(least relative
green OD). A clear vacuole lets through about what the empty slide does: PBC monocytes, most of
them vacuolated, reach 0.86 / 0.97 / 0.99 (quartiles over their 30 reference cells), lymphocytes
0.67 / 0.71 / 0.84; `pbc` monocytes 0.81 / 0.88 / 0.92, and 0.84 / 0.94 / 0.98 with
``optics.phase`` on (30 cells).
"""

from __future__ import annotations

import cv2
import numpy as np
from morphometry import nucleated_medians, reference_arguments

from export.realism.segmentation import relative_od, subject

INSET = 3
"""Pixels the cell mask is eroded by before its brightest pixel is taken."""


def brightest(rgb: np.ndarray, pixel_size: float) -> tuple[float]:
    """The brightest green inside the subject cell over the background's (NaN without a cell)."""
    od = relative_od(rgb).astype(np.float32)
    cell, _, _ = subject(od, pixel_size, hull=False)
    inner = cv2.erode(cell.astype(np.uint8), np.ones((2 * INSET + 1,) * 2, np.uint8)) > 0
    return (float(10.0 ** -od[..., 1][inner].min()) if inner.any() else float("nan"),)


def main() -> None:
    args, config = reference_arguments(__doc__)
    print(f"{'class':13s}{'set':6s}{'brightest green / background (quartiles)':>44s}")
    for kind, name, q in nucleated_medians(args, config, brightest, (25, 50, 75)):
        print(f"{kind:13s}{name:6s}{'  '.join(f'{v:.3f}' for v in q):>44s}")


if __name__ == "__main__":
    main()
