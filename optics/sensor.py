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
    """Per-channel `values` (3,) laid out like an image of `shape`, float32: per channel for an
    (H, W, 3) image, (3,); for a mosaic (H, W), the two rows of the RGGB pattern, (2, W)."""
    values = np.asarray(values, dtype=np.float32)
    if len(shape) == 3:
        return values
    return np.tile(values[RGGB], (1, -(-shape[1] // 2)))[:, :shape[1]]


def _by_site(ufunc: np.ufunc, image: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """``ufunc(image, v)`` in place, with `v` the value of `sites` (:func:`_site_values`) at each
    pixel, and no frame-sized map of the values: a C-contiguous mosaic is taken as rows of two
    image rows each, which the pattern's two rows (concatenated) fit, and a last odd row."""
    if image.ndim == 3:
        return ufunc(image, sites, out=image)
    if not image.flags.c_contiguous:  # a reshaped copy would take the result
        raise ValueError("a mosaic must be C-contiguous to be taken as pairs of rows")
    even = image.shape[0] // 2 * 2
    pairs = image[:even].reshape(even // 2, 2 * image.shape[1])
    ufunc(pairs, sites.reshape(-1), out=pairs)
    if even < image.shape[0]:
        ufunc(image[even], sites[0], out=image[even])
    return image


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
    """Per-pixel maps of one camera and exposure: electrons per unit irradiance (PRNU included)
    and offset in e⁻ (dark signal and DSNU); and per site (:func:`_site_values`), the DN →
    white-balanced unit factor and offset (made once per camera, exposure and frame: the camera's
    :func:`fixed_pattern` is not kept besides them)."""
    scale = _site_values(electrons, shape)
    gain, offset = fixed_pattern(cfg, shape)
    dark = np.float32(cfg.dark_current * cfg.exposure_time)
    to_unit = np.divide(1.0, np.multiply(np.float32(cfg.gain), scale))
    _by_site(np.multiply, gain, scale)
    offset += dark
    return gain, offset, to_unit, np.divide(dark, scale)


def capture(irradiance: np.ndarray, electrons: np.ndarray, cfg: Sensor,
            rng: np.random.Generator, exposure: float = 1.0, out: np.ndarray | None = None
            ) -> np.ndarray:
    """Expose, read and digitise; return the signal in white-balanced units (fraction of full
    scale), float32, same shape as `irradiance` — (H, W) for a mosaic, (H, W, 3) otherwise —
    written to `out` if given (which may be `irradiance` itself).

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
    out
        C-contiguous array to write the signal to (`irradiance` itself if it is not needed
        afterwards: a large frame then faults no fresh pages in for it); None for a new one.
    """
    if not cfg.enabled:
        return irradiance
    per_unit, offset, to_unit, dark = _maps(cfg, tuple(float(e) for e in electrons),
                                            irradiance.shape)
    e = np.multiply(irradiance, per_unit, out=out)
    if exposure != 1.0:
        e *= np.float32(exposure)
    e += offset
    for rows in strips(*e.shape[:2]):  # the noise drawn a strip at a time: the same draws
        sd = np.maximum(e[rows], 0.0)
        sd += np.float32(cfg.read_noise ** 2)
        np.sqrt(sd, out=sd)
        sd *= rng.standard_normal(sd.shape, dtype=np.float32)
        e[rows] += sd
    np.minimum(e, np.float32(cfg.full_well), out=e)
    e *= np.float32(cfg.gain)
    np.rint(e, out=e)
    np.clip(e, 0, 2 ** cfg.adc_bits - 1, out=e)
    _by_site(np.multiply, e, to_unit)
    _by_site(np.subtract, e, dark)
    if exposure != 1.0:
        e *= np.float32(1.0 / exposure)
    return e
