"""Illumination: the lamp, its white balance, and the Köhler field across the image.

The stage outputs irradiance in units of the white-balanced full scale: an empty slide at the
centre of the field gives the background colour. :func:`electrons_per_unit` tells the sensor how
many photo-electrons a unit of that irradiance is in each raw channel, so that noise follows the
raw signal (the blue channel of a halogen lamp collects fewer electrons and is amplified more).
"""

from __future__ import annotations

import cv2
import numpy as np

from optics import stain
from optics.config import Field, OpticsConfig
from optics.strips import strips


def field_coordinates(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-centre coordinates (y, x) relative to the frame centre, in units of the
    half-diagonal (so r = √(x² + y²) is 1 at the corners), float32, shapes (H,) and (W,)."""
    half = np.float32(np.hypot(height, width) / 2)
    return ((np.arange(height, dtype=np.float32) + 0.5 - height / 2) / half,
            (np.arange(width, dtype=np.float32) + 0.5 - width / 2) / half)


def profile_axes(cfg: Field, height: int, width: int, rng: np.random.Generator | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Relative irradiance across the frame, 1 at the centre, as the sum of a column (H,) and a
    row (W,), float32: the profile at pixel (i, j) is ``col[i] + row[j]``.

    A radial fall-off 1 − v r² (r = distance from the centre over the half-diagonal; the
    leading term of the cos⁴ law of a Köhler field) plus, if `rng` is given, a random linear
    gradient of rms slope `unevenness` per half-diagonal (off-centre lamp filament or condenser).
    """
    y, x = field_coordinates(height, width)
    gy, gx = (rng.standard_normal(2) * cfg.unevenness / np.sqrt(2)) if rng is not None else (0, 0)
    col = 1.0 - cfg.vignetting * y * y + np.float32(gy) * y
    row = -cfg.vignetting * x * x + np.float32(gx) * x
    return col.astype(np.float32), row.astype(np.float32)


def background(cfg: OpticsConfig) -> tuple[float, float, float]:
    """Linear, white-balanced R, G, B of the empty slide: the configured background colour, taken
    back through the tone curve if that is on (the camera sets exposure and white balance so that
    the output shows the background colour); white with the lamp off."""
    ill = cfg.illumination
    if not ill.enabled:
        return (1.0, 1.0, 1.0)
    gamma = cfg.tone.gamma if cfg.tone.enabled else 1.0
    return tuple(float(c) ** gamma for c in ill.background)


def illuminate(transmitted: np.ndarray, cfg: OpticsConfig, rng: np.random.Generator,
               out: np.ndarray | None = None) -> np.ndarray:
    """Irradiance (white-balanced fraction of full scale) behind a specimen of transmittance
    `transmitted` (H, W, 3), written to `out` if given (which may be `transmitted` itself).

    With the lamp off it is white at full scale, so irradiance equals transmittance; the field
    profile applies when its own switch is on.
    """
    ill = cfg.illumination
    if not (ill.enabled or ill.field.enabled):
        return transmitted
    h, w = transmitted.shape[:2]
    colour = background(cfg)
    out = np.empty_like(transmitted) if out is None else out
    if not ill.field.enabled:
        return cv2.multiply(transmitted, colour + (0.0,), dst=out)
    tint = np.asarray(colour, dtype=np.float32)
    col, row = profile_axes(ill.field, h, w, rng)
    for rows in strips(h, w):
        profile = col[rows, None] + row
        cv2.multiply(transmitted[rows], cv2.merge([profile * c for c in tint]), dst=out[rows])
    return out


def electrons_per_unit(cfg: OpticsConfig) -> np.ndarray:
    """Photo-electrons per unit white-balanced irradiance in the R, G, B raw channels, (3,).

    Behind the empty slide the brightest raw channel collects ``photons × QE`` electrons and the
    others their share of the lamp's raw response; white balance scales them to `background`.
    """
    s, ill = cfg.sensor, cfg.illumination
    peak = s.photons * s.quantum_efficiency
    if not ill.enabled:
        return np.full(3, peak)
    return peak * stain.tables(cfg).raw_white / np.asarray(background(cfg))
