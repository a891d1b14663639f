"""Stain optical-density vectors of a set of images, by the method of Macenko et al.

M. Macenko, M. Niethammer, J. S. Marron et al., "A method for normalizing histology slides for
quantitative analysis", IEEE ISBI 2009, 1107–1110: optical densities of stained pixels lie near
the plane spanned by the two stains' OD vectors; the plane is found by the two principal
directions of the OD cloud, and the stain vectors are its robust extreme directions (the 1st
and 99th percentiles of the angle of each pixel's projection).
"""

from __future__ import annotations

import numpy as np

MIN_OD = 0.15
"""Smallest OD norm of a pixel used (Macenko's β): fainter pixels are mostly background noise."""

PERCENTILE = 1.0
"""Robust extreme angle, percent (Macenko's α)."""


def macenko(od: np.ndarray) -> np.ndarray:
    """Two unit stain vectors (rows, R G B OD) of the pixels `od` (N, 3).

    The first row is the stain that absorbs red the most (the purple/blue azure–eosin complex of
    nuclei), the second the pink/orange one (eosin, haemoglobin).

    Raises
    ------
    ValueError
        If fewer than 100 pixels are stained above :data:`MIN_OD`.
    """
    od = od[np.linalg.norm(od, axis=1) > MIN_OD]
    if len(od) < 100:
        raise ValueError(f"only {len(od)} stained pixels; need at least 100 to estimate stains")
    _, vectors = np.linalg.eigh(np.cov(od, rowvar=False))
    plane = vectors[:, [2, 1]]  # the two largest principal directions
    plane *= np.sign(plane.sum(axis=0))  # point them into the positive-OD octant
    proj = od @ plane
    angle = np.arctan2(proj[:, 1], proj[:, 0])
    lo, hi = np.percentile(angle, [PERCENTILE, 100 - PERCENTILE])
    stains = np.clip([plane @ [np.cos(a), np.sin(a)] for a in (lo, hi)], 0.0, None)
    stains /= np.linalg.norm(stains, axis=1, keepdims=True)
    return stains[np.argsort(-stains[:, 0] / stains.sum(axis=1))]
