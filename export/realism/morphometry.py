"""Morphometry of single-cell images, one code path for real and synthetic images.

The centred subject cell of a PBC-style image, its nucleus and the red cells around it are
segmented by :func:`export.realism.segmentation.subject` (the segmentation that compare and
calibrate use too). Lobes: components of the nucleus deeper than 0.4 µm from its edge (so
chromatin filaments thinner than 0.8 µm separate lobes) and larger than 0.1 µm².

Figures: equivalent diameters (µm) of cell and nucleus, nucleus : cytoplasm area ratio, mean OD
(mean over R, G, B) of nucleus, cytoplasm and red cells, the lobe count, and the nucleus's offset
(distance between the centroids of nucleus and cell over the cell's equivalent radius: 0 for a
centred nucleus; PBC monocytes, neutrophils, ig, eosinophils and erythroblasts 0.13-0.21,
lymphocytes and basophils 0.03-0.04, medians of the reference's 30 cells a class) and its
solidity (its area over that of its convex hull, every piece of the nucleus that holds a lobe
together, opened by 0.2 µm to leave out the specks of dense stain about it: 1 for a round or
oval nucleus; medians of the reference's cells: monocytes 0.92, ig 0.93, lymphocytes 0.97,
erythroblasts 0.99, basophils 0.93, segmented and band neutrophils 0.81).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from export.realism.segmentation import EDGE_UM, disc, relative_od, subject

LOBE_DEPTH = 0.4
"""Depth inside the nucleus (µm) that a lobe reaches and a filament does not."""

LOBE_AREA = 0.1
"""Smallest lobe core counted, µm²."""

FIGURES = ("cell_diameter_um", "nucleus_diameter_um", "nc_ratio", "od_nucleus", "od_cytoplasm",
           "od_rbc", "lobes", "nucleus_offset", "nucleus_solidity")
"""Names of the figures :func:`measure_cell` returns."""


def solidity(mask: np.ndarray) -> float:
    """Pixels of `mask` over the pixels of its convex hull (every piece together), in (0, 1]:
    the hull's pixels are those whose centres lie inside or on the convex hull of the mask's
    pixel centres, so that a digitally convex mask (a drawn disc) measures exactly 1. NaN for
    an empty mask."""
    points = cv2.findNonZero(mask.view(np.uint8))
    if points is None:
        return float("nan")
    hull = cv2.convexHull(points).reshape(-1, 2).astype(np.int64)
    (x0, y0), (x1, y1) = hull.min(0), hull.max(0)
    y, x = np.mgrid[y0:y1 + 1, x0:x1 + 1]
    ex, ey = (np.roll(hull, -1, axis=0) - hull).T
    # side of every hull edge each pixel centre lies on (exact in integers): inside, one side
    side = (ex[:, None, None] * (y - hull[:, 1, None, None])
            - ey[:, None, None] * (x - hull[:, 0, None, None]))
    inside = (side >= 0).all(axis=0) | (side <= 0).all(axis=0)
    return float(np.count_nonzero(mask) / np.count_nonzero(inside))


def measure_cell(rgb: np.ndarray, pixel_size: float) -> dict[str, float]:
    """Morphometric figures of the centred cell of an RGB uint8 image (see module docstring).

    Parameters
    ----------
    rgb
        Image, uint8 (H, W, 3), RGB.
    pixel_size
        Specimen size of one pixel, µm.
    """
    od = relative_od(rgb)
    cell, nucleus, rbc = subject(od, pixel_size)
    mean_od = od.mean(axis=2)
    cyto = cell & ~ndimage.binary_dilation(nucleus, disc(EDGE_UM, pixel_size))
    a_cell, a_nuc = cell.sum(), nucleus.sum()
    lobes, _ = ndimage.label(ndimage.distance_transform_edt(nucleus) > LOBE_DEPTH / pixel_size)
    counted = np.flatnonzero(np.bincount(lobes.ravel())[1:] * pixel_size ** 2 >= LOBE_AREA) + 1
    # the pieces of the nucleus that hold a counted lobe, opened: not the specks of dense stain
    # round it, nor those that touch it
    pieces, _ = ndimage.label(ndimage.binary_opening(nucleus, disc(LOBE_DEPTH / 2, pixel_size)))
    held = np.unique(pieces[np.isin(lobes, counted)])

    def mean(mask: np.ndarray) -> float:
        return float(mean_od[mask].mean()) if mask.any() else float("nan")

    return {"cell_diameter_um": 2 * np.sqrt(a_cell / np.pi) * pixel_size,
            "nucleus_diameter_um": 2 * np.sqrt(a_nuc / np.pi) * pixel_size,
            "nc_ratio": float(a_nuc / (a_cell - a_nuc)) if a_cell > a_nuc else float("nan"),
            "od_nucleus": mean(nucleus), "od_cytoplasm": mean(cyto), "od_rbc": mean(rbc),
            "lobes": float(len(counted)),
            "nucleus_offset": float(np.hypot(*np.subtract(ndimage.center_of_mass(nucleus),
                                                          ndimage.center_of_mass(cell)))
                                    / np.sqrt(a_cell / np.pi)) if a_nuc else float("nan"),
            "nucleus_solidity": solidity(np.isin(pieces, held[held > 0]))}
