"""Stain absorption by the Beer–Lambert law, per wavelength band or per colour channel.

Spectral mode: T_b = 10^(−Σ_s ε_{s,b} D_s) in every band b, with D_s the column density of stain
s (µm × relative concentration) and ε_{s,b} its band-averaged OD per µm (:mod:`optics.spectra`);
the camera then sees T_c = Σ_b w_{c,b} T_b in channel c, w being the band's share of the channel
signal under the lamp. RGB mode applies Beer–Lambert per channel with the thin-stain channel ODs
ε_{s,c} = Σ_b w_{c,b} ε_{s,b}, to which spectral mode tends as D → 0. Optical densities of
overlapping cells add, as the law requires.
"""

from __future__ import annotations

from functools import lru_cache

import cv2
import numpy as np

from optics import spectra
from optics.config import OpticsConfig
from optics.strips import strips
from sim.classes import STAINS

LN10 = float(np.log(10.0))

FREE_AZURE = {"haemoglobin": "azure_b", "chromatin": "azure_b"}
"""The component of a stain's mixture whose uptake varies from slide to slide, by stain: the
free azure B beside the stain's main dye, absorbing in the red. In red cells more of it turns
them grey-mauve, less leaves them pink (an alkaline buffer stains red cells grey-blue; B. J.
Bain, Blood Cells, 5th ed. 2015, ch. 1); in nuclei more of it beside the purple azure B–eosin
complex turns them blue-black, less leaves them purple (the complex's share of the DNA-bound
azure B depends on the buffer's pH and on how fast eosin enters the chromatin; R. W. Horobin,
J. Microsc. 244:1, 2011)."""


def tables(cfg: OpticsConfig) -> spectra.Bands:
    """Band tables for the stains, lamp and camera of `cfg`."""
    s, ill = cfg.stains, cfg.illumination
    return spectra.bands(s.bands, tuple(getattr(s, name) for name in STAINS),
                         ill.colour_temperature if ill.enabled else None,
                         cfg.sensor.peaks, cfg.sensor.widths, s.eosin_shift)


@lru_cache(maxsize=16)
def _extinction(cfg: OpticsConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What Beer–Lambert is applied with: OD per µm of each stain (S, B) on the B bands (the
    three channels in RGB mode), each band's share of each channel (3, B), and the part of each
    stain's row that is its free azure (:data:`FREE_AZURE`; zero for the others), (S, B)."""
    t = tables(cfg)
    azure = np.zeros((len(STAINS), cfg.stains.bands), np.float32)
    for name, component in FREE_AZURE.items():
        peak = getattr(cfg.stains, name)[spectra.MIXTURES[name].index(component)]
        azure[STAINS.index(name)] = peak * spectra.component_bands(component, cfg.stains.bands)
    if cfg.stains.mode == "rgb":
        return t.rgb_extinction(), np.eye(3, dtype=np.float32), azure @ t.weights.T
    return t.extinction, t.weights, azure


def _matrices(ext: np.ndarray, weights: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """cv2.transform matrices, bands in groups of four: density → −ln 10 × OD per band, and
    per-band transmittance → channel (a fourth, zero row pads the output to four channels)."""
    n = -(-ext.shape[1] // 4) * 4
    ext = np.pad(ext, ((0, 0), (0, n - ext.shape[1])))
    weights = np.pad(weights, ((0, 1), (0, n - weights.shape[1])))
    to_od = [np.ascontiguousarray(-LN10 * ext[:, g:g + 4].T, dtype=np.float32)
             for g in range(0, n, 4)]
    to_rgb = [np.ascontiguousarray(weights[:, g:g + 4], dtype=np.float32) for g in range(0, n, 4)]
    return to_od, to_rgb


def transmittance(density: np.ndarray, cfg: OpticsConfig, scale: np.ndarray | None = None,
                  azure: np.ndarray | None = None) -> np.ndarray:
    """Fraction of light transmitted in each camera channel, float32 (H, W, 3) in (0, 1].

    Parameters
    ----------
    density
        Column density of each stain of :data:`sim.classes.STAINS`, µm × concentration,
        shape (S, H, W) with S ≤ 4 (one OpenCV pixel holds at most four channels).
    cfg
        Optics configuration (stains, lamp, camera sensitivities).
    scale
        Factor on the density of each stain, shape (S,) (a slide stained more or less strongly,
        :mod:`optics.variation`); None for 1.
    azure
        Factor on the free azure of each stain (:data:`FREE_AZURE`: red cells and nuclei that
        took up more or less of it, :mod:`optics.variation`), shape (S,); None for 1.
    """
    h, w = density.shape[1:]
    out = np.empty((h, w, 3), np.float32)
    ext, weights, free = _extinction(cfg)
    if azure is not None:
        ext = ext + (np.asarray(azure, float) - 1.0).astype(np.float32)[:, None] * free
    if scale is not None:
        ext = ext * np.asarray(scale, np.float32)[:, None]
    to_ods, to_rgbs = _matrices(ext, weights)
    for rows in strips(h, w):
        stack = cv2.merge(list(density[:, rows]))
        total = None
        for to_od, to_rgb in zip(to_ods, to_rgbs):
            part = cv2.transform(cv2.exp(cv2.transform(stack, to_od)), to_rgb)
            total = part if total is None else cv2.add(total, part, dst=total)
        out[rows] = cv2.cvtColor(total, cv2.COLOR_BGRA2BGR)
    return out


def optical_density(density: np.ndarray, cfg: OpticsConfig) -> np.ndarray:
    """Apparent optical density −log10 T per channel, float32 (H, W, 3)."""
    return -np.log10(transmittance(density, cfg))
