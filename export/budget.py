"""What one image will cost, estimated from the configuration before anything runs.

A configuration inside every documented range can still ask for a field of millions of cells
(e.g. ``--size 8192x8192`` at 2 µm/px and three layers of red cells): the packing alone would
take hours and gigabytes. :func:`check` refuses such a job up front with one line giving the
estimate and the limit.
"""

from __future__ import annotations

import math
import os

from export.errors import ConfigError

MAX_CELLS = 50_000
"""Most cells one image may hold (estimated). The ``crowded`` preset at 2048×2048 px holds about
730; at the largest frame, 8192×8192 px at 0.0987 µm/px and coverage 1, about 12 000."""

BYTES_PER_PIXEL = 120
"""Peak working memory of one image per pixel, bytes: stain densities, the float32 stages of
the optical chain, label rasters. Measured (peak resident set size of ``make_image``, less the
process before it) on ``crowded``: 96 B/px at 2048×2048 px, 119 B/px at 1024×1024 px."""

STAGE_BYTES_PER_PIXEL = 4 * 3 * 4
"""Extra memory per pixel when the optical stages are kept: four float32 RGB stages."""


def cells(config) -> float:
    """Expected number of cells in one image of `config`: red cells covering ``rbc_coverage``
    of the field (at the denser side of a coverage gradient), white cells, platelets, the
    subject."""
    frame, pop = config.optics.frame, config.sim.population
    area = frame.width * frame.pixel_size * frame.height * frame.pixel_size  # µm²
    rbc_area = math.pi * (config.sim.cells.rbc.diameter / 2) ** 2  # µm²
    rbc = pop.rbc_coverage * math.exp(abs(pop.coverage_gradient)) * area / rbc_area
    return rbc + (pop.white_cells + pop.platelets) * area / 1e3 + 1


def image_bytes(config, keep_stages: bool = False) -> int:
    """Estimated peak working memory of one image, bytes (see :data:`BYTES_PER_PIXEL`)."""
    frame = config.optics.frame
    per_pixel = BYTES_PER_PIXEL + (STAGE_BYTES_PER_PIXEL if keep_stages else 0)
    return frame.width * frame.height * per_pixel


def memory() -> int | None:
    """Physical memory of this machine, bytes (None where the system does not tell)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def check(config, workers: int = 1, keep_stages: bool = False) -> None:
    """Refuse a configuration whose images would hold more than :data:`MAX_CELLS` cells, or
    whose `workers` images at once would need more than the machine's physical memory.

    Raises
    ------
    ConfigError
        With the estimate and the limit.
    """
    n = cells(config)
    if n > MAX_CELLS:
        raise ConfigError(f"this configuration means about {n:,.0f} cells per image, more than "
                          f"the limit of {MAX_CELLS:,}: make the image smaller (optics.frame), "
                          "the pixels finer (optics.frame.pixel_size) or the field sparser "
                          "(sim.population.rbc_coverage)")
    need, have = image_bytes(config, keep_stages) * workers, memory()
    if have is not None and need > have:
        raise ConfigError(f"{workers} image(s) at once of {config.optics.frame.width}x"
                          f"{config.optics.frame.height} px need about {need / 2**30:.1f} GiB, "
                          f"more than this machine's {have / 2**30:.1f} GiB: use fewer workers "
                          "or a smaller image")
