"""Spectra: stain absorption, the lamp, the camera's colour sensitivities, on wavelength bands.

Everything spectral is sampled on a 1 nm grid from :data:`LO` to :data:`HI` and averaged over
``n`` equal bands, the resolution at which Beer–Lambert is applied. Absorption spectra are sums
of Gaussian bands placed at the published peak wavelengths with the published relative heights
(:data:`COMPONENTS`); each component is normalised to a peak of 1, and the configuration gives its
peak optical density per µm.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.classes import STAINS

LO, HI = 400.0, 700.0
"""Wavelength range of the bands, nm (the visible range the camera's IR-cut filter passes)."""

H_PLANCK, C_LIGHT, K_BOLTZMANN = 6.62607015e-34, 2.99792458e8, 1.380649e-23
"""Planck constant (J s), speed of light (m/s), Boltzmann constant (J/K): SI 2019 exact values."""

COMPONENTS: dict[str, tuple[tuple[float, float, float], ...]] = {
    # Eosin Y: maximum 517 nm with a vibronic shoulder near 490 nm of about a third of its height.
    # PhotochemCAD spectrum of eosin Y in water (M. Taniguchi, J. S. Lindsey, Photochem. Photobiol.
    # 94:290, 2018); R. W. Horobin, J. A. Kiernan, Conn's Biological Stains, 10th ed. 2002
    # (λmax 515–518 nm).
    "eosin_y": ((517.0, 14.0, 1.0), (489.0, 16.0, 0.33)),
    # Azure B: monomer maximum 648 nm, dimer/vibronic shoulder near 590–600 nm at about half of it.
    # Conn's Biological Stains (λmax 648 nm); D. Wittekind, Clin. Lab. Haematol. 5:247, 1983.
    "azure_b": ((648.0, 20.0, 1.0), (595.0, 24.0, 0.45)),
    # Azure B stacked on polyanions (RNA, DNA): the dimer band, blue-shifted by about 50 nm from
    # the monomer, takes over (metachromasia; methylene blue dimer 605 nm vs monomer 664 nm,
    # E. Rabinowitch, L. F. Epstein, J. Am. Chem. Soc. 63:69, 1941).
    "azure_b_dimer": ((597.0, 26.0, 1.0),),
    # Azure B–eosin Y complex bound to DNA (the Romanowsky–Giemsa purple): one broad band near
    # 550 nm. R. W. Horobin, K. J. Walter, Histochemistry 86:331, 1987; Wittekind 1983.
    "azure_eosin": ((552.0, 30.0, 1.0),),
    # Oxyhaemoglobin, fitted to S. Prahl's tabulation (Oregon Medical Laser Center, 1999, after
    # W. B. Gratzer and N. Kollias; 524 280 cm⁻¹/M at 414 nm, Q bands 53 236 and 55 540 at 542
    # and 576 nm) by least squares on 61 points 400-700 nm, within 8 % of the curve to 600 nm
    # (0.0005 of the peak beyond): a Soret band with its violet shoulder, the continuum between the Soret
    # and Q bands (0.085 of the peak at 460 nm, 0.040 at 500 nm, which the blue channel sees),
    # and the two Q bands.
    "oxyhaemoglobin": ((416.3, 9.1, 0.672), (401.8, 27.5, 0.320), (451.1, 67.2, 0.0506),
                       (542.4, 12.8, 0.0805), (576.1, 8.3, 0.0926)),
}
"""Gaussian bands (centre nm, σ nm, relative height) of each absorbing component."""

MIXTURES: dict[str, tuple[str, ...]] = {
    "haemoglobin": ("oxyhaemoglobin", "eosin_y", "azure_eosin", "azure_b"),
    "eosin": ("eosin_y",),
    "azure": ("azure_b", "azure_b_dimer"),
    "chromatin": ("azure_eosin", "azure_b"),
}
"""Components of each stain of :data:`sim.classes.STAINS`: red cells take up eosin, and a little
azure B–eosin complex and azure B, besides their own haemoglobin (the mauve tint of MGG-stained
red cells, reference README; without azure B the fit cannot reach their red-channel OD, which is
0.65 of the green one in the PBC reference); RNA binds azure B
as monomer and stacked dimer; DNA binds the azure B–eosin complex and some free azure B
(Horobin & Walter 1987).
"""

if set(MIXTURES) != set(STAINS):
    raise ImportError(f"optics.spectra.MIXTURES names {sorted(MIXTURES)}; every stain of "
                      f"sim.classes.STAINS {list(STAINS)} needs exactly one mixture")


def grid() -> np.ndarray:
    """The 1 nm sampling grid, nm."""
    return np.arange(LO, HI + 0.5, 1.0)


def component(name: str, wavelength: np.ndarray) -> np.ndarray:
    """Absorbance of component `name` at `wavelength` (nm), relative to its main peak."""
    return sum(h * np.exp(-0.5 * ((wavelength - c) / s) ** 2) for c, s, h in COMPONENTS[name])


def component_bands(name: str, n: int) -> np.ndarray:
    """Absorbance of component `name` relative to its main peak, averaged over `n` bands (n,)."""
    return band_average(component(name, grid()), n).astype(np.float32)


def planck(wavelength: np.ndarray, temperature: float) -> np.ndarray:
    """Black-body spectral radiance at `wavelength` (nm) and `temperature` (K), relative to 560 nm.

    B(λ, T) ∝ λ⁻⁵ / (exp(hc / λkT) − 1) (Planck's law); a halogen lamp is close to a black body at
    its colour temperature, 2800–3400 K.
    """
    lam = np.asarray(wavelength) * 1e-9
    b = lam ** -5 / np.expm1(H_PLANCK * C_LIGHT / (lam * K_BOLTZMANN * temperature))
    ref = 560e-9 ** -5 / np.expm1(H_PLANCK * C_LIGHT / (560e-9 * K_BOLTZMANN * temperature))
    return b / ref


def camera(wavelength: np.ndarray, peaks: tuple[float, ...], widths: tuple[float, ...]
           ) -> np.ndarray:
    """Relative spectral sensitivity of the R, G, B channels, shape (3, len(wavelength)).

    Gaussian approximations of measured colour-camera curves (J. Jiang, D. Liu, J. Gu,
    S. Süsstrunk, "What is the space of spectral sensitivity functions for digital color
    cameras?", WACV 2013: peaks near 600, 530 and 460 nm), IR-cut filter included.
    """
    return np.stack([np.exp(-0.5 * ((wavelength - p) / w) ** 2) for p, w in zip(peaks, widths)])


def band_average(values: np.ndarray, n: int) -> np.ndarray:
    """Average samples on :func:`grid` (last axis) over `n` equal bands."""
    lam = grid()
    # in whole nanometres, exactly: a band of at least 1 nm always holds a sample (the float
    # formula (λ − LO) / (HI − LO) · n left band 299 of 300 empty: a division by zero)
    idx = np.minimum((lam - LO).astype(int) * n // int(HI - LO), n - 1)
    counts = np.bincount(idx, minlength=n)
    flat = values.reshape(-1, lam.size)
    out = np.stack([np.bincount(idx, weights=row, minlength=n) / counts for row in flat])
    return out.reshape(values.shape[:-1] + (n,))


def centres(n: int) -> np.ndarray:
    """Centre wavelengths of `n` equal bands, nm."""
    return LO + (np.arange(n) + 0.5) * (HI - LO) / n


@dataclass(frozen=True)
class Bands:
    """Everything Beer–Lambert and the PSF need on `n` bands.

    Attributes
    ----------
    centres
        Band centres, nm, shape (B,).
    extinction
        Optical density per µm at unit concentration of each stain, shape (S, B).
    weights
        Share of each band in each camera channel's signal under the lamp, rows summing to 1,
        shape (3, B).
    raw_white
        Raw camera response to the bare lamp per channel, the largest 1, shape (3,).
    """

    centres: np.ndarray
    extinction: np.ndarray
    weights: np.ndarray
    raw_white: np.ndarray

    def rgb_extinction(self) -> np.ndarray:
        """OD per µm in the R, G, B channels in the thin-stain limit, shape (S, 3).

        For small column densities T_c = Σ_b w_cb 10^(−ε_b D) ≈ 10^(−D Σ_b w_cb ε_b), so the
        channel OD is the weight-averaged band OD: the fast RGB mode uses this.
        """
        return self.extinction @ self.weights.T


def stain_spectra(amplitudes: dict[str, tuple[float, ...]], wavelength: np.ndarray,
                  eosin_shift: float = 0.0) -> np.ndarray:
    """OD per µm of each stain of :data:`sim.classes.STAINS` (rows, in that order) at
    `wavelength`: its components (:data:`MIXTURES`) scaled by their peak ODs (`amplitudes`, by
    stain name, one per component), those of the ``eosin`` stain (eosin Y bound to protein)
    moved `eosin_shift` nm to the red."""
    for s in STAINS:
        if len(amplitudes[s]) != len(MIXTURES[s]):
            raise ValueError(f"stain {s!r} has {len(MIXTURES[s])} components {MIXTURES[s]}; "
                             f"got {len(amplitudes[s])} peak ODs")
    return np.stack([sum(a * component(c, wavelength - (eosin_shift if s == "eosin" else 0.0))
                         for a, c in zip(amplitudes[s], MIXTURES[s]))
                     for s in STAINS])


@lru_cache(maxsize=16)
def bands(n: int, amplitudes: tuple[tuple[float, ...], ...], temperature: float | None,
          peaks: tuple[float, ...], widths: tuple[float, ...], eosin_shift: float = 0.0) -> Bands:
    """Band tables for `n` bands.

    Parameters
    ----------
    n
        Number of bands between :data:`LO` and :data:`HI`.
    amplitudes
        Peak OD per µm of each component, per stain in the order of :data:`sim.classes.STAINS`.
    temperature
        Lamp colour temperature, K; None for an equal-energy (white) lamp.
    peaks, widths
        Camera channel sensitivity peaks and Gaussian σ, nm.
    eosin_shift
        Red shift of the eosin Y bands in the ``eosin`` stain (dye bound to protein), nm.
    """
    lam = grid()
    lamp = np.ones_like(lam) if temperature is None else planck(lam, temperature)
    ext = band_average(stain_spectra(dict(zip(STAINS, amplitudes, strict=True)), lam, eosin_shift), n)
    signal = band_average(lamp * camera(lam, peaks, widths), n)
    raw = signal.sum(axis=1)
    return Bands(centres=centres(n), extinction=ext.astype(np.float32),
                 weights=(signal / raw[:, None]).astype(np.float32), raw_white=raw / raw.max())
