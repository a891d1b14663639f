"""What a real slide holds besides cells: stain precipitate, dust and refractile specks, and a
faint uneven film of stained plasma.

Romanowsky stains left to dry or filtered poorly deposit dark purple granules of precipitate,
singly or in small clusters, over cells and background alike; dust and glass or immersion-oil
particles show as grey specks and as refractile specks (a dark ring about a clear centre); the
plasma protein film between the cells takes up a little eosin, unevenly (Bain, *Blood Cells: A
Practical Guide*, 5th ed., 2015, ch. 1, staining artefacts; Houwen, Lab. Hematol. 6:1, 2000).
None of them is a cell: they change the pixels, never the labels.

Each item is drawn as a Poisson number of point impulses, spread by a Gaussian blur of its size
(one OpenCV call per item, whatever their number). Stain precipitate and the film are stain
column densities added to the raster (:func:`deposit`, before Beer–Lambert); dust and refractile
specks are grey and multiply the transmittance (:func:`specks`).
"""

from __future__ import annotations

import cv2
import numpy as np

from optics.config import OpticsConfig
from sim.classes import STAINS

FILM_GRID = 4
"""Coarse grid cells per film scale length: the film's random field is drawn on a grid of
spacing ``film_scale / FILM_GRID`` and smoothed there by a Gaussian of σ = ``film_scale / 2``."""

REFRACTILE_RING = 1.6
"""Radius of a refractile speck's dark ring over that of its clear centre (a particle slightly
out of focus: bright core, dark Airy-like ring; chosen by eye)."""


ALIGN = 64
"""A window's left edge lies on a multiple of this many columns: OpenCV's Gaussian filter
computes a pixel in a vector lane or in the scalar tail of a row according to its column's place
in the row, with sums rounded differently; aligned windows keep every column's place."""


