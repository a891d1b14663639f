"""A realism critic: CNNs trained on the reference cells say which class `pbc` cells look like.

Usage::

    python tests/bench/critic.py --reference ../shared/reference/pbc --count 150 \\
        [--classes erythroblast,ig] [--set KEY.PATH=VALUE ...]

Three small CNNs (:mod:`export.realism.cnn`, seeds 11, 12, 13, 20 epochs) are trained on the
reference folder's cells, once (kept in ``out/bench-critic``), and score ``--count`` synthetic
images of each class (:func:`morphometry.synthetic_rgb`): the share each CNN calls the right
class (its mean over the three), the mean probability it gives the right class, and the classes
the rest go to. A model trained on real cells alone is a fixed judge, so unlike the
train-synthetic-test-real CNN (``tests/bench/transfer.py``, whose figures move by ±0.04 with
its seed whatever the change) the difference a change of one class makes is measured on that
class alone, in seconds: 150 cells a class give the recall to about ±0.03. It screens changes;
the transfer benchmark judges them. Trained on 240 images it is a weak judge: a shape it never
saw in the reference is judged by colour and texture alone, and a higher recall here does not
foretell a better transfer (monocyte nuclei with less nucleoplasm: critic 0.76 -> 0.89, real
monocytes recognised by the synthetic-trained CNN 0.77 -> 0.54). Use it to throw changes out.

The reference's second white balance (a lavender background; 5 of its 8 such images are ig)
teaches the critic that lavender means ig, so the synthetic cells are made under the main
white balance only (``optics.variation.alternate_fraction`` 0).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from morphometry import synthetic_rgb

from export import load_config
from export.imagefile import read_rgb
from export.realism import transfer as tr
from sim.classes import SUBJECT_CLASSES

SEEDS = (11, 12, 13)
"""Seeds of the critic's CNNs."""

EPOCHS = 20
"""Training epochs of each critic CNN (as the transfer benchmark's)."""

CACHE = Path("out/bench-critic")
"""Where the trained critics are kept, keyed by the reference files, seeds and epochs."""


def critics(reference: Path, classes: list[str]) -> list:
    """The critic CNNs trained on the reference folder's `classes` (trained once, then cached)."""
    import torch

    from export.realism import cnn

    files = [f for c in classes for f in sorted((reference / c).glob("*.jpg"))]
    path = CACHE / f"critics-{tr.files_key(files, f'{classes} {SEEDS} {EPOCHS}')}.pt"
    if path.exists():
        return torch.load(path, weights_only=False)
    thumbs = np.stack([tr.thumbnail(read_rgb(f)) for f in files])
    labels = np.repeat(np.arange(len(classes)),
                       [len(list((reference / c).glob("*.jpg"))) for c in classes])
    models = [cnn.train(thumbs, labels, len(classes), EPOCHS, s, sys.stderr)[0] for s in SEEDS]
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(models, path)
    return models


def probabilities(models: list, thumbs: np.ndarray) -> np.ndarray:
    """Class probabilities (models, N, classes) of every model for every thumbnail."""
    import torch

    from export.realism import cnn

    with torch.no_grad():
        return np.stack([torch.softmax(m(cnn._tensor(thumbs)), dim=1).numpy() for m in models])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reference", type=Path, default=Path("../shared/reference/pbc"))
    p.add_argument("--count", type=int, default=150, help="synthetic cells a class")
    p.add_argument("--classes", default=",".join(SUBJECT_CLASSES),
                   help="classes to score, comma-separated (default: all)")
    p.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    config = load_config("pbc", overrides=["optics.variation.alternate_fraction=0.0", *args.set])
    classes = list(SUBJECT_CLASSES)
    for kind in set(args.classes.split(",")) - set(classes):
        p.error(f"unknown class {kind!r}; allowed: {', '.join(classes)}")
    models = critics(args.reference, classes)
    print(f"{'class':13s}{'recall (per CNN)':>28s}{'p(true)':>9s}  called instead")
    for kind in args.classes.split(","):
        thumbs = np.stack([tr.thumbnail(rgb) for rgb in synthetic_rgb(config, kind, args.count)])
        prob, k = probabilities(models, thumbs), classes.index(kind)
        recall = (prob.argmax(axis=2) == k).mean(axis=1)
        called = np.bincount(prob.mean(axis=0).argmax(axis=1), minlength=len(classes))
        others = ", ".join(f"{c} {n / len(thumbs):.2f}" for c, n in zip(classes, called)
                           if c != kind and n)
        print(f"{kind:13s}{recall.mean():8.3f} ({' '.join(f'{r:.2f}' for r in recall)})"
              f"{prob[:, :, k].mean():9.3f}  {others}")


if __name__ == "__main__":
    main()
