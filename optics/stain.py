"""Stain absorption by the Beer–Lambert law, in three broad colour bands.

T_c = 10^(−Σ_s ε_{s,c} · D_s) for band c, with D_s the column density of stain s (µm × relative
concentration) and ε_{s,c} its optical density per µm at unit concentration. Optical densities of
overlapping cells add, as the law requires.
"""

from __future__ import annotations

import numpy as np

from optics.config import Stains
from sim.classes import STAINS


def extinction(stains: Stains) -> np.ndarray:
    """ε as an array of shape (S, 3): OD per µm per stain and band."""
    return np.array([getattr(stains, s) for s in STAINS], dtype=np.float32)


def optical_density(density: np.ndarray, stains: Stains) -> np.ndarray:
    """Optical density (H, W, 3) of column densities `density` (S, H, W).

    Summed stain by stain rather than by a BLAS product, which would start threads of its own.
    """
    od = np.zeros(density.shape[1:] + (3,), dtype=np.float32)
    for d, eps in zip(density, extinction(stains)):
        od += d[..., None] * eps
    return od


def transmittance(density: np.ndarray, stains: Stains) -> np.ndarray:
    """Fraction of light transmitted (H, W, 3), float32 in (0, 1]."""
    return np.power(np.float32(10.0), -optical_density(density, stains)).astype(np.float32)
