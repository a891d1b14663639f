"""Morphometry of single-cell images, one code path for real and synthetic images.

A simple, documented segmentation of the centred subject cell of a PBC-style image:

1. Background: per channel, the median of the brightest 15 % of pixels (the empty slide).
2. Optical density OD = −log10(I / background) per channel, clipped at 0, smoothed (σ = 1 px).
3. Nucleus: pixels where OD_red > 0.22 and OD_green > 0.40 (chromatin absorbs red and green,
   eosin-stained structures hardly absorb red), in components reaching the central disc of
   radius 0.2 × the image side; holes filled.
4. Red cells vs other material: red cells are the foreground (OD sum > 0.12) whose blue share
   OD_blue / OD_sum exceeds 0.245 (haemoglobin absorbs blue; PBC reference: RBC share ≈ 0.27,
   white-cell cytoplasm 0.14–0.23).
5. Subject cell: the foreground component holding the nucleus (or, without a nucleus, the
   central foreground), red-cell pixels excluded, convex hull.
6. Lobes: components of the nucleus deeper than 0.4 µm from its edge (so chromatin filaments
   thinner than 0.8 µm separate lobes) and larger than 0.1 µm². On the PBC reference this counts
   one lobe in every band neutrophil (14/14) and two or more in half the segmented ones (7/15).

Figures: equivalent diameters (µm) of cell and nucleus, nucleus : cytoplasm area ratio, mean OD
(mean over R, G, B) of nucleus, cytoplasm and red cells, and the lobe count.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

NUCLEUS_OD = (0.22, 0.40)
"""OD thresholds in red and green for chromatin."""

FOREGROUND_OD = 0.12
"""OD sum above which a pixel holds stained material."""

RBC_BLUE_SHARE = 0.245
"""Blue share of OD above which foreground is red-cell material."""

LOBE_DEPTH = 0.4
"""Depth inside the nucleus (µm) that a lobe reaches and a filament does not."""

LOBE_AREA = 0.1
"""Smallest lobe core counted, µm²."""

FIGURES = ("cell_diameter_um", "nucleus_diameter_um", "nc_ratio", "od_nucleus", "od_cytoplasm",
           "od_rbc", "lobes")
"""Names of the figures :func:`measure_cell` returns."""


def relative_od(rgb: np.ndarray) -> np.ndarray:
    """OD (H, W, 3) of an RGB uint8 image relative to its own background, smoothed."""
    img = rgb.astype(np.float32) + 0.5
    grey = img.mean(axis=2)
    background = np.median(img[grey >= np.percentile(grey, 85)], axis=0)
    od = np.clip(-np.log10(img / background), 0.0, None)
    return cv2.GaussianBlur(od, (0, 0), 1.0)


def _disc(r: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)).astype(bool)


def segment(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Segment the centred subject cell.

    Returns
    -------
    od, cell, nucleus, rbc
        The OD image and boolean masks of the subject cell, its nucleus and red-cell material.
    """
    od = relative_od(rgb)
    h, w = od.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    central = np.hypot(yy - h / 2, xx - w / 2) < 0.2 * min(h, w)
    total = od.sum(axis=2)
    foreground = total > FOREGROUND_OD
    rbc = foreground & (od[..., 2] > RBC_BLUE_SHARE * total)
    labels, _ = ndimage.label((od[..., 0] > NUCLEUS_OD[0]) & (od[..., 1] > NUCLEUS_OD[1]))
    hit = np.unique(labels[central])
    nucleus = ndimage.binary_fill_holes(np.isin(labels, hit[hit > 0]))
    body = ndimage.binary_closing(foreground & ~rbc | nucleus, _disc(2))
    labels, _ = ndimage.label(body)
    seed = nucleus if nucleus.any() else central
    keep = np.unique(labels[seed & (labels > 0)])
    cell = np.isin(labels, keep[keep > 0])
    if cell.any():
        hull = cv2.convexHull(np.argwhere(cell)[:, ::-1].astype(np.int32))
        cell = cv2.fillConvexPoly(np.zeros((h, w), np.uint8), hull, 1).astype(bool)
    return od, cell, nucleus & cell, rbc & ~ndimage.binary_dilation(cell, _disc(3))


def measure_cell(rgb: np.ndarray, pixel_size: float) -> dict[str, float]:
    """Morphometric figures of the centred cell of an RGB uint8 image (see module docstring).

    Parameters
    ----------
    rgb
        Image, uint8 (H, W, 3), RGB.
    pixel_size
        Specimen size of one pixel, µm.
    """
    od, cell, nucleus, rbc = segment(rgb)
    mean_od = od.mean(axis=2)
    cyto = cell & ~ndimage.binary_dilation(nucleus, _disc(2))
    a_cell, a_nuc = cell.sum(), nucleus.sum()
    lobes, _ = ndimage.label(ndimage.distance_transform_edt(nucleus) > LOBE_DEPTH / pixel_size)
    sizes = np.bincount(lobes.ravel())[1:] * pixel_size ** 2

    def mean(mask: np.ndarray) -> float:
        return float(mean_od[mask].mean()) if mask.any() else float("nan")

    return {"cell_diameter_um": 2 * np.sqrt(a_cell / np.pi) * pixel_size,
            "nucleus_diameter_um": 2 * np.sqrt(a_nuc / np.pi) * pixel_size,
            "nc_ratio": float(a_nuc / (a_cell - a_nuc)) if a_cell > a_nuc else float("nan"),
            "od_nucleus": mean(nucleus), "od_cytoplasm": mean(cyto), "od_rbc": mean(rbc),
            "lobes": float((sizes >= LOBE_AREA).sum())}
