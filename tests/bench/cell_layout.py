"""Where the nucleus sits and how the cytoplasm meets the membrane: `pbc` cells against PBC's.

Usage::

    python tests/bench/cell_layout.py --reference ../shared/reference/pbc --count 40

Both sides go through the subject segmentation of :mod:`export.realism.segmentation` (cell:
convex hull of the stained component holding the nucleus). Per nucleated class it prints

* the nucleus's offset: the distance from the cell's centroid to the nucleus's, in radii of the
  cell's equivalent circle (quartiles), and its reach (median farthest nucleus pixel, same unit);
* the cytoplasm's mean R, G, B OD in bands of depth below the cell's edge (µm), outside a
  3-pixel margin about the nucleus: how fast the cytoplasm rises from the membrane to its
  plateau, and how dense that plateau is.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from export.imagefile import read_rgb
from export.realism.segmentation import relative_od, subject
from sim.classes import SUBJECT_CLASSES
from morphometry import reference_arguments, synthetic_rgb

DEPTHS = np.array([0.0, 0.3, 0.6, 1.0, 1.5, 2.5, 4.0])
"""Band edges of depth below the cell's edge, µm."""


def layout(rgb: np.ndarray, pixel_size: float) -> tuple[float, float, np.ndarray, np.ndarray]:
    """Nucleus offset and reach (cell radii) and, per band of :data:`DEPTHS`, the cytoplasm's
    summed R, G, B OD and pixel count of one image; NaNs without a nucleus."""
    od = relative_od(rgb)
    cell, nucleus, _ = subject(od, pixel_size)
    sums, counts = np.zeros((DEPTHS.size - 1, 3)), np.zeros(DEPTHS.size - 1)
    if nucleus.sum() < 50:
        return np.nan, np.nan, sums, counts
    centre = np.argwhere(cell).mean(axis=0)
    radius = np.sqrt(cell.sum() / np.pi)
    points = np.argwhere(nucleus)
    offset = np.hypot(*(points.mean(axis=0) - centre)) / radius
    reach = np.hypot(*(points - centre).T).max() / radius
    depth = ndimage.distance_transform_edt(cell) * pixel_size
    cyto = cell & ~ndimage.binary_dilation(nucleus, iterations=3)
    band = np.digitize(depth[cyto], DEPTHS) - 1
    ok = band < DEPTHS.size - 1
    np.add.at(sums, band[ok], od[cyto][ok])
    np.add.at(counts, band[ok], 1)
    return offset, reach, sums, counts


def summary(images: list[np.ndarray], pixel_size: float) -> tuple[np.ndarray, float, np.ndarray]:
    """Offset quartiles, median reach and the mean cytoplasm OD per depth band of `images`."""
    rows = [layout(rgb, pixel_size) for rgb in images]
    offsets = np.array([r[0] for r in rows])
    reaches = np.array([r[1] for r in rows])
    sums, counts = sum(r[2] for r in rows), sum(r[3] for r in rows)
    return (np.nanpercentile(offsets, [25, 50, 75]), float(np.nanmedian(reaches)),
            sums / np.maximum(counts, 1)[:, None])


def main() -> None:
    args, config = reference_arguments(__doc__)
    pixel_size = config.optics.frame.pixel_size
    for kind in SUBJECT_CLASSES:
        if kind == "platelet":
            continue
        real = summary([read_rgb(f) for f in sorted((args.reference / kind).glob("*.jpg"))],
                       pixel_size)
        sim = summary(synthetic_rgb(config, kind, args.count), pixel_size)
        print(f"{kind}: nucleus offset (quartiles) real {'/'.join(f'{v:.2f}' for v in real[0])}"
              f" sim {'/'.join(f'{v:.2f}' for v in sim[0])}; reach real {real[1]:.2f}"
              f" sim {sim[1]:.2f}")
        print(f"  {'depth µm':10s}{'real R G B':>21s}{'sim R G B':>24s}")
        for i in range(DEPTHS.size - 1):
            print(f"  {DEPTHS[i]:.1f}-{DEPTHS[i + 1]:.1f}   "
                  + " ".join(f"{v:6.3f}" for v in real[2][i]) + "   "
                  + " ".join(f"{v:6.3f}" for v in sim[2][i]))


if __name__ == "__main__":
    main()
