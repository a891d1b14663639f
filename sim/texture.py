"""Textures for chromatin clumping and cytoplasmic granules, as periodic tiles.

Each tile is computed once per process and then sampled by every cell at its own random offset
and scale, so texture costs one bilinear look-up per sample point and is deterministic under the
seed. Chromatin is Perlin noise (K. Perlin, "Improving noise", SIGGRAPH 2002, via the ``noise``
package); granules are a Worley-style field of round dots on a jittered lattice.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import noise
import numpy as np

TILE_PX = 128
"""Side of each texture tile in samples."""

CELL_PX = 8
"""Samples per Perlin lattice cell and per granule lattice cell."""

GRANULE_TILE_SEED = 1972
"""Seed of the constant granule-lattice table (part of the tile's definition, like Perlin's
permutation table; per-image randomness enters only through each cell's offsets)."""


def _normalise(values: np.ndarray) -> np.ndarray:
    return ((values - values.mean()) / values.std()).astype(np.float32)


@lru_cache(maxsize=1)
def chromatin_tile() -> np.ndarray:
    """Periodic Perlin noise, zero mean and unit variance, float32 (TILE_PX, TILE_PX)."""
    period = TILE_PX // CELL_PX
    step = 1.0 / CELL_PX
    return _normalise(np.array([[noise.pnoise2(i * step, j * step, octaves=2, repeatx=period,
                                               repeaty=period) for i in range(TILE_PX)]
                                for j in range(TILE_PX)]))


@lru_cache(maxsize=1)
def granule_tile() -> np.ndarray:
    """Periodic field peaking at the centres of jittered-lattice granules, float32.

    Each sample holds the maximum over nearby granules of 1 − d/s, with d its distance to a
    granule centre and s that granule's size (0.7–1.0 lattice cells): thresholding it gives dots.
    """
    n = TILE_PX // CELL_PX
    rng = np.random.default_rng(GRANULE_TILE_SEED)
    col, row = np.meshgrid(np.arange(n), np.arange(n))
    jitter = rng.uniform(0.15, 0.85, (2, n, n))
    gx, gy = (col + jitter[0]) * CELL_PX, (row + jitter[1]) * CELL_PX
    size = rng.uniform(0.7, 1.0, (n, n)) * CELL_PX
    px, py = np.meshgrid(np.arange(TILE_PX) + 0.5, np.arange(TILE_PX) + 0.5)
    ci, cj = (px // CELL_PX).astype(int), (py // CELL_PX).astype(int)

    def wrap(v: np.ndarray) -> np.ndarray:
        return (v + TILE_PX / 2) % TILE_PX - TILE_PX / 2

    field = np.full((TILE_PX, TILE_PX), -np.inf)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            i, j = (ci + di) % n, (cj + dj) % n
            d = np.hypot(wrap(px - gx[j, i]), wrap(py - gy[j, i]))
            field = np.maximum(field, 1.0 - d / size[j, i])
    return field.astype(np.float32)


@lru_cache(maxsize=None)
def _sorted(name: str) -> np.ndarray:
    return np.sort(TILES[name](), axis=None)


def threshold(name: str, coverage: float) -> float:
    """Value of tile `name` above which the given fraction of the tile lies."""
    values = _sorted(name)
    return float(values[min(int((1.0 - coverage) * values.size), values.size - 1)])


def extreme(name: str) -> float:
    """Largest magnitude of the values of tile `name`, which bounds its bilinear samples."""
    values = _sorted(name)
    return float(max(-values[0], values[-1]))


TILES = {"chromatin": chromatin_tile, "granules": granule_tile}
"""The texture tiles by name."""

CLUMP_EDGE = 0.4
"""Soft edge between chromatin clumps and parachromatin spaces, in standard deviations of the
chromatin tile (about a fifth of a clump's width)."""


def _clumps(values: np.ndarray, level: float, contrast: float) -> np.ndarray:
    """Relative chromatin concentration: 1 in clumps (`values` above `level`), 1 − `contrast`
    in the spaces between them, with a soft edge."""
    w = np.clip((values - level) * (1.0 / CLUMP_EDGE) + 0.5, 0.0, 1.0)
    return (1.0 - contrast) + contrast * w


@lru_cache(maxsize=64)
def _clump_level(spaces: float, contrast: float) -> tuple[float, float]:
    """Threshold of the chromatin tile for a space fraction `spaces`, and the mean of
    :func:`_clumps` over the tile (to keep the mean concentration)."""
    level = threshold("chromatin", 1.0 - spaces)
    return level, float(_clumps(chromatin_tile(), level, contrast).mean())


def clumping(x: np.ndarray, y: np.ndarray, cell_um: float, offset: tuple[float, float],
             spaces: float, contrast: float) -> np.ndarray:
    """Relative chromatin concentration (mean 1 over the tile) of clumped chromatin.

    Condensed chromatin (heterochromatin) forms dark clumps; the pale parachromatin spaces
    between them (euchromatin) cover the fraction `spaces` of the nucleus and hold 1 − `contrast`
    of the clumps' concentration. The pattern is the chromatin tile, thresholded.

    Parameters
    ----------
    x, y
        Sample coordinates (µm), float32 arrays of one shape.
    cell_um
        Lattice cell of the texture on the specimen, µm.
    offset
        Position of the origin inside the tile, in tile samples.
    spaces, contrast
        Area fraction of parachromatin spaces; 1 − their concentration relative to the clumps.
    """
    level, mean = _clump_level(spaces, contrast)
    c = _clumps(sample("chromatin", x, y, cell_um, offset), level, contrast)
    return c * np.float32(1.0 / mean)


def modulation(x: np.ndarray, y: np.ndarray, cell_um: float, offset: tuple[float, float],
               amplitude: float, floor: float) -> np.ndarray:
    """A concentration factor 1 + `amplitude` × the chromatin tile (zero mean, unit variance)
    at lattice cell `cell_um` (µm) and tile `offset`, at least `floor`: blotches of denser and
    paler stain about a mean of 1."""
    return np.maximum(1.0 + amplitude * sample("chromatin", x, y, cell_um, offset), floor)


def sample(name: str, x: np.ndarray, y: np.ndarray, cell_um: float,
           offset: tuple[float, float]) -> np.ndarray:
    """Sample tile `name` at points given in µm.

    Parameters
    ----------
    name
        ``"chromatin"`` or ``"granules"``.
    x, y
        Sample coordinates (µm), float32 arrays of one shape.
    cell_um
        Size of one lattice cell of the tile on the specimen, µm.
    offset
        Position of the origin inside the tile, in tile samples.

    Returns
    -------
    numpy.ndarray
        Tile values (float32), same shape as `x`.
    """
    per_um = CELL_PX / cell_um
    mx = (x * per_um + offset[0]).astype(np.float32)
    my = (y * per_um + offset[1]).astype(np.float32)
    return cv2.remap(TILES[name](), mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
