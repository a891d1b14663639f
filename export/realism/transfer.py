"""Transfer measured by the product: train on synthetic cells, recognise real ones.

When the real and the synthetic folders both hold one subfolder per class (PBC layout, the
same class names on both sides), a classifier is trained on the synthetic images alone and
tested on every real image (train-synthetic-test-real, TSTR; as in S. Esteban, S. Hyland,
G. Rätsch, "Real-valued (medical) time series generation with recurrent conditional GANs",
2017), and, as a diagnostic, the other way round (train on real, test on synthetic). Each
direction reports the balanced accuracy (mean of per-class recalls), every class's recall, the
confusion matrix (rows: true class, columns: predicted; counts) and the largest confusions.

Two learners, one image pipeline for real and synthetic images:

* ``features``: scikit-learn's histogram gradient boosting (``HistGradientBoostingClassifier``,
  classes weighted to equal total weight) on the figures of :mod:`export.realism.cellfeatures`
  (shape, colour, texture, sharpness of the segmented centred cell);
* ``cnn``: the small network of :mod:`export.realism.cnn` trained from scratch on the whole
  frame resized to :data:`THUMBNAIL` px (needs PyTorch: ``pip install 'smearsim[cnn]'``).
"""

from __future__ import annotations

import hashlib
import io
import importlib.util
import os
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from export.progress import Progress
from export.realism.cellfeatures import NAMES, cell_features
from export.imagefile import read_rgb
from sim.classes import CLASSES
from export.errors import InputError
from export.files import write_atomic
from sim.schema import ConfigError, option

THUMBNAIL = 96
"""Side (px) to which the whole frame is resized for the CNN."""

CHOICES = {"features": ("features",), "cnn": ("cnn",), "both": ("features", "cnn"), "none": ()}
"""Values of ``--transfer`` and the learners each runs."""

DIRECTIONS = ("synthetic_to_real", "real_to_synthetic")
"""Train → test directions, the first being the product's measure."""

NO_TORCH = ("the cnn learner needs PyTorch (pip install 'smearsim[cnn]'); "
            "the feature learner runs alone")

BOOSTING = {"learning_rate": 0.05, "max_iter": 300, "max_leaf_nodes": 15,
            "l2_regularization": 1.0, "early_stopping": False}
"""Settings of the feature learner: scikit-learn's defaults but half the learning rate over
three times the iterations, smaller trees and L2 regularisation (a few hundred training images
per class), and no early stopping (every image trains; the result depends on the seed only)."""

TOP_CONFUSIONS = 5
"""Largest confusions listed per direction."""


def has_classes(groups: dict[str, list[Path]]) -> bool:
    """Whether an :func:`export.realism.compare.image_files` grouping is one folder per class."""
    return "" not in groups and len(groups) >= 2


def torch_available() -> bool:
    """Whether PyTorch can be imported."""
    return importlib.util.find_spec("torch") is not None


def learners(choice: str | None, real: dict[str, list[Path]], synthetic: dict[str, list[Path]],
             epochs: int = 20) -> tuple[str, ...]:
    """The learners to run for ``--transfer`` `choice` (None: ``features`` when both folders
    hold classes, else none), checking the folders' classes and `epochs` before any work."""
    if choice is not None and choice not in CHOICES:
        raise ConfigError(f"{option('transfer')} {choice!r} is unknown; allowed: "
                          f"{', '.join(CHOICES)}")
    if not 1 <= epochs <= 1000:
        raise ConfigError(f"{option('epochs')} {epochs} is out of range; allowed: "
                          "1 <= value <= 1000")
    if choice == "none" or (choice is None and not (has_classes(real) and has_classes(synthetic))):
        return ()
    for side, groups in (("real", real), ("synthetic", synthetic)):
        if not has_classes(groups):
            raise InputError(f"{option('transfer')} {choice} needs one subfolder per class in both "
                             f"folders (DIR/CLASS/*.jpg, or a dataset's crops/); the {side} one "
                             "has none")
    only_r, only_s = sorted(set(real) - set(synthetic)), sorted(set(synthetic) - set(real))
    if only_r or only_s:
        raise InputError("transfer needs the same class folders on both sides; only in real: "
                         f"{', '.join(only_r) or '-'}; only in synthetic: "
                         f"{', '.join(only_s) or '-'} (or give {option('transfer')} none)")
    return CHOICES[choice or "features"]


def class_order(names: list[str]) -> list[str]:
    """Class names in smearsim's label order (:data:`sim.classes.CLASSES`), others after, sorted."""
    return [c for c in CLASSES if c in names] + sorted(set(names) - set(CLASSES))


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """The whole image resized to THUMBNAIL × THUMBNAIL px (OpenCV ``INTER_AREA``), uint8."""
    return cv2.resize(rgb, (THUMBNAIL, THUMBNAIL), interpolation=cv2.INTER_AREA)


def _say(stream: TextIO | None, text: str) -> None:
    if stream is not None:
        stream.write(f"transfer: {text}\n")
        stream.flush()


