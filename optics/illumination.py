"""Illumination: the light reaching the camera through an empty part of the slide."""

from __future__ import annotations

import numpy as np

from optics.config import Illumination


def illuminate(transmitted: np.ndarray, cfg: Illumination) -> np.ndarray:
    """Irradiance (fraction of the sensor's full scale) behind a specimen of given transmittance.

    With the effect off the lamp is white at full scale, so irradiance equals transmittance.
    """
    if not cfg.enabled:
        return transmitted
    return transmitted * np.asarray(cfg.background, dtype=np.float32)
