"""Compare figures of a base preset and of the preset calibrated from it, against real images.

Calibrates on every `stride`-th real image from `offset` (as ``tests/test_calibrate.py`` does),
then prints, before and after, the compare report's classifier AUC, the features whose own AUC
lies outside 0.5 ± 0.3 ("telling"), colour Wasserstein
distances per region and channel, red-cell diameter distance, and sharpness and noise relative
differences; the synthetic images use seed `seed`. Repeat with other offsets and seeds to see
how steady the drop of the AUC is.

Usage (from the project root)::

    python tests/bench/calibration_gain.py --real ../shared/reference/bccd/images --base field \\
        --stride 9 --offset 0 --seed 7 --images 4 --iterations 2 --synthetic 24
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

import cv2

from export import load_config, make_image
from export.realism.calibrate import calibrate
from export.realism.compare import analyse, compare_sets


TELLING = 0.3
"""A feature whose own AUC is further than this from 0.5 gives the synthetic set away (as in
``tests/test_calibrate.py``)."""


def subset(folder: Path, stride: int, offset: int, into: Path) -> list[Path]:
    """Copy every `stride`-th image (from `offset`) of `folder` into `into`, keeping subfolders."""
    files = sorted(folder.rglob("*.jpg"))[offset::stride]
    for f in files:
        (into / f.parent.relative_to(folder)).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, into / f.relative_to(folder))
    return [into / f.relative_to(folder) for f in files]


def figures(report: dict) -> dict:
    """The headline figures of a compare report."""
    colour = {f"{r}_{c}": round(v, 4) for r, d in report["colour_wasserstein"].items()
              for c, v in d.items() if v is not None}
    telling = [f for f, a in report["feature_auc"].items() if abs(a - 0.5) > TELLING]
    return {"auc": round(report["classifier_auc"], 3), "telling": telling, **colour,
            "rbc_diameter_w": round(report["rbc_diameter_px"]["wasserstein"] or float("nan"), 2),
            "sharpness_rel": round(report["sharpness_rel_diff"], 3),
            "noise_rel": round(report["noise_rel_diff"], 3)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", required=True, type=Path)
    p.add_argument("--base", default="pbc")
    p.add_argument("--stride", type=int, default=8)
    p.add_argument("--offset", type=int, default=0)
    p.add_argument("--seed", type=int, default=7, help="seed of the compared synthetic images")
    p.add_argument("--images", type=int, default=4, help="synthetic images per calibration trial")
    p.add_argument("--iterations", type=int, default=2)
    p.add_argument("--synthetic", type=int, default=24, help="synthetic images compared")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        files = subset(args.real, args.stride, args.offset, Path(tmp))
        real = [analyse(cv2.imread(str(f))[:, :, ::-1]) for f in files]
        fitted, _ = calibrate(tmp, args.base, args.images, args.iterations)
    out = {}
    for name, config in (("before", load_config(args.base)), ("after", fitted)):
        synthetic = [analyse(make_image(config, args.seed, i).image.rgb)
                     for i in range(args.synthetic)]
        out[name] = figures(compare_sets(real, synthetic))
    print(json.dumps({"real": str(args.real), "images": len(real), "base": args.base,
                      "stride": args.stride, "offset": args.offset, "seed": args.seed, **out}))


if __name__ == "__main__":
    main()
