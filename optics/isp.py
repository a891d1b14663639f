"""The camera's image processing: demosaic, background normalisation, colour correction, tone
curve, sharpening, 8-bit quantisation and JPEG — each switchable on its own.

All stages work on white-balanced linear values (fraction of full scale) until quantisation.
"""

from __future__ import annotations

import cv2
import numpy as np

from optics import codec
from optics.config import Jpeg, OpticsConfig
from optics.illumination import background, profile_axes
from optics.strips import strips

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
    fixed = np.empty(raw.shape, np.uint16)
    for rows in strips(*raw.shape):
        fixed[rows] = np.clip(raw[rows] * np.float32(DEMOSAIC_SCALE) + np.float32(0.5), 0, 65535)
    return np.multiply(cv2.cvtColor(fixed, DEMOSAIC[method]), np.float32(1 / DEMOSAIC_SCALE),
                       dtype=np.float32)


def target_background(cfg: OpticsConfig, white: np.ndarray | None = None) -> np.ndarray:
    """The colour the camera gives the empty slide, float32 (3,): the configured background
    (linear), times the image's white-balance factors `white` if given."""
    target = np.asarray(background(cfg), dtype=np.float32)
    return target if white is None else target * np.asarray(white, np.float32)


def normalise(image: np.ndarray, cfg: OpticsConfig, out: np.ndarray | None = None,
              white: np.ndarray | None = None) -> np.ndarray:
    """Flat-field by the known vignetting, then scale each channel so that the brightest pixels
    (above the configured luminance percentile, on every fourth row and column) have the
    nominal background colour (times `white`, the image's white-balance factors per channel,
    :mod:`optics.variation`, if given). Written to `out` if given (which may be `image`
    itself)."""
    ill = cfg.illumination
    h, w = image.shape[:2]
    # inverse of the calibrated (deterministic) field profile, as a column and a row
    col, row = profile_axes(ill.field, h, w, None) if ill.field.enabled else (None, None)
    sample = image[::4, ::4]
    if col is not None:
        sample = sample * (1.0 / (col[::4, None] + row[::4]))[..., None]
    sample = sample.reshape(-1, 3)
    lum = sample[:, 0] + sample[:, 1] + sample[:, 2]  # as sum(axis=1) adds them, 20x faster
    bright = np.compress(lum >= np.percentile(lum, cfg.normalise.percentile), sample, axis=0)
    target = target_background(cfg, white)
    gain = target / np.maximum(bright.mean(axis=0), 1e-6)
    out = np.empty_like(image) if out is None else out
    if col is None:
        return cv2.multiply(image, tuple(float(g) for g in gain) + (0.0,), dst=out)
    for rows in strips(h, w):
        flat = 1.0 / (col[rows, None] + row)
        cv2.multiply(image[rows], cv2.merge([flat * np.float32(g) for g in gain]), dst=out[rows])
    return out


def colour_matrix(saturation: float, background: np.ndarray) -> np.ndarray:
    """The colour-correction matrix M = B (s I + (1 − s) J / 3) B⁻¹, float32 (3, 3): in
    white-balanced space (B = diag(`background`), J the matrix of ones) each colour moves away
    from (s > 1) or towards (s < 1) the grey of its own mean; M maps the background to itself."""
    b = np.asarray(background, np.float64)
    m = saturation * np.eye(3) + (1.0 - saturation) / 3.0
    return (b[:, None] * m / b[None, :]).astype(np.float32)


def colour_correct(image: np.ndarray, cfg: OpticsConfig, white: np.ndarray | None = None,
                   out: np.ndarray | None = None) -> np.ndarray:
    """Apply :func:`colour_matrix` about the normalised background (colour × `white`) to an
    (H, W, 3) image, written to `out` if given (which may be `image` itself)."""
    matrix = colour_matrix(cfg.colour.saturation, target_background(cfg, white))
    out = np.empty_like(image) if out is None else out
    for rows in strips(*image.shape[:2]):
        out[rows] = cv2.transform(image[rows], matrix)
    return out


def sharpen_to_uint8(image: np.ndarray, amount: float, sigma: float) -> np.ndarray:
    """Unsharp mask, image + amount × (image − Gaussian(image, σ px)), quantised like
    :func:`quantise` in the same pass; a strip of rows at a time, each blurred with the rows
    the kernel reaches beyond it (the frame's own values: rows are filtered alike wherever they
    lie, and the frame's top and bottom are mirrored as before)."""
    size = 2 * int(np.ceil(3 * sigma)) + 1  # ±3σ (OpenCV's default for float32 is ±4σ)
    h, reach = image.shape[0], size // 2
    out = np.empty(image.shape, np.uint8)
    for rows in strips(*image.shape[:2]):
        a, b = max(rows.start - reach, 0), min(rows.stop + reach, h)
        low = cv2.GaussianBlur(image[a:b], (size, size), sigmaX=sigma, sigmaY=sigma,
                               borderType=cv2.BORDER_REFLECT)[rows.start - a:rows.stop - a]
        cv2.addWeighted(image[rows], (1.0 + amount) * LEVELS, low, -amount * LEVELS, 0.0,
                        dst=out[rows], dtype=cv2.CV_8U)
    return out


def quantise(image: np.ndarray) -> np.ndarray:
    """Linear values (fraction of full scale) → uint8, rounded and clipped."""
    return np.clip(np.rint(image * np.float32(LEVELS)), 0, LEVELS).astype(np.uint8)


def encode(rgb: np.ndarray, cfg: Jpeg) -> bytes:
    """The camera's JPEG file of uint8 RGB pixels, at its quality and chroma subsampling."""
    return codec.encode_jpeg(rgb, cfg.quality, SUBSAMPLING[cfg.subsampling])


def process(raw: np.ndarray, cfg: OpticsConfig, white: np.ndarray | None = None
            ) -> tuple[np.ndarray | None, bytes | None]:
    """Raw signal (mosaic (H, W) or (H, W, 3), white-balanced linear) → the camera's output:
    ``(uint8 RGB, None)`` with the JPEG stage off, else ``(None, JPEG file bytes)`` — the pixels
    are then the file's, :func:`optics.codec.decode` gives them (a dataset that writes the file needs no
    decoding). `white`: the image's white-balance factors (see :func:`normalise`)."""
    image = demosaic(raw, cfg.bayer.demosaic) if raw.ndim == 2 else raw
    if cfg.normalise.enabled:
        image = normalise(image, cfg, out=None if image is raw else image, white=white)
    if cfg.colour.enabled and cfg.colour.saturation != 1.0:
        image = colour_correct(image, cfg, white, out=None if image is raw else image)
    if cfg.tone.enabled:
        out = np.empty_like(image) if image is raw else image
        np.maximum(image, 0.0, out=out)
        image = np.power(out, np.float32(1.0 / cfg.tone.gamma), out=out)
    if cfg.sharpen.enabled:
        rgb = sharpen_to_uint8(image, cfg.sharpen.amount, cfg.sharpen.sigma)
    else:
        rgb = quantise(image)
    if not cfg.jpeg.enabled:
        return rgb, None
    return None, encode(rgb, cfg.jpeg)
