"""Blur by the objective: scalar diffraction PSF with defocus, per wavelength band.

The amplitude PSF is the Fourier transform of the pupil: a disc of radius NA/λ in spatial
frequency carrying the defocus phase 2π Δz (√((n/λ)² − f²) − n/λ) of the angular spectrum
(exact scalar defocus at high NA; J. W. Goodman, Introduction to Fourier Optics, 3rd ed., §3.10
and §6.4; M. Born, E. Wolf, Principles of Optics, 7th ed., §8.8). The intensity PSF is its
squared modulus: the image is treated as incoherent, as for a condenser aperture matched to the
objective (Born & Wolf §10.5). PSFs are computed at three times the pixel rate (so that the band
limit 2 NA/λ is not aliased), integrated over the pixel, normalised to sum 1.

Each band b has its own PSF, defocused further by the axial chromatic focal shift Δz(λ); a colour
channel's kernel is the mean of its bands' PSFs weighted by their share of the channel's signal
under the lamp (exact for specimens whose transmittance varies little within a channel).
Convolution is by FFT (OpenCV's DFT) with the borders mirrored, tile by tile (overlap-save):
each tile is transformed with a margin of the kernel radius, so the cost per pixel and the memory
stay those of a small transform whatever the size of the frame.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from optics import stain
from optics.config import OpticsConfig, Psf
from optics.illumination import field_coordinates

OVERSAMPLE = 3
"""PSF samples per pixel side before integration over the pixel (odd: the centre sample is the
centre of the centre pixel)."""

PUPIL_SAMPLES = 48
"""Least number of frequency samples across the pupil diameter."""

ENERGY = 0.995
"""Fraction of the light in the computed window (:func:`kernel_size`) that the cropped kernel
keeps. In focus the window itself holds about 98 % of the PSF's light (NA 1.25, 550 nm, 0.1 µm
pixels); the rest is the faint far Airy rings."""

BLOCK = 512
"""Side of the DFT of one tile of the convolution, px (tile plus its two margins)."""

ONE_PIECE = 1024
"""Largest side of a DFT of the whole frame plus its margins, px: a frame that fits is convolved
in one piece. Below this size the margins of 512 px tiles cost more than the larger transform
(a 640 × 480 ``field`` frame: 21.6 ms in 2 × 2 tiles, 10.3 ms in one piece); above it the tiles
are faster (a 2048² frame: 162 ms in 512 px tiles, 264 ms in 1024 px ones) and keep the
transforms' memory small."""


def focal_shift(cfg: Psf, wavelength: np.ndarray) -> np.ndarray:
    """Axial chromatic focal shift, µm: `shift` × ((λ − 550 nm) / 150 nm)², a parabolic
    secondary spectrum with its vertex at 550 nm (zero when the effect is off)."""
    if not cfg.chromatic.enabled:
        return np.zeros_like(wavelength, dtype=float)
    return cfg.chromatic.shift * ((np.asarray(wavelength) - 550.0) / 150.0) ** 2


