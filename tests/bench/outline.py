"""Outline irregularity: how far the subject cell and its nucleus fall short of convex, real PBC
cells against `pbc` ones.

Usage::

    python tests/bench/outline.py --reference ../shared/reference/pbc --count 30 \\
        [--set KEY.PATH=VALUE ...]

For each nucleated class, the quartiles over cells of the solidity (area / convex-hull area) of the
cell as stained (:func:`export.realism.segmentation.subject` without its hull, holes filled) and
of its nucleus: 1 for a convex outline, less for a ruffled margin, pseudopods, an indented or
folded nucleus. PBC (30 cells a class): monocyte cell 0.924, nucleus 0.902; ig 0.981, 0.916;
lymphocyte 0.959, 0.951; neutrophil 0.976, 0.794; eosinophil 0.980, 0.864; basophil 0.963, 0.906;
erythroblast 0.951, 0.975 (ours, main of 2026-12-07: monocyte 0.982, 0.965; ig 0.977, 0.975).
Read with the pictures: a real cell's low solidity is often a red cell touching it and joined to
its mask (28 % of the 240 PBC cells below 0.92, ours 0-10 %), and an ig's or lymphocyte's low
nucleus solidity granules or a ragged rim joined to a smooth nucleus.
"""

from __future__ import annotations

import cv2
import numpy as np
from morphometry import nucleated_medians, reference_arguments

from export.realism.segmentation import relative_od, subject


def solidity(mask: np.ndarray) -> float:
    """Area / convex-hull area of the largest outer contour of `mask` (NaN when empty)."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                   cv2.CHAIN_APPROX_NONE)
    if not contours:
        return float("nan")
    c = max(contours, key=cv2.contourArea)
    return cv2.contourArea(c) / max(cv2.contourArea(cv2.convexHull(c)), 1.0)


def outline(rgb: np.ndarray, pixel_size: float) -> tuple[float, float]:
    """Solidity of the subject cell as stained and of its nucleus."""
    cell, nucleus, _ = subject(relative_od(rgb).astype(np.float32), pixel_size, hull=False)
    return solidity(cell), solidity(nucleus)


def main() -> None:
    args, config = reference_arguments(__doc__)
    print(f"{'class':13s}{'set':6s}{'cell (quartiles)':>24s}{'nucleus (quartiles)':>24s}")
    for kind, name, q in nucleated_medians(args, config, outline, (25, 50, 75)):
        print(f"{kind:13s}{name:6s}" + "".join(f"{'  '.join(f'{v:.3f}' for v in q[i:i + 3]):>24s}"
                                               for i in (0, 3)))


if __name__ == "__main__":
    main()
