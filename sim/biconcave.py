"""The biconcave red cell: the Evans–Fung thickness profile and its peak.

E. Evans, Y.-C. Fung, "Improved measurements of the erythrocyte geometry", Microvasc. Res. 4:335–347,
1972. :mod:`sim.morphology` scales it to each red cell's peak thickness.
"""

from __future__ import annotations

import numpy as np

EVANS_FUNG_CENTRE = 0.81
"""Central thickness of a living red cell, µm (Evans & Fung 1972)."""

EVANS_FUNG_C2, EVANS_FUNG_C4 = 7.83, 4.39
"""Coefficients of ρ² and ρ⁴ in the Evans–Fung profile, µm (Evans & Fung 1972)."""


def evans_fung(rho: np.ndarray, centre: float = EVANS_FUNG_CENTRE) -> np.ndarray:
    """Biconcave red-cell thickness (µm) at relative radius `rho` (Evans & Fung 1972).

    T(ρ) = √(1−ρ²) (c + 7.83 ρ² − 4.39 ρ⁴) µm for a cell of diameter 7.82 µm, with
    c = 0.81 µm for living cells (E. Evans, Y.-C. Fung, Microvasc. Res. 4:335–347, 1972);
    `centre` replaces c for the flatter centre of air-dried smears.
    """
    r2 = np.multiply(rho, rho)
    np.minimum(r2, 1.0, out=r2)
    # √(1 − ρ²) (c + ρ² (C2 − C4 ρ²)), in place (a few temporaries fewer per red-cell pixel)
    poly = r2 * -EVANS_FUNG_C4
    poly += EVANS_FUNG_C2
    poly *= r2
    poly += centre
    np.subtract(1.0, r2, out=r2)
    np.sqrt(r2, out=r2)
    poly *= r2
    return poly


def _peak_u(centre: float) -> float:
    """ρ² at the peak of the Evans–Fung profile (see :func:`evans_fung_peak`)."""
    a, b, k = 5 * EVANS_FUNG_C4, 3 * EVANS_FUNG_C2 + 4 * EVANS_FUNG_C4, 2 * EVANS_FUNG_C2
    u = (b - np.sqrt(max(b * b - 4 * a * (k - centre), 0.0))) / (2 * a)
    return min(max(u, 0.0), 1.0 - 1e-9)


def evans_fung_peak(centre: float = EVANS_FUNG_CENTRE) -> float:
    """Peak of the Evans–Fung profile, µm (≈ 2.57 at ρ ≈ 0.7 for living cells).

    With u = ρ², T = √(1−u) P(u), P(u) = c + 7.83 u − 4.39 u²; dT/du = 0 gives
    2 (1−u) P′(u) = P(u), i.e. 21.95 u² − 41.05 u + 15.66 − c = 0, whose smaller root (clipped to
    [0, 1)) is the peak: closed form, so every cell may have its own `centre` at no cost.
    """
    u = _peak_u(centre)
    return float(np.sqrt(1.0 - u) * (centre + EVANS_FUNG_C2 * u - EVANS_FUNG_C4 * u * u))


def relative(rho: np.ndarray, centre: float, pallor: float = 0.0, edge: float = 0.06
             ) -> np.ndarray:
    """Red-cell thickness relative to its peak at relative radius `rho`.

    With `pallor` 0, the Evans–Fung profile of centre coefficient `centre` (the bowl of a living
    cell). Otherwise the air-dried cell: the same rim from the peak outwards, flat inside it
    but for a central pallor of relative radius `pallor` whose wall, a tanh step of half-width
    `edge` radii, falls to the same centre thickness. Dried red cells show a pallor with a
    bounded edge at about a third of their diameter (B. J. Bain, Blood Cells, 5th ed., Wiley
    2015, ch. 3), not a gradual bowl: the steepest rise of each PBC red cell's relative OD
    profile inside its peak is 2.19 per unit radius (quartiles 1.47-2.77), the Evans–Fung
    bowl's 1.90 (1.66-2.02) (tests/bench/rbc_profile.py).
    """
    peak = evans_fung_peak(centre)
    if pallor <= 0:
        return evans_fung(rho, centre) / peak
    rim = evans_fung(np.maximum(rho, np.float32(np.sqrt(_peak_u(centre)))), centre)
    # floor + (1 − floor) (1 + tanh((ρ − pallor) / edge)) / 2, in place
    half = 0.5 * (1.0 - centre / peak)
    wall = np.subtract(rho, pallor)
    wall *= 1.0 / edge
    np.tanh(wall, out=wall)
    wall *= half / peak
    wall += (1.0 - half) / peak
    wall *= rim
    return wall