def point_spread(na: float, n: float, wavelength: float, defocus: float, pixel_size: float,
                 size: int) -> np.ndarray:
    """Intensity PSF on a `size` × `size` pixel grid (odd `size`), float64, summing to 1.

    The pupil is sampled on the frequency grid of an ``m`` × ``m`` discrete Fourier transform,
    ``m`` = ``full`` × :data:`OVERSAMPLE` (``full`` ≥ `size` pixels, enough for
    :data:`PUPIL_SAMPLES` samples across the pupil); only the kernel's own output samples of
    that transform are computed. The pupil function depends on |f| alone, so it is even in both
    frequency axes and the transform is a cosine sum over its non-negative quadrant: two matrix
    products per real and imaginary part (OpenCV's gemm, which keeps to the one thread a worker
    allows), evaluated at the non-negative sample offsets and mirrored. The values are those of
    the full 2-D transform (to rounding, 1e-15 of the peak), at a small part of its cost.

    Parameters
    ----------
    na, n
        Numerical aperture and refractive index of the immersion medium.
    wavelength
        Vacuum wavelength, nm.
    defocus
        Distance of the object from the focal plane, µm.
    pixel_size
        Pixel size on the specimen, µm.
    size
        Kernel side in pixels.
    """
    lam = wavelength * 1e-3
    # enough pupil samples for an accurate transform: the grid covers at least PUPIL_SAMPLES
    # samples across the pupil radius NA/λ
    half = PUPIL_SAMPLES * lam / (2 * na * pixel_size)
    m = max(size, 2 * int(np.ceil(half)) + 1) * OVERSAMPLE
    df = OVERSAMPLE / (m * pixel_size)                  # frequency step, 1/µm
    k = np.arange(int(np.floor(na / lam / df)) + 1)     # frequency samples ≥ 0 in the pupil
    f2 = (k[:, None] ** 2 + k[None, :] ** 2) * df * df
    wave = n / lam
    phase = 2 * np.pi * defocus * (np.sqrt(np.maximum(wave * wave - f2, 0.0)) - wave)
    inside = f2 <= (na / lam) ** 2
    # non-negative sample offsets from the centre (OVERSAMPLE per pixel, the centre sample at the
    # centre of the centre pixel); cosine of the transform's phase, reduced mod m exactly
    o = np.arange(OVERSAMPLE * size // 2 + 1)
    c = np.cos((2 * np.pi / m) * (np.outer(o, k) % m))
    c[:, 1:] *= 2.0                                     # ±k fold onto k > 0
    re, im = (cv2.gemm(cv2.gemm(c, inside * part(phase), 1, None, 0), c, 1, None, 0,
                       flags=cv2.GEMM_2_T) for part in (np.cos, np.sin))
    quarter = re * re + im * im
    rows = np.concatenate([quarter[:0:-1], quarter])
    intensity = np.concatenate([rows[:, :0:-1], rows], axis=1)
    binned = intensity.reshape(size, OVERSAMPLE, size, OVERSAMPLE).sum(axis=(1, 3))
    return binned / binned.sum()


def kernel_size(na: float, n: float, wavelength: float, defocus: float, pixel_size: float) -> int:
    """Odd kernel side (px) holding the PSF: the larger of eight Airy radii and twice the
    geometric blur radius |Δz| NA / √(n² − NA²), doubled for the window."""
    airy = 0.61 * wavelength * 1e-3 / na
    geometric = abs(defocus) * na / np.sqrt(n * n - na * na)
    radius = max(8 * airy, 2 * geometric) / pixel_size
    return 2 * int(np.ceil(radius)) + 1


def _crop(k: np.ndarray) -> np.ndarray:
    """Smallest centred square keeping :data:`ENERGY` of the kernel, renormalised to sum 1."""
    c = k.shape[0] // 2
    for r in range(1, c + 1):
        part = k[c - r:c + r + 1, c - r:c + r + 1]
        if part.sum() >= ENERGY:
            break
    return part / part.sum()


@lru_cache(maxsize=32)
def kernels(cfg: OpticsConfig, defocus: float) -> np.ndarray:
    """Per-channel kernels (3, K, K), float32, each summing to 1, at object defocus `defocus`."""
    t = stain.tables(cfg)
    p, psf = cfg.frame.pixel_size, cfg.psf
    dz = defocus + focal_shift(psf, t.centres)
    size = max(kernel_size(psf.na, psf.immersion, lam, z, p) for lam, z in zip(t.centres, dz))
    bands = np.stack([point_spread(psf.na, psf.immersion, lam, z, p, size)
                      for lam, z in zip(t.centres, dz)])
    channel = np.einsum("cb,bij->cij", t.weights.astype(np.float64), bands)
    size = max(_crop(k).shape[0] for k in channel)
    c, r = channel.shape[1] // 2, size // 2
    channel = channel[:, c - r:c + r + 1, c - r:c + r + 1]
    return (channel / channel.sum(axis=(1, 2), keepdims=True)).astype(np.float32)


def _tiles(n: int, r: int) -> tuple[range, int, int]:
    """Tiling of an axis of `n` px for kernels of radius `r` px: tile starts, tile length and DFT
    length (the whole axis if its DFT is at most :data:`ONE_PIECE`, else tiles whose DFT, tile plus
    both margins, is :data:`BLOCK` unless the kernel needs more; even: OpenCV's real DFT is
    markedly faster on even sizes)."""
    size = 2 * cv2.getOptimalDFTSize(-(-(n + 2 * r) // 2))
    block = max(BLOCK, 2 * cv2.getOptimalDFTSize(2 * r + 1))
    if size <= max(block, ONE_PIECE):
        return range(0, n, n), n, size
    return range(0, n, block - 2 * r), block - 2 * r, block


# each image has its own focus error (optics.variation), about 21 values in all: with the 16
# most recently used kept, about 4 % of images (beyond each value's first) recompute their
# spectra; an entry is a frame of spectra (4.7 MB for `field`), so keeping all would cost 100 MB
@lru_cache(maxsize=16)
def _spectra(cfg: OpticsConfig, defocus: float, shape: tuple[int, int]) -> list[np.ndarray]:
    """OpenCV DFTs (packed real format, float32, `shape`) of the three channel kernels, centred
    on the origin of a `shape` grid."""
    k = kernels(cfg, defocus)
    r = k.shape[1] // 2
    grid = np.zeros((3,) + shape, np.float32)
    grid[:, :k.shape[1], :k.shape[2]] = k
    return [cv2.dft(g) for g in np.roll(grid, (-r, -r), axis=(1, 2))]


def _convolve(image: np.ndarray, cfg: OpticsConfig, defocus: tuple[float, ...]
              ) -> list[np.ndarray]:
    """Convolve each channel of (H, W, 3) `image` with its kernel at each of the `defocus` values
    (borders mirrored), by FFT, tile by tile (see :func:`_tiles`): each tile is transformed once
    whatever the number of kernels."""
    h, w = image.shape[:2]
    r = max(kernels(cfg, dz).shape[1] // 2 for dz in defocus)
    (rows, th, ny), (cols, tw, nx) = _tiles(h, r), _tiles(w, r)
    spectra = [_spectra(cfg, dz, (ny, nx)) for dz in defocus]
    out = [np.empty_like(image) for _ in defocus]
    buf = np.zeros((ny, nx), np.float32)
    inverse = cv2.DFT_INVERSE | cv2.DFT_REAL_OUTPUT | cv2.DFT_SCALE
    for y0 in rows:
        y1, a, b = min(y0 + th, h), max(y0 - r, 0), min(y0 + th + r, h)
        for x0 in cols:
            x1, c, d = min(x0 + tw, w), max(x0 - r, 0), min(x0 + tw + r, w)
            # the tile and its margins, mirrored where they reach past the frame
            window = cv2.copyMakeBorder(image[a:b, c:d], a - y0 + r, min(y1 + r, h + r) - b,
                                        c - x0 + r, min(x1 + r, w + r) - d, cv2.BORDER_REFLECT)
            wh, ww = window.shape[:2]
            buf[wh:], buf[:, ww:] = 0.0, 0.0
            for ch in range(3):
                buf[:wh, :ww] = window[..., ch]
                f = cv2.dft(buf)
                for o, spec in zip(out, spectra):
                    plane = cv2.dft(cv2.mulSpectrums(f, spec[ch], 0), flags=inverse)
                    o[y0:y1, x0:x1, ch] = plane[r:r + y1 - y0, r:r + x1 - x0]
    return out


def blur(image: np.ndarray, cfg: OpticsConfig, error: float = 0.0) -> np.ndarray:
    """Convolve an (H, W, 3) irradiance image with the PSF.

    The specimen lies at Δz₀ = ``psf.defocus`` + `error` (µm; `error` is the image's focus error,
    :mod:`optics.variation`) from the focal plane. With field curvature on, defocus grows as
    Δz₀ + sag · r² (r = distance from the centre over the half-diagonal, the Petzval
    paraboloid); the image is blurred at defocus Δz₀, Δz₀ + sag/2 and Δz₀ + sag and blended
    linearly in r² between them.
    """
    psf = cfg.psf
    if not psf.enabled:
        return image
    z0 = psf.defocus + error
    if not psf.curvature.enabled:
        return _convolve(image, cfg, (z0,))[0]
    y, x = field_coordinates(*image.shape[:2])
    s = 2.0 * (y[:, None] ** 2 + x[None, :] ** 2)          # 0 at the centre, 2 at the corners
    levels = tuple(z0 + 0.5 * i * psf.curvature.sag for i in range(3))
    out = np.zeros_like(image)
    for i, blurred in enumerate(_convolve(image, cfg, levels)):
        out += np.clip(1.0 - np.abs(s - i), 0.0, 1.0)[..., None] * blurred
    return out
