"""Morphometry table: synthetic `pbc` cells against the PBC reference, one measurement code path.

Usage::

    python tests/bench/morphometry.py --reference ../shared/reference/pbc --count 30

Prints, per class and figure, the median on the reference, on synthetic images, and the
relative difference; a figure passes when within 15 % of the reference median. Beside them, the
cell-to-cell spread of each figure on both sides: a robust σ of its natural logarithm
(interquartile range / 1.349), the figure that a class's ``spread`` values are fitted to
(σ_spread² ≈ σ_real² − σ_synthetic at no spread²).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from export import load_config, make_image
from export.config import with_subject
from export.imagefile import read_rgb
from export.realism.morphometry import FIGURES, measure_cell
from optics.codec import decode, encode_jpeg
from sim.classes import SUBJECT_CLASSES

TOLERANCE = 0.15


def log_sigma(values: list[float]) -> float:
    """Robust σ of the natural log of the positive, finite `values` (IQR / 1.349)."""
    v = np.log([x for x in values if np.isfinite(x) and x > 0])
    return float(np.subtract(*np.percentile(v, [75, 25])) / 1.349) if v.size > 3 else float("nan")


def synthetic_rgb(config, kind: str, count: int) -> list[np.ndarray]:
    """`count` synthetic images (seeds 0, 1, ...) of class `kind` after a JPEG round trip like
    PBC's."""
    cfg = with_subject(config, kind)
    return [decode(encode_jpeg(make_image(cfg, seed, 0).image.rgb, 95)) for seed in range(count)]


def nucleated_medians(args: argparse.Namespace, config, measure, percentiles=(50,)):
    """For each nucleated subject class, ``(class, "real" | "sim", medians)``: the median over
    cells (NaN-aware, per figure) of ``measure(rgb, pixel_size)`` on the reference folder's
    images of the class, then on ``args.count`` synthetic ones (:func:`synthetic_rgb`); with
    other `percentiles`, those of each figure in turn (figure-major)."""
    px = config.optics.frame.pixel_size
    for kind in SUBJECT_CLASSES:
        if kind == "platelet":
            continue
        real = [measure(read_rgb(f), px) for f in sorted((args.reference / kind).glob("*.jpg"))]
        sim = [measure(rgb, px) for rgb in synthetic_rgb(config, kind, args.count)]
        for name, rows in (("real", real), ("sim", sim)):
            with np.errstate(all="ignore"):
                yield kind, name, np.nanpercentile(np.array(rows, dtype=float), percentiles,
                                                   axis=0).T.ravel()


def synthetic(config, kind: str, count: int) -> list[dict]:
    """Measure `count` synthetic images of class `kind` (:func:`synthetic_rgb`)."""
    return [measure_cell(rgb, config.optics.frame.pixel_size)
            for rgb in synthetic_rgb(config, kind, count)]


def measure_folder(folder: Path, pixel_size: float, pattern: str = "*.jpg") -> list[dict]:
    """:func:`measure_cell` of every image matching `pattern` in `folder`."""
    return [measure_cell(read_rgb(f), pixel_size) for f in sorted(Path(folder).glob(pattern))]


def reference_arguments(doc: str) -> tuple[argparse.Namespace, object]:
    """The command line of a bench that sets `pbc` cells (``--set``, ``--count`` a class) beside
    a reference folder (``--reference``), and the `pbc` configuration it asks for."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--reference", type=Path, default=Path("../shared/reference/pbc"))
    p.add_argument("--count", type=int, default=30)
    p.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    return args, load_config("pbc", overrides=args.set)


def main() -> None:
    args, config = reference_arguments(__doc__)
    fails = total = 0
    print(f"{'class':13s}{'figure':22s}{'real':>8s}{'sim':>8s}{'diff':>8s}  "
          f"{'σlog real':>9s}{'σlog sim':>9s}")
    for kind in SUBJECT_CLASSES:
        real = measure_folder(args.reference / kind, config.optics.frame.pixel_size)
        sim = synthetic(config, kind, args.count)
        for fig in FIGURES:
            if fig == "lobes" and kind != "neutrophil":
                continue
            r = float(np.nanmedian([m[fig] for m in real]))
            s = float(np.nanmedian([m[fig] for m in sim]))
            diff = (s - r) / r if r else float("nan")
            ok = abs(diff) <= TOLERANCE
            fails += not ok
            total += 1
            spread = "".join(f"{log_sigma([m[fig] for m in ms]):9.3f}" for ms in (real, sim))
            print(f"{kind:13s}{fig:22s}{r:8.3f}{s:8.3f}{diff:+8.1%} {'' if ok else 'X'}{spread}")
        if kind == "neutrophil":
            for name, ms in (("real", real), ("sim", sim)):
                lobes = np.bincount([int(m["lobes"]) for m in ms], minlength=6)
                print(f"{'':13s}lobe counts {name:5s} {lobes.tolist()}")
    print(f"{total - fails}/{total} figures within {TOLERANCE:.0%} of the reference median")


if __name__ == "__main__":
    main()
