"""Camera sensor after EMVA Standard 1288 (release 4.0, 2021): photons → electrons → DN.

Per pixel the mean photo-electron count μe = η μp is scaled by the fixed photo-response
non-uniformity (PRNU), the dark signal μd = dark current × exposure time and the fixed dark-signal
non-uniformity (DSNU) are added, and the temporal noise — shot noise of variance equal to the
electron count plus read noise σd² — is drawn as one Gaussian (the Poisson limit, good above
≈ 20 e⁻). Electrons saturate at the full well and are digitised with system gain K DN/e⁻,
clipped to the ADC's range 0 … 2^bits − 1. The camera then subtracts the mean dark signal and
scales each raw channel back to white-balanced units, in which :mod:`optics.illumination` gave
the input.

With a Bayer filter each pixel records one channel of the RGGB mosaic, so noise is drawn on the
mosaic, as in a real camera.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from optics.config import Sensor
from optics.strips import strips

CAMERA_SEED = 1288
"""Seed of the fixed-pattern noise (PRNU, DSNU): the same camera for every image and process."""

RGGB = np.array([[0, 1], [1, 2]])
"""Channel index (R 0, G 1, B 2) of each site of the 2 × 2 Bayer tile, RGGB order."""


def mosaic(image: np.ndarray) -> np.ndarray:
    """The RGGB Bayer mosaic (H, W) of an (H, W, 3) image."""
    out = np.empty(image.shape[:2], dtype=image.dtype)
    for i in range(2):
        for j in range(2):
            out[i::2, j::2] = image[i::2, j::2, RGGB[i, j]]
    return out


def _site_values(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Per-channel `values` (3,) laid out like an image of `shape` (mosaic if 2-D), float32."""
    if len(shape) == 3:
        return np.asarray(values, dtype=np.float32)
    h, w = shape
    tile = np.asarray(values, dtype=np.float32)[RGGB]
    return np.tile(tile, (-(-h // 2), -(-w // 2)))[:h, :w]


def fixed_pattern(cfg: Sensor, shape: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """PRNU gain (1 + σ N(0, 1)) and DSNU offset (σ N(0, 1) e⁻) maps of the camera, float32,
    computed in place (each map of a 4096² mosaic is 67 MB, and each fresh one page-faulted in)."""
    rng = np.random.default_rng(CAMERA_SEED)
    gain = rng.standard_normal(shape, dtype=np.float32)
    gain *= cfg.prnu
    gain += 1.0
    offset = rng.standard_normal(shape, dtype=np.float32)
    offset *= cfg.dsnu
    return gain, offset


@lru_cache(maxsize=8)
def _maps(cfg: Sensor, electrons: tuple[float, ...], shape: tuple[int, ...]
          ) -> tuple[np.ndarray, ...]:
    """Per-pixel maps of one camera and exposure: electrons per unit irradiance (PRNU included),
    offset in e⁻ (dark signal and DSNU), and the DN → white-balanced-unit factor and offset
    (made once per camera, exposure and frame: the camera's :func:`fixed_pattern` is not kept
    besides them)."""
    scale = _site_values(electrons, shape)
    gain, offset = fixed_pattern(cfg, shape)
    dark = np.float32(cfg.dark_current * cfg.exposure_time)
    to_unit = np.multiply(np.float32(cfg.gain), scale, out=np.empty(shape, np.float32))
    np.divide(1.0, to_unit, out=to_unit)
    dark_unit = np.divide(dark, scale, out=np.empty(shape, np.float32))
    gain *= scale
    offset += dark
    return gain, offset, to_unit, dark_unit


def capture(irradiance: np.ndarray, electrons: np.ndarray, cfg: Sensor,
            rng: np.random.Generator, exposure: float = 1.0) -> np.ndarray:
    """Expose, read and digitise; return the signal in white-balanced units (fraction of full
    scale), float32, same shape as `irradiance` — (H, W) for a mosaic, (H, W, 3) otherwise.

    Parameters
    ----------
    irradiance
        White-balanced irradiance, fraction of full scale.
    electrons
        Photo-electrons per unit irradiance in each raw channel, shape (3,)
        (:func:`optics.illumination.electrons_per_unit`).
    cfg
        Sensor configuration; with ``enabled`` off the irradiance is returned unchanged.
    rng
        Source of the temporal noise.
    exposure
        Factor on `electrons` for this image (more or less light, :mod:`optics.variation`),
        undone by the camera's normalisation: it changes the noise, not the mean signal.
    """
    if not cfg.enabled:
        return irradiance
    per_unit, offset, to_unit, dark = _maps(cfg, tuple(float(e) for e in electrons),
                                            irradiance.shape)
    e = np.multiply(irradiance, per_unit)
    if exposure != 1.0:
        e *= np.float32(exposure)
    e += offset
    noise = rng.standard_normal(e.shape, dtype=np.float32)
    for rows in strips(*e.shape[:2]):
        sd = np.maximum(e[rows], 0.0)
        sd += np.float32(cfg.read_noise ** 2)
        np.sqrt(sd, out=sd)
        noise[rows] *= sd
    e += noise
    np.minimum(e, np.float32(cfg.full_well), out=e)
    e *= np.float32(cfg.gain)
    np.rint(e, out=e)
    np.clip(e, 0, 2 ** cfg.adc_bits - 1, out=e)
    e *= to_unit
    e -= dark
    if exposure != 1.0:
        e *= np.float32(1.0 / exposure)
    return e
