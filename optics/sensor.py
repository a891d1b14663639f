"""Camera sensor: irradiance → electrons → 8-bit digital numbers."""

from __future__ import annotations

import numpy as np

from optics.config import Sensor

LEVELS = 255
"""Largest 8-bit digital number."""


def expose(irradiance: np.ndarray, cfg: Sensor, rng: np.random.Generator) -> np.ndarray:
    """Digitise an irradiance image (fraction of full scale) to uint8.

    Electrons e = irradiance × full well get shot noise of variance e (the Gaussian limit of
    Poisson statistics) and Gaussian read noise, then map linearly to 0–255 and are rounded.
    With the effect off, the ideal irradiance is only quantised.
    """
    if cfg.enabled:
        electrons = np.clip(irradiance, 0.0, None) * np.float32(cfg.full_well)
        sd = np.sqrt(electrons + np.float32(cfg.read_noise ** 2))
        noisy = electrons + sd * rng.standard_normal(electrons.shape, dtype=np.float32)
        irradiance = noisy / np.float32(cfg.full_well)
    return np.clip(np.rint(irradiance * LEVELS), 0, LEVELS).astype(np.uint8)
