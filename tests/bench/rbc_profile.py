"""Radial optical-density profile of isolated red cells: real images against synthetic ones.

Usage (from the project root)::

    python tests/bench/rbc_profile.py --real ../shared/reference/pbc --preset pbc --count 60

Isolated red cells are the round (solidity ≥ 0.97), stain-only (no nuclear pixels) components of
the foreground (OD sum > 0.06, holes filled) of 60–100 px equivalent diameter that do not touch the
border; each one's OD sum is averaged in rings of 0.05 of its equivalent radius. Prints the median
profile (relative to each cell's peak), the centre / peak ratio (pallor depth), where the peak lies,
the width of the falling edge from 80 % to 20 % of the peak in pixels (how crisp the outline
is), and each cell's steepest rise inside its peak per unit relative radius (how sharp the
pallor's wall is: the median profile averages walls at different radii into a smooth bowl). Both sides go through :func:`export.realism.segmentation.relative_od`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from scipy import ndimage

from export import load_config, make_image
from export.realism.segmentation import relative_od

BINS = np.arange(0.0, 1.4001, 0.05)


def cell_profiles(rgb: np.ndarray, sizes: tuple[float, float] = (60, 100)) -> list[np.ndarray]:
    """Radial OD-sum profiles (one row per isolated red cell, bins of :data:`BINS`)."""
    od = relative_od(rgb)
    total = od.sum(axis=2)
    nucleus = (od[..., 0] > 0.22) & (od[..., 1] > 0.40)
    mask = ndimage.binary_fill_holes(total > 0.06)
    labels, n = ndimage.label(mask)
    h, w = total.shape
    yy, xx = np.mgrid[:h, :w]
    out = []
    for i, sl in enumerate(ndimage.find_objects(labels), start=1):
        comp = labels[sl] == i
        area = comp.sum()
        d = 2 * np.sqrt(area / np.pi)
        if not sizes[0] <= d <= sizes[1] or nucleus[sl][comp].any():
            continue
        if sl[0].start == 0 or sl[1].start == 0 or sl[0].stop == h or sl[1].stop == w:
            continue
        hull = cv2.convexHull(np.argwhere(comp)[:, ::-1].astype(np.int32))
        if area / max(cv2.contourArea(hull), 1) < 0.97:
            continue
        cy, cx = ndimage.center_of_mass(comp)
        y0, x0 = sl[0].start, sl[1].start
        grow = (slice(max(y0 - 15, 0), min(sl[0].stop + 15, h)),
                slice(max(x0 - 15, 0), min(sl[1].stop + 15, w)))
        rho = np.hypot(yy[grow] - y0 - cy, xx[grow] - x0 - cx) / (d / 2)
        own = (labels[grow] == i) | (labels[grow] == 0)
        idx = np.digitize(rho[own], BINS) - 1
        keep = idx < len(BINS) - 1
        sums = np.bincount(idx[keep], total[grow][own][keep], len(BINS) - 1)
        counts = np.bincount(idx[keep], minlength=len(BINS) - 1)
        out.append(np.where(counts > 0, sums / np.maximum(counts, 1), np.nan))
    return out


def summary(rows: list[np.ndarray], diameter_px: float) -> str:
    """Median relative profile and its figures."""
    p = np.array([r / np.nanmax(r) for r in rows])
    med = np.nanmedian(p, axis=0)
    centre = np.nanmedian(p[:, 0])
    peak = BINS[np.nanargmax(med)] + 0.025
    outer = np.arange(np.nanargmax(med), len(med))
    falling = med[outer]
    r80 = np.interp(0.8, falling[::-1], BINS[outer][::-1] + 0.025)
    r20 = np.interp(0.2, falling[::-1], BINS[outer][::-1] + 0.025)
    q = np.nanpercentile(p[:, 0], [25, 75])
    wall = np.array([np.nanmax(np.diff(r[:np.nanargmax(r[:20]) + 1]), initial=np.nan)
                     for r in p]) / (BINS[1] - BINS[0])
    w = np.nanpercentile(wall, [25, 50, 75])
    return (f"{len(rows)} cells; centre/peak {centre:.2f} (quartiles {q[0]:.2f}–{q[1]:.2f}); "
            f"peak at ρ {peak:.2f}; edge 80→20 % from ρ {r80:.2f} to {r20:.2f} = "
            f"{(r20 - r80) * diameter_px / 2:.1f} px; pallor wall slope {w[1]:.2f} (quartiles "
            f"{w[0]:.2f}–{w[2]:.2f}); mean peak OD sum "
            f"{np.nanmedian([np.nanmax(r) for r in rows]):.3f}\n  profile "
            + " ".join(f"{v:.2f}" for v in med[:24]))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", type=Path, required=True)
    p.add_argument("--preset", default="pbc")
    p.add_argument("--config", type=Path, default=None)
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--count", type=int, default=60)
    p.add_argument("--stride", type=int, default=3)
    args = p.parse_args()
    real = []
    for f in sorted(args.real.rglob("*.jpg"))[::args.stride]:
        real += cell_profiles(cv2.imread(str(f))[:, :, ::-1])
    cfg = load_config(None if args.config else args.preset, args.config, overrides=args.set)
    synthetic = []
    for i in range(args.count):
        synthetic += cell_profiles(make_image(cfg, 3, i).image.rgb)
    print("real     ", summary(real, 79))
    print("synthetic", summary(synthetic, 79))


if __name__ == "__main__":
    main()
