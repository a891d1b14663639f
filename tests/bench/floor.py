"""The floor: the least work any generator of 360×363 stained-smear JPEGs with labels must do
per image — the computation of ``../shared/bench/floor.py``, measured in CPU time on one thread.

Beer–Lambert exponent on 3 channels, one Gaussian blur, shot noise, JPEG encode, writing the
image and its label file. Benchmarks measure it in the same run as their own figures and print
each figure as a multiple of it, a number that does not depend on the machine or its load.
``../shared/bench/floor.py`` reports wall seconds with OpenCV's default threads; here it is CPU
seconds with OpenCV on one thread, as in a pool worker (on a shared machine wall time also counts
the waits for a core).

Usage::

    python tests/bench/floor.py 300      # prints CPU ms per image
"""

from __future__ import annotations

import os
import sys
import tempfile
import time

import cv2
import numpy as np

SIZE = (363, 360)
"""Height and width of the floor's image, px (the ``pbc`` frame)."""

AREA = SIZE[0] * SIZE[1]
"""Pixels of the floor's image: a frame of another size is measured against the floor scaled by
its area."""


class Floor:
    """The floor computation one image at a time (:meth:`step`), so that a benchmark can
    interleave it with its own work and both meet the same load of a shared machine; OpenCV is
    left at the caller's thread count (one in a benchmark set up as a worker)."""

    def __init__(self) -> None:
        self.rng = np.random.default_rng(0)
        self.od = self.rng.random(SIZE + (3,), np.float32) * 0.5
        self.folder = tempfile.TemporaryDirectory()
        self.count, self.seconds = 0, 0.0

    def step(self) -> None:
        """Make, encode and write one image and its label file, timed in CPU time."""
        start = time.process_time()
        lin = np.exp(-self.od * 2.302585) * 200.0
        lin = cv2.GaussianBlur(lin, (0, 0), 1.2)
        noisy = lin + self.rng.standard_normal(lin.shape, np.float32) * np.sqrt(lin)
        img = np.clip(noisy, 0, 255).astype(np.uint8)
        ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])
        with open(os.path.join(self.folder.name, f"{self.count}.jpg"), "wb") as f:
            f.write(buf.tobytes())
        with open(os.path.join(self.folder.name, f"{self.count}.txt"), "w") as f:
            f.write("0 0.5 0.5 0.3 0.3\n")
        self.seconds += time.process_time() - start
        self.count += 1

    @property
    def ms(self) -> float:
        """Mean CPU milliseconds per image so far."""
        return self.seconds * 1e3 / max(self.count, 1)

    def close(self) -> None:
        """Remove the images written."""
        self.folder.cleanup()


def floor_ms(count: int = 200) -> float:
    """CPU milliseconds per image of the floor computation on one OpenCV thread, mean over
    `count` images."""
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    floor = Floor()
    for _ in range(count):
        floor.step()
    floor.close()
    cv2.setNumThreads(threads)
    return floor.ms


if __name__ == "__main__":
    print(f"{floor_ms(int(sys.argv[1]) if len(sys.argv) > 1 else 200):.3f}")
