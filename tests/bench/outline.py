"""Outline irregularity: how far the subject cell and its nucleus fall short of convex, real PBC
cells against `pbc` ones.

Usage::

    python tests/bench/outline.py --reference ../shared/reference/pbc --count 30 \\
        [--set KEY.PATH=VALUE ...]

For each nucleated class, the quartiles over cells of the solidity
(:func:`export.realism.morphometry.solidity`: pixels over those of the convex hull, every piece
together) of the cell as stained (:func:`export.realism.segmentation.subject` without its hull,
holes filled) and of its nucleus as segmented, specks of dense stain included (the morphometry's
``nucleus_solidity`` leaves them out): 1 for a convex outline, less for a ruffled margin,
pseudopods, an indented or folded nucleus. Medians, PBC (30 cells a class) / ours (main of
2026-12-08): monocyte cell 0.934 / 0.987, nucleus 0.843 / 0.995; ig 0.991 / 0.987, 0.756 / 0.952;
lymphocyte 0.968 / 0.990, 0.881 / 0.987; neutrophil 0.986 / 0.988, 0.769 / 0.848; eosinophil
0.989 / 0.994, 0.665 / 0.847; basophil 0.975 / 0.986, 0.917 / 0.803; erythroblast 0.966 / 0.990,
0.830 / 1.000.
Read with the pictures: a real cell's low solidity is often a red cell touching it and joined to
its mask (by an earlier largest-contour measure, 28 % of the 240 PBC cells below 0.92, ours
0-10 %), and an ig's or lymphocyte's low nucleus solidity granules or a ragged rim joined to a
smooth nucleus.
"""

from __future__ import annotations

import numpy as np
from morphometry import nucleated_medians, reference_arguments

from export.realism.morphometry import solidity
from export.realism.segmentation import relative_od, subject


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