def files_key(files: list[Path], what: str) -> str:
    """A hash of `what` and of the paths, sizes and modification times of `files`."""
    text = "\n".join(f"{p.resolve()} {os.stat(p).st_size} {os.stat(p).st_mtime_ns}"
                     for p in files)
    return hashlib.sha256(f"{what}\n{text}".encode()).hexdigest()[:20]


def image_arrays(files: list[Path], cache: Path | None = None, stream: TextIO | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows (N, len(NAMES)) and thumbnails (N, THUMBNAIL, THUMBNAIL, 3) of `files`.

    With `cache`, both are kept there in one ``.npz`` keyed by the files' paths, sizes and
    modification times and by the feature names, so an unchanged folder is read only once.
    """
    path = None
    if cache is not None:
        path = Path(cache) / f"{files_key(files, f'{NAMES} {THUMBNAIL}')}.npz"
        if path.exists():
            with np.load(path) as saved:
                return saved["features"], saved["thumbnails"]
    progress = Progress(len(files), stream=stream)
    features, thumbs = [], []
    for f in files:
        rgb = read_rgb(f)
        features.append(cell_features(rgb))
        thumbs.append(thumbnail(rgb))
        progress.update()
    progress.close()
    out = np.array(features).reshape(len(files), len(NAMES)), np.stack(thumbs)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # written whole under a fresh temporary name, so that runs sharing a cache do not collide
        buffer = io.BytesIO()
        np.savez_compressed(buffer, features=out[0], thumbnails=out[1])
        write_atomic(path, buffer.getbuffer())
    return out


def scores(true: np.ndarray, predicted: np.ndarray, classes: list[str]) -> dict:
    """Balanced accuracy, accuracy, per-class recall, confusion matrix and top confusions.

    Balanced accuracy is the mean recall over the classes present in `true`; the confusion
    matrix has one row per true class (summing to its count) and one column per prediction.
    """
    k = len(classes)
    matrix = np.bincount(true * k + predicted, minlength=k * k).reshape(k, k)
    counts = matrix.sum(axis=1)
    present = counts > 0
    recall = np.where(present, np.diag(matrix) / np.maximum(counts, 1), np.nan)
    share = matrix / np.maximum(counts, 1)[:, None]
    np.fill_diagonal(share, 0.0)
    top = [{"true": classes[i], "predicted": classes[j], "share": round(float(share[i, j]), 4),
            "count": int(matrix[i, j])}
           for i, j in zip(*np.unravel_index(np.argsort(-share, axis=None), share.shape))
           if share[i, j] > 0][:TOP_CONFUSIONS]
    return {"balanced_accuracy": float(np.nanmean(recall)),
            "accuracy": float(np.trace(matrix) / max(matrix.sum(), 1)),
            "recall": {c: (None if np.isnan(r) else round(float(r), 4))
                       for c, r in zip(classes, recall)},
            "confusion": matrix.tolist(), "top_confusions": top}


def fit_features(x: np.ndarray, y: np.ndarray, seed: int):
    """A gradient-boosting classifier (scikit-learn) fitted to feature rows `x`, labels `y`;
    leaves hold at least 20 images, or half the smallest class when that is fewer."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    leaf = int(max(1, min(20, np.bincount(y)[np.bincount(y) > 0].min() // 2)))
    model = HistGradientBoostingClassifier(**BOOSTING, min_samples_leaf=leaf,
                                           class_weight="balanced", random_state=seed)
    return model.fit(np.where(np.isnan(x).all(axis=0), 0.0, x), y)  # (all-NaN columns: 0)


def _direction(learner: str, direction: str, sets: dict, files: dict, classes: list[str],
               epochs: int, seed: int, stream: TextIO | None) -> dict:
    """Train `learner` on one side of `sets` (side → (features, thumbnails, labels)) and score
    it on the other, as `direction` says; `files` (side → image files, in the order of `sets`)
    names the test images it got wrong."""
    source, target = direction.split("_to_")
    (xf, xt, y), (tf, tt, truth) = sets[source], sets[target]
    _say(stream, f"{learner}: train on {len(y)} {source} images, test on {len(truth)} {target}")
    extra = {}
    if learner == "features":
        from threadpoolctl import threadpool_limits  # installed with scikit-learn

        with threadpool_limits(1):  # OpenMP threads spin for ages on a busy machine
            predicted = fit_features(xf, y, seed).predict(tf)
    else:
        from export.realism import cnn

        model, losses = cnn.train(xt, y, len(classes), epochs, seed, stream)
        predicted = cnn.predict(model, tt)
        extra = {"epochs": epochs, "train_loss": [round(v, 5) for v in losses]}
    wrong = [{"file": str(f), "true": classes[t], "predicted": classes[q]}
             for f, t, q in zip(files[target], truth, predicted) if t != q]
    return {"train_images": int(len(y)), "test_images": int(len(truth)),
            **scores(truth, predicted, classes), **extra, "misclassified": wrong}


def ordered(groups: dict[str, list[Path]], classes: list[str]) -> list[Path]:
    """The image files of `groups`, class after class in `classes` order (the row order of
    :func:`labelled`)."""
    return [f for c in classes for f in groups[c]]


def labelled(groups: dict[str, list[Path]], classes: list[str], cache: Path | None = None,
             stream: TextIO | None = None, side: str = ""
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features, thumbnails, label indices) of every image of `groups`, in `classes` order."""
    files = ordered(groups, classes)
    _say(stream, f"cell features and thumbnails of {len(files)} {side} images".replace("  ", " "))
    features, thumbs = image_arrays(files, cache, stream)
    labels = np.repeat(np.arange(len(classes)), [len(groups[c]) for c in classes])
    return features, thumbs, labels


def transfer_report(real: dict[str, list[Path]], synthetic: dict[str, list[Path]],
                    run: tuple[str, ...], epochs: int = 20, seed: int = 0,
                    stream: TextIO | None = None, cache: Path | None = None) -> dict:
    """Train-synthetic-test-real (and the reverse) for every learner in `run`.

    `real` and `synthetic` map the same class names to image files. A ``cnn`` request without
    PyTorch is reported as skipped (one line on `stream`) and the feature learner runs instead.
    Each learner and direction lists the test images it got wrong (``misclassified``: file,
    true and predicted class), to look at beside the synthetic ones.
    """
    if "cnn" in run and not torch_available():
        _say(stream, f"warning: {NO_TORCH}")
        run = ("features",)
        skipped = {"cnn": {"skipped": NO_TORCH}}
    else:
        skipped = {}
    classes = class_order(list(real))
    sides = {"real": real, "synthetic": synthetic}
    sets = {side: labelled(groups, classes, cache, stream, side) for side, groups in sides.items()}
    files = {side: ordered(groups, classes) for side, groups in sides.items()}
    report = {"classes": classes,
              "images": {side: {c: len(g[c]) for c in classes} for side, g in sides.items()}}
    for learner in run:
        report[learner] = {d: _direction(learner, d, sets, files, classes, epochs, seed, stream)
                           for d in DIRECTIONS}
    return {**report, **skipped}


def summary(report: dict) -> dict:
    """Balanced accuracy of every learner and direction of a :func:`transfer_report` (or the
    learner's ``skipped`` note)."""
    out = {}
    for learner in ("features", "cnn"):
        entry = report.get(learner)
        if entry is not None:
            out[learner] = entry if "skipped" in entry else {
                d: round(entry[d]["balanced_accuracy"], 4) for d in DIRECTIONS}
    return out


def _confusion(ax, result: dict, classes: list[str], title: str) -> None:
    matrix = np.array(result["confusion"])
    share = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
    for (i, j), n in np.ndenumerate(matrix):
        if n:
            ax.text(j, i, str(n), ha="center", va="center", fontsize=6,
                    color="white" if share[i, j] > 0.5 else "black")
    short = [c[:5] for c in classes]
    ax.set_xticks(range(len(classes)), short, rotation=90, fontsize=7)
    ax.set_yticks(range(len(classes)), short, fontsize=7)
    ax.set(title=f"{title}: bal. acc. {result['balanced_accuracy']:.2f}",
           xlabel="predicted", ylabel="true")


def plot(axes: np.ndarray, report: dict) -> None:
    """Draw a :func:`transfer_report` on a 2 × 3 grid of matplotlib axes: the confusion
    matrices (rows: synthetic → real, real → synthetic; columns: features, cnn), the per-class
    recall of synthetic → real, and the CNN's training loss per epoch."""
    classes = report["classes"]
    for col, learner in enumerate(("features", "cnn")):
        for row, (direction, label) in enumerate(zip(DIRECTIONS, ("synth→real", "real→synth"))):
            entry = report.get(learner, {})
            if direction in entry:
                _confusion(axes[row, col], entry[direction], classes, f"{learner} {label}")
            else:
                axes[row, col].axis("off")
                axes[row, col].set_title(f"{learner}: {entry.get('skipped', 'not run')}"[:60],
                                         fontsize=7)
    run = [k for k in ("features", "cnn") if DIRECTIONS[0] in report.get(k, {})]
    for i, learner in enumerate(run):
        recall = [report[learner][DIRECTIONS[0]]["recall"][c] or 0.0 for c in classes]
        axes[0, 2].bar(np.arange(len(classes)) + 0.4 * i - 0.2, recall, 0.4, label=learner)
    axes[0, 2].set_xticks(range(len(classes)), [c[:5] for c in classes], rotation=90, fontsize=7)
    axes[0, 2].set(title="recall on real (trained on synthetic)", ylim=(0, 1))
    axes[0, 2].legend(fontsize=7)
    for direction in DIRECTIONS if "cnn" in run else ():
        loss = report["cnn"][direction]["train_loss"]
        who = direction.split("_")[0]
        axes[1, 2].plot(range(1, len(loss) + 1), loss, label=f"trained on {who}")
    if "cnn" in run:
        axes[1, 2].set(title="CNN training loss", xlabel="epoch", yscale="log")
        axes[1, 2].legend(fontsize=7)
    else:
        axes[1, 2].axis("off")
