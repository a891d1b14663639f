"""Working through a frame a strip of rows at a time.

Per-pixel stages of a large frame handle it in strips of about :data:`STRIP` pixels, so that
their temporaries are a few MB, reused from the C heap, instead of frame-sized arrays: every
frame-sized array is mapped afresh from the kernel and each of its pages faulted in (on the
2-core test machine a 4096² float32 RGB temporary costs about 0.5 s of system time).
"""

from __future__ import annotations

from typing import Iterator

STRIP = 1 << 18
"""Pixels per strip (1 MB per float32 channel)."""


def strips(height: int, width: int) -> Iterator[slice]:
    """Row slices covering a `height` × `width` frame in strips of about :data:`STRIP` pixels."""
    step = max(1, STRIP // max(width, 1))
    return (slice(y, min(y + step, height)) for y in range(0, height, step))
