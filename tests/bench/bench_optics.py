"""Benchmark and ablation check of the optical chain (prints figures; not a timed test).

Prints the floor (:mod:`floor`) and the mean CPU milliseconds per image of every optics stage on
one core, as a pool worker makes them (:func:`stages.path_times`: the image's own staining and
focus, memory set up for reuse), each also as a multiple of the floor; then, for one field,
the image with all effects on and with each effect ablated in turn: sharpness (variance of the
Laplacian) and background noise (Immerkær's estimator) on the grey image, beside the
same figures on the PBC reference. With ``--png`` it writes the ablation panel side by side with
a reference image.

Usage::

    python tests/bench/bench_optics.py --count 30 --png /tmp/ablation.png
    python tests/bench/bench_optics.py --count 30 --check-budget       # against budget.toml
"""

from __future__ import annotations

import argparse
import glob
import os
import sys

import cv2
import numpy as np

from budget import BUDGET, report
from export import load_config, make_image
from floor import Floor
from optics import effects
from stages import OPTICS, path_times

REFERENCE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "reference", "pbc")

IMMERKAER = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], np.float32)
"""Noise operator of J. Immerkær, "Fast noise variance estimation", CVIU 64:300, 1996."""


def sharpness(rgb: np.ndarray) -> float:
    """Variance of the Laplacian of the grey image (a focus measure)."""
    return float(cv2.Laplacian(cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY), cv2.CV_64F).var())


def noise(rgb: np.ndarray) -> float:
    """Noise σ in grey levels on the empty slide: Immerkær's estimate √(π/2) mean|I ∗ N| / 6 over
    the brightest quarter of the (smoothed) image, eroded by 5 px so that no cell edge counts."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    smooth = cv2.GaussianBlur(grey, (0, 0), 3.0)
    background = (smooth >= np.percentile(smooth, 75)).astype(np.uint8)
    background = cv2.erode(background, np.ones((11, 11), np.uint8))[1:-1, 1:-1] > 0
    r = cv2.filter2D(grey, -1, IMMERKAER)[1:-1, 1:-1]
    return float(np.sqrt(np.pi / 2) * np.abs(r[background]).mean() / 6)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=30)
    p.add_argument("--index", type=int, default=0, help="image index of the ablation field")
    p.add_argument("--png", default=None, help="write the ablation panel here")
    p.add_argument("--set", action="append", default=[])
    p.add_argument("--check-budget", nargs="?", const=BUDGET, default=None, metavar="TOML",
                   help=f"compare with a budget (default {BUDGET.name}); exit 1 if over")
    args = p.parse_args()
    config = load_config("pbc", overrides=args.set)
    interleaved = Floor()  # one floor image after each image: both meet the same load
    times = path_times(config, args.count, floor=interleaved)
    interleaved.close()
    floor = interleaved.ms
    print(f"{'floor':22s} {floor:7.2f} ms/image")
    for name in OPTICS:
        print(f"{name:22s} {times[name]:7.2f} ms/image {times[name] / floor:6.3f}x floor")
    total = sum(times[name] for name in OPTICS[1:])
    print(f"{'optics after raster':22s} {total:7.2f} ms/image {total / floor:6.3f}x floor")
    code = 0 if args.check_budget is None else report(
        {"pbc": {name: times[name] / floor for name in OPTICS}}, args.check_budget)

    refs = sorted(glob.glob(os.path.join(REFERENCE, "*", "*.jpg")))
    ref = [cv2.cvtColor(cv2.imread(f), cv2.COLOR_BGR2RGB) for f in refs]
    if ref:
        print(f"{'PBC reference':22s} sharpness {np.median([sharpness(r) for r in ref]):8.1f}  "
              f"noise {np.median([noise(r) for r in ref]):5.2f}  mean RGB "
              f"{np.round(np.mean([r.reshape(-1, 3).mean(0) for r in ref], axis=0)).astype(int)}"
              f"  ({len(ref)} images, medians)")
    panel = []
    default = effects.active(config.optics)
    for name in ["default"] + list(effects.EFFECTS):
        if name == "default":
            cfg, label = config, name
        else:
            change = effects.overrides([name]) if default[name] else effects.enabling([name])
            cfg = load_config("pbc", overrides=args.set + [f"optics.{o}" for o in change])
            label = f"{'no' if default[name] else 'with'} {name}"
        figures = []
        for i in range(5):
            image = make_image(cfg, 0, args.index + i).image.rgb
            figures.append((sharpness(image), noise(image)))
        rgb = make_image(cfg, 0, args.index).image.rgb
        s, n = np.median(figures, axis=0)
        print(f"{label:22s} sharpness {s:8.1f}  noise {n:5.2f}"
              f"  mean RGB {np.round(rgb.reshape(-1, 3).mean(0)).astype(int)}")
        panel.append(cv2.putText(rgb.copy(), label, (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                                 (0, 0, 0), 2))
    if args.png:
        if ref:
            panel.append(cv2.putText(cv2.resize(ref[len(ref) // 2], panel[0].shape[1::-1]).copy(),
                                     "PBC reference", (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6,
                                     (0, 0, 0), 2))
        while len(panel) % 5:
            panel.append(np.full_like(panel[0], 255))
        rows = [np.hstack(panel[i:i + 5]) for i in range(0, len(panel), 5)]
        cv2.imwrite(args.png, cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
        print(f"wrote {args.png}")
    sys.exit(code)


if __name__ == "__main__":
    main()