def _impulses(shape: tuple[int, int], n: int, rng: np.random.Generator, cluster: float = 0.0,
              spread: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """`n` unit impulses at random pixels, as pixel indices (m, 2) (row, column; those inside
    the frame) and weights (m,) float32; with `cluster` > 0 each impulse is the seed of a cluster
    of 1 + Poisson(`cluster`) impulses within `spread` px of it."""
    h, w = shape
    if n == 0:
        return np.zeros((0, 2), int), np.zeros(0, np.float32)
    seeds = rng.uniform((0, 0), (h, w), (n, 2))
    if cluster > 0:
        seeds = np.repeat(seeds, 1 + rng.poisson(cluster, n), axis=0)
        seeds += rng.normal(0.0, spread, seeds.shape) * (np.arange(len(seeds)) > 0)[:, None]
    ij = np.floor(seeds).astype(int)
    ok = (ij[:, 0] >= 0) & (ij[:, 0] < h) & (ij[:, 1] >= 0) & (ij[:, 1] < w)
    return ij[ok], rng.uniform(0.5, 1.0, ok.sum()).astype(np.float32)


def _windows(shape: tuple[int, int], ij: np.ndarray, radius_px: float
             ) -> list[tuple[slice, slice]]:
    """Disjoint windows (rows, columns) of the frame holding, with room to spare, every blob of
    radius up to `radius_px` about the pixels `ij` (:func:`_blob`): each pixel's box, its left
    edge aligned to :data:`ALIGN`, merged with every box it meets. Blobs blurred window by window
    are those of the whole frame, bit for bit, and zero outside the windows."""
    h, w = shape
    margin = 2 * (int(np.ceil(4 * _sigma(radius_px))) + 1) + ALIGN
    out: list[list[int]] = []
    for i, j in ij.tolist():
        box = [max(i - margin, 0), min(i + margin + 1, h),
               max(j - margin, 0) // ALIGN * ALIGN, min(j + margin + 1, w)]
        while hit := [b for b in out if b[0] < box[1] and box[0] < b[1] and b[2] < box[3]
                      and box[2] < b[3]]:
            for b in hit:
                out.remove(b)
                box = [min(box[0], b[0]), max(box[1], b[1]), min(box[2], b[2]),
                       max(box[3], b[3])]
        out.append(box)
    return [(slice(a, b), slice(c, d)) for a, b, c, d in out]


def _paint(window: tuple[slice, slice], ij: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """A float32 map of the window holding the impulses `weight` at those of the frame's pixels
    `ij` that lie in it."""
    ys, xs = window
    out = np.zeros((ys.stop - ys.start, xs.stop - xs.start), np.float32)
    inside = ((ij[:, 0] >= ys.start) & (ij[:, 0] < ys.stop) & (ij[:, 1] >= xs.start)
              & (ij[:, 1] < xs.stop))
    np.add.at(out, (ij[inside, 0] - ys.start, ij[inside, 1] - xs.start), weight[inside])
    return out


def _sigma(radius_px: float) -> float:
    """σ of the Gaussian of a blob of `radius_px` (:func:`_blob`)."""
    return max(radius_px / 2.0, 0.3)


def _blob(impulses: np.ndarray, radius_px: float) -> np.ndarray:
    """Impulses spread into round blobs of about `radius_px` px, peak about the impulse's
    weight (a Gaussian of σ = radius / 2, scaled to a unit peak)."""
    sigma = _sigma(radius_px)
    return cv2.GaussianBlur(impulses, (0, 0), sigma) * np.float32(2 * np.pi * sigma ** 2)


def _count(per_1000: float, shape: tuple[int, int], pixel_size: float,
           rng: np.random.Generator) -> int:
    """Poisson number of items at density `per_1000` per 1000 µm² of the frame."""
    return int(rng.poisson(per_1000 * shape[0] * shape[1] * pixel_size ** 2 / 1e3))


def deposit(density: np.ndarray, cfg: OpticsConfig, rng: np.random.Generator) -> None:
    """Add stain precipitate and the plasma film to the stain column densities `density`
    ((S, H, W), µm × concentration) in place; nothing with the slide effect off."""
    s, p = cfg.slide, cfg.frame.pixel_size
    if not s.enabled:
        return
    shape = density.shape[1:]
    n = _count(s.precipitate, shape, p, rng)
    if n:
        grains = _impulses(shape, n, rng, s.precipitate_cluster, 2 * s.precipitate_size / p)
        for window in _windows(shape, grains[0], s.precipitate_size / 2 / p):
            density[(STAINS.index("chromatin"),) + window] += s.precipitate_density * _blob(
                _paint(window, *grains), s.precipitate_size / 2 / p)
    if s.film > 0:
        film = _film(shape, s.film_scale / p, rng)
        np.clip(film, 0.0, None, out=film)
        film *= s.film
        density[STAINS.index("eosin")] += film


def _film(shape: tuple[int, int], scale_px: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth random field of unit standard deviation with patches about `scale_px` px:
    white noise on a grid of spacing ``scale_px / FILM_GRID``, smoothed there (σ: half a patch)
    and interpolated bicubically to the frame, one axis at a time (cheap: the blur runs on the
    coarse grid, the rows are interpolated on its few rows, and down the columns only the
    frame's columns, ``FILM_GRID`` grid cells in, are interpolated)."""
    step = scale_px / FILM_GRID
    gh, gw = (int(np.ceil(n / step)) + 2 * FILM_GRID for n in shape)
    coarse = cv2.GaussianBlur(rng.standard_normal((gh, gw)).astype(np.float32), (0, 0),
                              FILM_GRID / 2)
    off = int(FILM_GRID * step)
    rows = cv2.resize(coarse, (int(gw * step), gh),
                      interpolation=cv2.INTER_CUBIC)[:, off:off + shape[1]]
    fine = cv2.resize(rows, (shape[1], int(gh * step)),
                      interpolation=cv2.INTER_CUBIC)[off:off + shape[0]]
    return fine / max(float(fine.std()), 1e-6)


def specks(transmittance: np.ndarray, cfg: OpticsConfig, rng: np.random.Generator) -> None:
    """Darken the transmittance `transmittance` ((H, W, 3)) in place by grey dust specks and
    the rings of refractile specks; nothing with the slide effect off or no speck drawn."""
    s, p = cfg.slide, cfg.frame.pixel_size
    if not s.enabled:
        return
    shape = transmittance.shape[:2]
    dust, refractile = _count(s.dust, shape, p, rng), _count(s.refractile, shape, p, rng)
    if not dust + refractile:
        return
    size = s.speck_size / 2 / p
    dust, ring = _impulses(shape, dust, rng), _impulses(shape, refractile, rng)
    for window in _windows(shape, np.concatenate([dust[0], ring[0]]), REFRACTILE_RING * size):
        od = s.dust_density * _blob(_paint(window, *dust), size)
        rings = _paint(window, *ring)
        od += s.refractile_density * np.clip(_blob(rings, REFRACTILE_RING * size)
                                             - _blob(rings, size), 0.0, None)
        transmittance[window] *= np.power(np.float32(10.0), -od)[..., None]
