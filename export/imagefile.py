"""Reading an image file that smearsim is asked to measure, refusing what would be measured
wrongly: unreadable files, files cut short (OpenCV decodes a truncated JPEG or PNG without
complaint, filling the missing rows with grey), and images too small to hold a cell.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from export.errors import InputError

MIN_SIDE = 32
"""Smallest width or height of an image that is measured, px (a red cell spans 80–100 px at the
presets' scales; below this no figure of the segmentation means anything)."""

MAX_BYTES = 256 << 20
"""Largest image file read, bytes."""

_ENDS = {".jpg": b"\xff\xd9", ".jpeg": b"\xff\xd9", ".png": b"IEND\xaeB`\x82"}
"""How a complete file of each kind ends: the JPEG end-of-image marker (ITU-T T.81, B.1.1.5),
the PNG IEND chunk with its CRC (PNG specification, 11.2.5)."""


def complete(data: bytes, suffix: str) -> bool:
    """Whether `data`, a file of kind `suffix`, ends as a whole file of its kind does (kinds
    without an end marker are taken as complete)."""
    end = _ENDS.get(suffix.lower())
    return end is None or data.rstrip(b"\x00").endswith(end)


def read_rgb(path: str | Path) -> np.ndarray:
    """The image at `path` as RGB uint8, (H, W, 3).

    Raises
    ------
    InputError
        The file cannot be read or decoded, is cut short, or is smaller than :data:`MIN_SIDE`.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise InputError(f"image {str(path)!r} is larger than {MAX_BYTES >> 20} MiB")
        data = path.read_bytes()
    except OSError as e:
        raise InputError(f"cannot read image {str(path)!r}: {e.strerror or e}") from None
    bgr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    if bgr is None:
        raise InputError(f"cannot read image {str(path)!r}: not an image OpenCV can decode")
    if not complete(data, path.suffix):
        raise InputError(f"image {str(path)!r} is truncated (the file ends before the image "
                         "does); remove or replace it")
    if min(bgr.shape[:2]) < MIN_SIDE:
        raise InputError(f"image {str(path)!r} is {bgr.shape[1]}x{bgr.shape[0]} px; images to "
                         f"measure must be at least {MIN_SIDE} px on each side")
    return np.ascontiguousarray(bgr[:, :, ::-1])
