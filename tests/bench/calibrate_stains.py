"""Fit the stains' peak ODs so that spectral rendering keeps the first version's RGB colours.

The first, RGB-only version of smearsim was calibrated by eye and by mean colour against the PBC
reference (RBC about (208, 170, 170), nucleus (80, 35, 132) on (254, 228, 202)); its channel ODs
per µm at unit concentration are :data:`RGB_TARGET`. For each stain this script finds the
non-negative peak ODs of its spectral components (:data:`optics.spectra.MIXTURES`) whose spectral
transmittance, through the default lamp and camera, matches 10^(−ε_c D) at the column densities D
the default images contain (5th–95th percentile of non-zero values), and prints them in TOML.

Usage::

    python tests/bench/calibrate_stains.py --images 20
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
from scipy.optimize import least_squares

from export import load_config
from optics import spectra, stain
from optics.raster import rasterize
from sim import simulate
from sim.classes import STAINS

RGB_TARGET = {"haemoglobin": (0.040, 0.062, 0.036), "eosin": (0.08, 0.40, 0.17),
              "azure": (0.42, 0.30, 0.06), "chromatin": (0.24, 0.38, 0.09)}
"""Channel ODs per µm of the RGB-calibrated version against which the morphology was fitted to
the PBC reference (optics/config.py at b30ebb8…7f0d2a1)."""

FIXED = {("haemoglobin", 0): 0.26}
"""Peak ODs known from physics, not fitted: oxyhaemoglobin's Soret peak per µm of red cell at
unit concentration. A red cell holds MCH ≈ 30 pg of haemoglobin over ≈ 48 µm² (mean thickness
≈ 1.96 µm): 0.062 mg/cm² × 8.13 cm²/mg (524 280 cm⁻¹/M at 414 nm / 64 500 g/mol, Prahl 1999)
gives OD 0.50 at the Soret peak, 0.26 per µm."""


def densities(config, images: int) -> dict[str, np.ndarray]:
    """Column densities sampled at percentiles 5…95 of each stain's non-zero values."""
    found = {s: [] for s in STAINS}
    frame = config.optics.frame
    for i in range(images):
        scene = simulate(config.sim, frame.width * frame.pixel_size,
                         frame.height * frame.pixel_size, np.random.default_rng(i))
        d = rasterize(scene, frame).density
        for s, plane in zip(STAINS, d):
            found[s].append(plane[plane > 1e-3])
    return {s: np.percentile(np.concatenate(v), np.arange(5, 100, 10)) for s, v in found.items()
            if sum(map(len, v))}


def fit(config, stain: str, d: np.ndarray) -> np.ndarray:
    """Peak ODs of `stain`'s components that best match the target transmittances at `d`."""
    cfg = config.optics
    lam = spectra.grid()
    lamp = spectra.planck(lam, cfg.illumination.colour_temperature)
    signal = spectra.band_average(lamp * spectra.camera(lam, cfg.sensor.peaks, cfg.sensor.widths),
                                  cfg.stains.bands)
    w = signal / signal.sum(axis=1, keepdims=True)
    shift = cfg.stains.eosin_shift if stain == "eosin" else 0.0
    comps = spectra.band_average(np.stack([spectra.component(c, lam - shift)
                                           for c in spectra.MIXTURES[stain]]), cfg.stains.bands)
    target = 10.0 ** (-np.outer(d, RGB_TARGET[stain]))
    fixed = {i: v for (s, i), v in FIXED.items() if s == stain}
    free = [i for i in range(len(comps)) if i not in fixed]

    def full(x):
        a = np.zeros(len(comps))
        a[free] = x
        a[list(fixed)] = list(fixed.values())
        return a

    def residual(x):
        t = 10.0 ** (-np.outer(d, full(x) @ comps))      # (D, B)
        return (t @ w.T - target).ravel()

    return full(least_squares(residual, np.full(len(free), 0.1), bounds=(0, np.inf)).x)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--images", type=int, default=20)
    args = p.parse_args()
    config = load_config("pbc")
    config = replace(config, sim=replace(config.sim, population=replace(
        config.sim.population, white_cells=1.0)))
    for s, d in densities(config, args.images).items():
        a = fit(config, s, d)
        print(f"{s} = [{', '.join(f'{v:.4f}' for v in a)}]   # D {d[0]:.2f}–{d[-1]:.2f}")
        stains = replace(config.optics.stains, **{s: tuple(a)})
        optics = replace(config.optics, stains=stains)
        probe = np.zeros((len(STAINS), 1, 3), np.float32)
        probe[STAINS.index(s), 0] = d[[0, 5, 9]]
        bg = np.array(config.optics.illumination.background) * 255
        got = stain.transmittance(probe, optics)[0] * bg
        want = 10.0 ** (-np.outer(d[[0, 5, 9]], RGB_TARGET[s])) * bg
        for di, g, t in zip(d[[0, 5, 9]], got, want):
            print(f"    D {di:.2f}: spectral {np.round(g).astype(int)}  RGB target "
                  f"{np.round(t).astype(int)}")


if __name__ == "__main__":
    main()
