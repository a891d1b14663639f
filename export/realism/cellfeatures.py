"""Figures of a single-cell image that tell its class, for the feature learner of
:mod:`export.realism.transfer`.

One code path for real and synthetic images. The centred subject cell is segmented by
:func:`export.realism.segmentation.subject` (nucleus, cell, red cells on optical density, OD,
relative to the image's own background), then described by

* shape: cell and nucleus areas as fractions of the image, the nucleus : cytoplasm ratio, the
  nucleus's solidity (area / convex-hull area), eccentricity (from its second moments), number of
  pieces and of lobes (:data:`export.realism.morphometry.LOBE_DEPTH`);
* colour: mean OD (R, G, B) of nucleus, cytoplasm and red cells, the blue and red shares of the
  cytoplasm's OD, the spread of OD in nucleus and cytoplasm, and histograms over the cell of the
  OD sum and of the red share OD_R / OD_sum;
* texture: histograms of rotation-invariant uniform local binary patterns (LBP, P = 8, R = 1;
  T. Ojala, M. Pietikäinen, T. Mäenpää, "Multiresolution gray-scale and rotation invariant
  texture classification with local binary patterns", IEEE TPAMI 24(7), 2002) of the OD-sum
  image at 0.2 and 0.4 µm per pixel (granules, chromatin clumps) over the cell, and the mean and
  spread of the OD gradient (Sobel) over nucleus and cytoplasm;
* sharpness: log variance of the Laplacian of the grey image, over the cell and over the image.

Missing figures (no nucleus found, e.g. a platelet) are NaN.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

from export.realism.morphometry import LOBE_DEPTH
from export.realism.segmentation import relative_od, subject

PIXEL_SIZE = 0.0987
"""µm per pixel of the PBC images (the ``pbc`` preset's ``optics.frame.pixel_size``); converts
the lobe depth to pixels."""

OD_SUM_BINS = np.linspace(0.0, 2.0, 9)
"""Edges of the histogram of OD sum over the cell."""

RED_SHARE_BINS = np.linspace(0.1, 0.5, 7)
"""Edges of the histogram of the red share of OD over the cell."""

LBP_SCALES = (2, 4)
"""Downsampling factors of the OD-sum image for the LBP histograms (0.2 and 0.4 µm/px)."""

_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1))


def _riu2_table() -> np.ndarray:
    """LBP code (0–255) → rotation-invariant uniform label: the number of set bits when the
    circular bit string has at most two 0/1 transitions, else 9 (Ojala et al. 2002, eq. 10)."""
    bits = (np.arange(256)[:, None] >> np.arange(8)) & 1
    transitions = (bits != np.roll(bits, 1, axis=1)).sum(axis=1)
    return np.where(transitions <= 2, bits.sum(axis=1), 9).astype(np.intp)


_RIU2 = _riu2_table()

NAMES = (("cell_area", "nucleus_area", "nc_ratio", "nucleus_solidity", "nucleus_eccentricity",
          "nucleus_pieces", "nucleus_lobes")
         + tuple(f"od_{r}_{c}" for r in ("nucleus", "cytoplasm", "rbc") for c in "rgb")
         + ("cyto_blue_share", "cyto_red_share", "nucleus_od_sd", "cyto_od_sd")
         + tuple(f"hist_od_{i}" for i in range(len(OD_SUM_BINS) - 1))
         + tuple(f"hist_red_share_{i}" for i in range(len(RED_SHARE_BINS) - 1))
         + tuple(f"lbp{s}_{i}" for s in LBP_SCALES for i in range(10))
         + ("grad_nucleus_mean", "grad_nucleus_sd", "grad_cyto_mean", "grad_cyto_sd",
            "log_sharpness_cell", "log_sharpness_image"))
"""Names of the figures, in the order of :func:`cell_features`."""


def lbp_histogram(image: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Shares of the 10 rotation-invariant uniform LBP labels (P = 8, R = 1) of `image` (2-D)
    over the pixels of `mask` (border pixels left out); NaN where the mask is empty."""
    h, w = image.shape
    centre = image[1:-1, 1:-1]
    code = np.zeros(centre.shape, np.uint8)
    for k, (dy, dx) in enumerate(_NEIGHBOURS):
        code |= (image[1 + dy:h - 1 + dy, 1 + dx:w - 1 + dx] >= centre).astype(np.uint8) << k
    inner = mask[1:-1, 1:-1]
    if not inner.any():
        return np.full(10, np.nan)
    return np.bincount(_RIU2[code[inner]], minlength=10) / inner.sum()


def _shape(cell: np.ndarray, nucleus: np.ndarray) -> list[float]:
    a_cell, a_nuc = float(cell.sum()), float(nucleus.sum())
    if a_nuc == 0:
        return [a_cell / cell.size, 0.0, 0.0, np.nan, np.nan, 0.0, 0.0]
    points = np.argwhere(nucleus)[:, ::-1].astype(np.int32)
    hull = max(cv2.contourArea(cv2.convexHull(points)), 1.0)
    m = cv2.moments(nucleus.astype(np.uint8), binaryImage=True)
    cov = np.array([[m["mu20"], m["mu11"]], [m["mu11"], m["mu02"]]]) / m["m00"]
    low, high = np.linalg.eigvalsh(cov)
    depth = ndimage.distance_transform_edt(nucleus) > LOBE_DEPTH / PIXEL_SIZE
    return [a_cell / cell.size, a_nuc / cell.size, a_nuc / max(a_cell - a_nuc, 1.0),
            min(a_nuc / hull, 1.0), float(np.sqrt(max(0.0, 1.0 - low / max(high, 1e-9)))),
            float(ndimage.label(nucleus)[1]), float(ndimage.label(depth)[1])]


def _colour(od: np.ndarray, cell: np.ndarray, nucleus: np.ndarray, cyto: np.ndarray,
            rbc: np.ndarray) -> list[float]:
    total = od.sum(axis=2)

    def mean(mask: np.ndarray) -> list[float]:
        return od[mask].mean(axis=0).tolist() if mask.any() else [np.nan] * 3

    def sd(mask: np.ndarray) -> float:
        return float(total[mask].std()) if mask.any() else np.nan

    cyto_od = od[cyto].sum(axis=0) if cyto.any() else np.full(3, np.nan)
    shares = (cyto_od[2] / cyto_od.sum(), cyto_od[0] / cyto_od.sum()) if cyto.any() else (
        np.nan, np.nan)
    t = total[cell]
    red = od[..., 0][cell] / np.maximum(t, 1e-6)
    n = max(cell.sum(), 1)
    return (mean(nucleus) + mean(cyto) + mean(rbc) + [*shares, sd(nucleus), sd(cyto)]
            + (np.histogram(t, OD_SUM_BINS)[0] / n).tolist()
            + (np.histogram(red[t > 0.12], RED_SHARE_BINS)[0] / n).tolist())


def _texture(od_sum: np.ndarray, grey: np.ndarray, cell: np.ndarray, nucleus: np.ndarray,
             cyto: np.ndarray) -> list[float]:
    out = []
    for s in LBP_SCALES:
        size = (od_sum.shape[1] // s, od_sum.shape[0] // s)
        small = cv2.resize(od_sum, size, interpolation=cv2.INTER_AREA)
        mask = cv2.resize(cell.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) > 0
        out += lbp_histogram(small, mask).tolist()
    grad = np.hypot(cv2.Sobel(od_sum, cv2.CV_32F, 1, 0), cv2.Sobel(od_sum, cv2.CV_32F, 0, 1))
    for mask in (nucleus, cyto):
        out += [float(grad[mask].mean()), float(grad[mask].std())] if mask.any() else [np.nan] * 2
    lap = cv2.Laplacian(grey, cv2.CV_32F)
    out.append(float(np.log(lap[cell].var() + 1e-6)) if cell.any() else np.nan)
    out.append(float(np.log(lap.var() + 1e-6)))
    return out


def cell_features(rgb: np.ndarray) -> np.ndarray:
    """The figures :data:`NAMES` (float64) of the centred cell of an RGB uint8 image."""
    od = relative_od(rgb)
    cell, nucleus, rbc = subject(od, PIXEL_SIZE)
    cyto = cell & ~nucleus
    grey = rgb.astype(np.float32).mean(axis=2)
    od_sum = od.sum(axis=2).astype(np.float32)
    values = (_shape(cell, nucleus) + _colour(od, cell, nucleus, cyto, rbc)
              + _texture(od_sum, grey, cell, nucleus, cyto))
    return np.array(values, dtype=np.float64)
