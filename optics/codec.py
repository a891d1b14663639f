"""Image codecs in memory: JPEG (the camera's file, and the files a dataset writes) and PNG.

OpenCV's libjpeg and libpng do the work; these helpers take and give RGB (OpenCV orders colour
channels B, G, R) and raise instead of returning OpenCV's failure flag.
"""

from __future__ import annotations

import cv2
import numpy as np


def _bgr(image: np.ndarray) -> np.ndarray:
    """A colour image (H, W, 3) RGB → BGR for OpenCV; a single-channel one as it is."""
    return cv2.cvtColor(image, cv2.COLOR_RGB2BGR) if image.ndim == 3 else image


def encode_jpeg(rgb: np.ndarray, quality: int, sampling: int | None = None) -> bytes:
    """The JPEG file of uint8 RGB pixels (H, W, 3) at `quality` (1–100); `sampling` is an
    OpenCV ``IMWRITE_JPEG_SAMPLING_FACTOR_*`` chroma subsampling, None for OpenCV's default
    (4:2:0)."""
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    if sampling is not None:
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, sampling]
    ok, data = cv2.imencode(".jpg", _bgr(rgb), params)
    if not ok:
        raise RuntimeError(f"OpenCV failed to encode a {rgb.shape} {rgb.dtype} image as JPEG")
    return data.tobytes()


def decode(data: bytes) -> np.ndarray:
    """The uint8 RGB pixels (H, W, 3) of an encoded image file's bytes (JPEG, PNG, ...)."""
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot decode {len(data)} bytes as an image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def encode_png(image: np.ndarray) -> bytes:
    """The PNG file of an RGB image (H, W, 3) or a single-channel one (H, W), uint8 or uint16
    (a 16-bit instance mask)."""
    ok, data = cv2.imencode(".png", _bgr(image))
    if not ok:
        raise RuntimeError(f"OpenCV failed to encode a {image.shape} {image.dtype} image as PNG")
    return data.tobytes()
