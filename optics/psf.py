"""Blur by the objective's point spread function."""

from __future__ import annotations

import cv2
import numpy as np

from optics.config import Psf


def sigma(cfg: Psf) -> float:
    """Standard deviation of the Gaussian PSF, µm: 0.21 λ/NA (Zhang et al. 2007) in quadrature
    with the defocus term."""
    return float(np.hypot(0.21 * cfg.wavelength * 1e-3 / cfg.na, cfg.defocus))


def blur(image: np.ndarray, cfg: Psf, pixel_size: float) -> np.ndarray:
    """Convolve an (H, W, 3) irradiance image with the PSF (borders mirrored)."""
    if not cfg.enabled:
        return image
    s = sigma(cfg) / pixel_size
    return cv2.GaussianBlur(image, (0, 0), sigmaX=s, sigmaY=s, borderType=cv2.BORDER_REFLECT)
