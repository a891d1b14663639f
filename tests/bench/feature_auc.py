"""Which image features tell real from synthetic: ROC AUC per compare feature.

For each feature of :data:`export.realism.compare.FEATURES` and each synthetic configuration (a column):
the real and synthetic medians, the AUC of the feature alone as a score for "real" (0.5: same
distribution; 1.0 or 0.0: every real image above, or below, every synthetic one), and "drop":
the compare report's classifier AUC on all features but that one (a feature that separates only
jointly with others shows there). The last row is the classifier AUC on all features.

Usage (from the project root)::

    python tests/bench/feature_auc.py --real ../shared/reference/pbc --every 3 \\
        --preset pbc --config my_lab.toml --images 40

``--preset`` and ``--config`` may be repeated; each gives a column. Features are cached in
``--cache`` (keyed by the configuration text, seed and count, or by the real folder and stride),
so a rerun renders only what changed.
"""

from __future__ import annotations

import argparse
import hashlib
from pathlib import Path

import cv2
import numpy as np

from export import load_config, make_image
from export.realism.compare import FEATURES, analyse, classifier_auc, feature_aucs, image_files
from export.config import dump_config


def _cached(cache: Path | None, key: str, compute) -> np.ndarray:
    if cache is None:
        return compute()
    path = cache / f"{hashlib.sha256(key.encode()).hexdigest()[:16]}.npy"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, compute())
    return np.load(path)


def real_features(folder: Path, every: int, offset: int = 0,
                  cache: Path | None = None) -> np.ndarray:
    """Features (rows) of every `every`-th image of `folder` from `offset`."""
    files = [f for group in image_files(folder).values() for f in group][offset::every]
    return _cached(cache, f"real {folder.resolve()} {every} {offset} {FEATURES}", lambda: np.array(
        [[analyse(cv2.imread(str(f))[:, :, ::-1]).features[k] for k in FEATURES] for f in files]))


def synthetic_features(config, images: int, seed: int = 0,
                       cache: Path | None = None) -> np.ndarray:
    """Features (rows) of images 0…images−1 of `config` with `seed`."""
    return _cached(cache, f"{dump_config(config)} {images} {seed} {FEATURES}", lambda: np.array(
        [[analyse(make_image(config, seed, i).image.rgb).features[k] for k in FEATURES]
         for i in range(images)]))


def drop_one_auc(real: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    """Classifier AUC without each column in turn."""
    keep = np.ones(real.shape[1], bool)
    out = []
    for j in range(real.shape[1]):
        keep[j] = False
        out.append(classifier_auc(real[:, keep], synthetic[:, keep]))
        keep[j] = True
    return np.array(out)


def table(real: np.ndarray, columns: dict[str, np.ndarray]) -> str:
    """The printed table: feature, real median, then per column its median, AUC and drop-one."""
    head = f"{'feature':16s} {'real':>8s}" + "".join(f" | {n[:12]:>12s}   AUC  drop"
                                                    for n in columns)
    lines = [head, "-" * len(head)]
    uni = {n: feature_aucs(real, s) for n, s in columns.items()}
    drop = {n: drop_one_auc(real, s) for n, s in columns.items()}
    for j, f in enumerate(FEATURES):
        row = f"{f:16s} {np.nanmedian(real[:, j]):8.4g}"
        for n, s in columns.items():
            row += f" | {np.nanmedian(s[:, j]):12.4g} {uni[n][j]:5.2f} {drop[n][j]:5.2f}"
        lines.append(row)
    lines.append(f"{'classifier AUC':25s}" + "".join(f" | {'':12s} {classifier_auc(real, s):5.2f}"
                                                     f"{'':6s}" for s in columns.values()))
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", required=True, type=Path)
    p.add_argument("--every", type=int, default=3, help="use every n-th real image (default 3)")
    p.add_argument("--preset", action="append", default=[], help="a shipped preset (repeatable)")
    p.add_argument("--config", action="append", default=[], type=Path,
                   help="a preset file, e.g. written by smearsim calibrate (repeatable)")
    p.add_argument("--images", type=int, default=40, help="synthetic images per column")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--cache", type=Path, default=None, help="folder for cached features")
    args = p.parse_args()
    real = real_features(args.real, args.every, cache=args.cache)
    configs = {name: load_config(name) for name in args.preset}
    configs.update({path.stem: load_config(None, path) for path in args.config})
    columns = {n: synthetic_features(c, args.images, args.seed, args.cache)
               for n, c in configs.items()}
    print(f"{len(real)} real images from {args.real}, {args.images} synthetic per column")
    print(table(real, columns))


if __name__ == "__main__":
    main()
