"""Hue texture: how unevenly the stain's hue lies within a cell, real PBC cells against `pbc` ones.

Usage::

    python tests/bench/hue_texture.py --reference ../shared/reference/pbc --count 30

For each nucleated class, the median over cells of the standard deviation of the red share of OD
(OD_red / OD sum, the hue axis from pink eosin to blue-purple azure and chromatin) within the
nucleus and within the cytoplasm, after a Gaussian blur of 0, 1.5 and 4 px of the OD image: the
unblurred figure holds camera and JPEG chroma noise as well, the blurred ones what varies over
0.15-0.4 µm and more, which noise does not explain. Regions are eroded from their borders (the
nucleus by 3 px, the cytoplasm by 2 px and kept 4 px clear of the nucleus) so that their mixed
edge pixels do not count. PBC nuclei: 0.015-0.020 unblurred, 0.0065-0.010 at 4 px, twice the
figures of cells that take an even hue.
"""

from __future__ import annotations

import cv2
import numpy as np
from morphometry import nucleated_medians, reference_arguments

from export.realism.segmentation import relative_od, subject

BLURS = (0.0, 1.5, 4.0)
"""Gaussian σ of the blur before the hue is read, px."""


def _eroded(mask: np.ndarray, px: int) -> np.ndarray:
    return cv2.erode(mask.astype(np.uint8), np.ones((2 * px + 1, 2 * px + 1), np.uint8)) > 0


def hue_spread(rgb: np.ndarray, pixel_size: float) -> np.ndarray:
    """σ of the red share of OD in the nucleus and in the cytoplasm at each of :data:`BLURS`:
    shape (len(BLURS), 2), NaN where a region has 30 pixels or fewer."""
    od = relative_od(rgb).astype(np.float32)
    cell, nucleus, _ = subject(od, pixel_size)
    regions = (_eroded(nucleus, 3), _eroded(cell & ~nucleus, 2) & ~cv2.dilate(
        nucleus.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool))
    out = np.full((len(BLURS), 2), np.nan)
    for i, blur in enumerate(BLURS):
        o = cv2.GaussianBlur(od, (0, 0), blur) if blur else od
        red = o[..., 0] / np.maximum(o.sum(axis=2), 1e-6)
        for j, mask in enumerate(regions):
            if mask.sum() > 30:
                out[i, j] = red[mask].std()
    return out


def main() -> None:
    args, config = reference_arguments(__doc__)
    # nucleated_medians lists the figures region by region (the transpose of hue_spread's rows)
    head = "".join(f"{r} σ{b:g}".rjust(13) for r in ("nucleus", "cyto") for b in BLURS)
    print(f"{'class':13s}{'set':6s}{head}")
    for kind, name, m in nucleated_medians(args, config, hue_spread):
        print(f"{kind:13s}{name:6s}" + "".join(f"{v:13.4f}" for v in m))


if __name__ == "__main__":
    main()
