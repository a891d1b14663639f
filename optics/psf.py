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
Convolution is by FFT (scipy.fft, one thread), with the borders mirrored.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np
from scipy import fft as sp_fft

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


def focal_shift(cfg: Psf, wavelength: np.ndarray) -> np.ndarray:
    """Axial chromatic focal shift, µm: `shift` × ((λ − 550 nm) / 150 nm)², a parabolic
    secondary spectrum with its vertex at 550 nm (zero when the effect is off)."""
    if not cfg.chromatic.enabled:
        return np.zeros_like(wavelength, dtype=float)
    return cfg.chromatic.shift * ((np.asarray(wavelength) - 550.0) / 150.0) ** 2


def point_spread(na: float, n: float, wavelength: float, defocus: float, pixel_size: float,
                 size: int) -> np.ndarray:
    """Intensity PSF on a `size` × `size` pixel grid (odd `size`), float64, summing to 1.

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
    # enough pupil samples for an accurate transform: the grid covers at least PUPIL_SAMPLES
    # samples across the pupil radius NA/λ
    half = PUPIL_SAMPLES * wavelength * 1e-3 / (2 * na * pixel_size)
    full = max(size, 2 * int(np.ceil(half)) + 1)
    m = full * OVERSAMPLE
    f = np.fft.fftfreq(m, d=pixel_size / OVERSAMPLE)
    f2 = f[:, None] ** 2 + f[None, :] ** 2
    k = n / (wavelength * 1e-3)
    pupil = f2 <= (na / (wavelength * 1e-3)) ** 2
    phase = 2 * np.pi * defocus * (np.sqrt(np.maximum(k * k - f2, 0.0)) - k)
    amp = np.fft.ifft2(pupil * np.exp(1j * phase))
    intensity = np.fft.fftshift(np.abs(amp) ** 2)
    binned = intensity.reshape(full, OVERSAMPLE, full, OVERSAMPLE).sum(axis=(1, 3))
    c, r = full // 2, size // 2
    binned = binned[c - r:c + r + 1, c - r:c + r + 1]
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


@lru_cache(maxsize=8)
def _spectra(cfg: OpticsConfig, defocus: float, shape: tuple[int, int]) -> np.ndarray:
    """Real-FFT spectra (3, shape[0], shape[1] // 2 + 1) of the channel kernels, centred on the
    origin of a `shape` grid."""
    k = kernels(cfg, defocus)
    r = k.shape[1] // 2
    grid = np.zeros((3,) + shape, np.float32)
    grid[:, :k.shape[1], :k.shape[2]] = k
    return sp_fft.rfft2(np.roll(grid, (-r, -r), axis=(1, 2)), workers=1)


def _convolve(image: np.ndarray, cfg: OpticsConfig, defocus: tuple[float, ...]
              ) -> list[np.ndarray]:
    """Convolve each channel of (H, W, 3) `image` with its kernel at each of the `defocus` values
    (borders mirrored), by FFT: the image is transformed once whatever the number of kernels."""
    h, w = image.shape[:2]
    r = max(kernels(cfg, dz).shape[1] // 2 for dz in defocus)
    padded = cv2.copyMakeBorder(image, r, r, r, r, cv2.BORDER_REFLECT)
    shape = (sp_fft.next_fast_len(h + 2 * r, real=True), sp_fft.next_fast_len(w + 2 * r, real=True))
    f = sp_fft.rfft2(np.ascontiguousarray(padded.transpose(2, 0, 1)), s=shape, workers=1)
    out = []
    for dz in defocus:
        planes = sp_fft.irfft2(f * _spectra(cfg, dz, shape), s=shape, workers=1)
        out.append(cv2.merge(list(planes[:, r:r + h, r:r + w])))
    return out


def blur(image: np.ndarray, cfg: OpticsConfig) -> np.ndarray:
    """Convolve an (H, W, 3) irradiance image with the PSF.

    With field curvature on, defocus grows as Δz₀ + sag · r² (r = distance from the centre over
    the half-diagonal, the Petzval paraboloid); the image is blurred at defocus Δz₀, Δz₀ + sag/2
    and Δz₀ + sag and blended linearly in r² between them.
    """
    psf = cfg.psf
    if not psf.enabled:
        return image
    if not psf.curvature.enabled:
        return _convolve(image, cfg, (psf.defocus,))[0]
    y, x = field_coordinates(*image.shape[:2])
    s = 2.0 * (y[:, None] ** 2 + x[None, :] ** 2)          # 0 at the centre, 2 at the corners
    levels = tuple(psf.defocus + 0.5 * i * psf.curvature.sag for i in range(3))
    out = np.zeros_like(image)
    for i, blurred in enumerate(_convolve(image, cfg, levels)):
        out += np.clip(1.0 - np.abs(s - i), 0.0, 1.0)[..., None] * blurred
    return out
