"""The camera's image processing: demosaic, background normalisation, tone curve, sharpening,
8-bit quantisation and JPEG — each switchable on its own.

All stages work on white-balanced linear values (fraction of full scale) until quantisation.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from optics.config import Field, Jpeg, OpticsConfig
from optics.illumination import background, field_profile

LEVELS = 255
"""Largest 8-bit digital number."""

DEMOSAIC_SCALE = 256 * LEVELS
"""Fixed-point scale of the 16-bit mosaic handed to OpenCV's demosaicing (full scale → 65280)."""

DEMOSAIC = {"bilinear": cv2.COLOR_BayerBG2RGB, "ea": cv2.COLOR_BayerBG2RGB_EA}
"""OpenCV conversion codes for an RGGB mosaic (OpenCV names the pattern from the second row)."""

SUBSAMPLING = {"4:4:4": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
               "4:2:2": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
               "4:2:0": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420}
"""OpenCV chroma-subsampling flags."""


def demosaic(raw: np.ndarray, method: str) -> np.ndarray:
    """Interpolate an RGGB mosaic (H, W) of linear values to (H, W, 3), float32."""
    fixed = np.clip(raw * np.float32(DEMOSAIC_SCALE) + np.float32(0.5), 0, 65535).astype(np.uint16)
    return cv2.cvtColor(fixed, DEMOSAIC[method]).astype(np.float32) * np.float32(1 / DEMOSAIC_SCALE)


def normalise(image: np.ndarray, cfg: OpticsConfig) -> np.ndarray:
    """Flat-field by the known vignetting, then scale each channel so that the brightest pixels
    (above the configured luminance percentile, on every fourth row and column) have the
    nominal background colour."""
    ill = cfg.illumination
    flat = flat_field(ill.field, *image.shape[:2]) if ill.field.enabled else None
    sample = image[::4, ::4] * (flat[::4, ::4, None] if flat is not None else 1.0)
    sample = sample.reshape(-1, 3)
    lum = sample.sum(axis=1)
    bright = sample[lum >= np.percentile(lum, cfg.normalise.percentile)]
    target = np.asarray(background(cfg), dtype=np.float32)
    gain = target / np.maximum(bright.mean(axis=0), 1e-6)
    if flat is None:
        return cv2.multiply(image, tuple(float(g) for g in gain) + (0.0,))
    return cv2.multiply(image, cv2.merge([flat * np.float32(g) for g in gain]))


@lru_cache(maxsize=4)
def flat_field(cfg: Field, height: int, width: int) -> np.ndarray:
    """Inverse of the calibrated (deterministic) field profile, float32 (H, W)."""
    return 1.0 / field_profile(cfg, height, width, None)


def sharpen_to_uint8(image: np.ndarray, amount: float, sigma: float) -> np.ndarray:
    """Unsharp mask, image + amount × (image − Gaussian(image, σ px)), quantised like
    :func:`quantise` in the same pass."""
    size = 2 * int(np.ceil(3 * sigma)) + 1  # ±3σ (OpenCV's default for float32 is ±4σ)
    low = cv2.GaussianBlur(image, (size, size), sigmaX=sigma, sigmaY=sigma,
                           borderType=cv2.BORDER_REFLECT)
    return cv2.addWeighted(image, (1.0 + amount) * LEVELS, low, -amount * LEVELS, 0.0,
                           dtype=cv2.CV_8U)


def quantise(image: np.ndarray) -> np.ndarray:
    """Linear values (fraction of full scale) → uint8, rounded and clipped."""
    return np.clip(np.rint(image * np.float32(LEVELS)), 0, LEVELS).astype(np.uint8)


def jpeg(rgb: np.ndarray, cfg: Jpeg) -> tuple[bytes, np.ndarray]:
    """Encode uint8 RGB as JPEG; return the file bytes and the decoded RGB pixels."""
    ok, data = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, cfg.quality,
                             cv2.IMWRITE_JPEG_SAMPLING_FACTOR, SUBSAMPLING[cfg.subsampling]])
    assert ok, "OpenCV failed to encode a JPEG"
    return data.tobytes(), cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def process(raw: np.ndarray, cfg: OpticsConfig) -> tuple[np.ndarray, bytes | None]:
    """Raw signal (mosaic (H, W) or (H, W, 3), white-balanced linear) → uint8 RGB and, if the
    JPEG stage is on, the JPEG file bytes the pixels were decoded from."""
    image = demosaic(raw, cfg.bayer.demosaic) if raw.ndim == 2 else raw
    if cfg.normalise.enabled:
        image = normalise(image, cfg)
    if cfg.tone.enabled:
        image = np.power(np.maximum(image, 0.0), np.float32(1.0 / cfg.tone.gamma))
    if cfg.sharpen.enabled:
        rgb = sharpen_to_uint8(image, cfg.sharpen.amount, cfg.sharpen.sigma)
    else:
        rgb = quantise(image)
    if not cfg.jpeg.enabled:
        return rgb, None
    data, decoded = jpeg(rgb, cfg.jpeg)
    return decoded, data
