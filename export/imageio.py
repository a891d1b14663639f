"""Reading image files: one RGB reader for every real or synthetic image smearsim opens.

Encoding is :mod:`optics.codec` (the camera's JPEG is made in :mod:`optics`, which knows nothing
of files); this module reads files back.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from sim.schema import ConfigError


def read_image(path: str | Path) -> np.ndarray:
    """The uint8 RGB pixels (H, W, 3) of the image file at `path` (any format OpenCV reads).

    Raises
    ------
    ConfigError
        If the file is missing or is not an image OpenCV can decode.
    """
    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ConfigError(f"cannot read image {str(path)!r}: missing, or not an image file "
                          "(.jpg, .png, .bmp, .tif)")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
