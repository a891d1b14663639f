"""How far a folder of synthetic images is from a folder of real ones.

Every image is reduced by one documented segmentation (on optical density, OD, relative to the
image's own background; :mod:`export.realism.segmentation`) to pixel samples of three regions —
background, red cells, nuclei — and to per-image figures: colour, red-cell sizes, sharpness and
noise. The report gives, for real against synthetic:

* 1-D Wasserstein distances between the pooled samples of each region and channel (OD for red
  cells and nuclei; RGB as a fraction of 255 for the background, whose OD is 0 by definition),
* the Wasserstein distance between red-cell diameter distributions (circle Hough transform, px),
* the relative differences of median sharpness (variance of the Laplacian) and noise level,
* a classifier two-sample test (D. Lopez-Paz, M. Oquab, "Revisiting classifier two-sample
  tests", ICLR 2017): an L2-regularised logistic regression on the per-image figures, trained to
  tell real from synthetic; its cross-validated ROC AUC is 0.5 when the sets are
  indistinguishable and 1.0 when they are trivially told apart,
* the ROC AUC of each per-image figure alone (``feature_auc``): which figures give a synthetic
  set away,
* with the same class subfolders on both sides, ``transfer``: a classifier trained on the
  synthetic images tested on the real ones, and the reverse (:mod:`export.realism.transfer`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, TextIO

import cv2
import numpy as np
from scipy import optimize, stats

from export.errors import InputError
from export.files import check_report_folder, json_bytes, write_atomic
from export.imagefile import read_rgb
from export.realism.segmentation import (FOREGROUND_OD, background, rbc_diameters, regions,
                                         relative_od)

SAMPLES = 2000
"""Pixel samples kept per image and region."""

FEATURES = ("bg_r", "bg_g", "bg_b", "rbc_od_r", "rbc_od_g", "rbc_od_b", "nuc_od_r", "nuc_od_g",
            "nuc_od_b", "dark_od_r", "dark_od_g", "dark_od_b", "rbc_area", "nuc_area",
            "rbc_diameter_px", "log_sharpness", "log_noise", "od_p10", "od_p50", "od_p90")
"""Per-image figures used by the classifier two-sample test. ``dark_od_*`` is the mean OD of the
darkest 1 % of pixels (the nuclear cores where a white cell is in view), free of any colour
threshold."""

REGIONS = ("background", "rbc", "nucleus")

SPLITS = ("train", "val", "test")
"""Split folders of a smearsim dataset, merged by :func:`image_files`."""


@dataclass
class ImageStats:
    """What :func:`analyse` keeps of one image."""

    features: dict[str, float]
    samples: dict[str, np.ndarray]
    diameters: np.ndarray


def _rgb(name: str, values: np.ndarray) -> dict[str, float]:
    """``{name_r: …, name_g: …, name_b: …}`` of three per-channel values."""
    return {f"{name}_{c}": float(v) for c, v in zip("rgb", values, strict=True)}


def analyse(rgb: np.ndarray) -> ImageStats:
    """Per-image figures (:data:`FEATURES`) and region pixel samples of an RGB uint8 image."""
    od = relative_od(rgb)
    masks = regions(od)
    img = rgb.astype(np.float32)
    grey = img.mean(axis=2)
    lap = cv2.Laplacian(grey, cv2.CV_32F)
    residual = grey - cv2.GaussianBlur(grey, (0, 0), 2.0)
    flat = residual[masks["background"]]
    noise = 1.4826 * float(np.median(np.abs(flat - np.median(flat)))) if flat.size > 100 else 0.0
    total = od.sum(axis=2)
    fg = total[total > FOREGROUND_OD]
    diameters = rbc_diameters(od)

    def mean_od(mask: np.ndarray) -> np.ndarray:
        return od[mask].mean(axis=0) if mask.any() else np.full(3, np.nan)

    pct = np.percentile(fg, [10, 50, 90]) if fg.size else np.full(3, np.nan)
    features = {**_rgb("bg", background(rgb)), **_rgb("rbc_od", mean_od(masks["rbc"])),
                **_rgb("nuc_od", mean_od(masks["nucleus"])),
                **_rgb("dark_od", mean_od(total >= np.percentile(total, 99))),
                "rbc_area": masks["rbc"].mean(), "nuc_area": masks["nucleus"].mean(),
                "rbc_diameter_px": float(np.median(diameters)) if diameters.size else np.nan,
                "log_sharpness": float(np.log(lap.var() + 1e-6)),
                "log_noise": float(np.log(noise + 1e-3)),
                **{f"od_p{q}": v for q, v in zip((10, 50, 90), pct, strict=True)}}
    if tuple(features) != FEATURES:
        raise RuntimeError(f"analyse computes {tuple(features)}, FEATURES lists {FEATURES}")
    samples = {}
    for name in REGIONS:
        # the background is compared by its colour (its OD is 0 by definition), the rest by OD
        values = img[masks[name]] / 255.0 if name == "background" else od[masks[name]]
        step = max(1, len(values) // SAMPLES)
        samples[name] = values[::step][:SAMPLES]
    return ImageStats({k: float(v) for k, v in features.items()}, samples, diameters)


def image_files(folder: Path) -> dict[str, list[Path]]:
    """Images of a folder by class: ``{"": [...]}`` when flat, else one entry per subfolder."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{str(folder)!r} is not a folder of images")
    suffixes = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff"}
    subs = sorted(p for p in folder.iterdir() if p.is_dir())
    if subs and {p.name for p in subs} <= set(SPLITS):  # a dataset's images/ or crops/
        return _merge_splits(folder, subs)
    flat = sorted(p for p in folder.iterdir() if p.suffix.lower() in suffixes)
    groups = {"": flat} if flat else {}
    for sub in subs:
        files = sorted(p for p in sub.rglob("*") if p.suffix.lower() in suffixes)
        if files:
            groups[sub.name] = files
    if not groups:
        raise InputError(f"{str(folder)!r} holds no images (.jpg, .png, .bmp, .tif)")
    return groups


def _merge_splits(folder: Path, splits: list[Path]) -> dict[str, list[Path]]:
    """:func:`image_files` of a folder of split folders (``SPLIT/*.jpg`` or
    ``SPLIT/CLASS/*.jpg``), the splits' images merged by class."""
    groups: dict[str, list[Path]] = {}
    for split in splits:
        try:
            found = image_files(split)
        except InputError:  # an empty split
            continue
        for name, files in found.items():
            groups.setdefault(name, []).extend(files)
    if not groups:
        raise InputError(f"{str(folder)!r} holds no images (.jpg, .png, .bmp, .tif)")
    return groups


def _auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """ROC AUC by the Mann–Whitney rank statistic."""
    ranks = stats.rankdata(scores)
    pos = labels == 1
    n1, n0 = pos.sum(), (~pos).sum()
    return float((ranks[pos].sum() - n1 * (n1 + 1) / 2) / (n1 * n0))


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0) -> np.ndarray:
    """Weights (with intercept last) of an L2-regularised logistic regression."""
    xb = np.hstack([x, np.ones((len(x), 1))])

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = xb @ w
        p = 1 / (1 + np.exp(-z))
        value = np.sum(np.logaddexp(0, z) - y * z) + 0.5 * l2 * w[:-1] @ w[:-1]
        grad = xb.T @ (p - y) + l2 * np.append(w[:-1], 0.0)
        return value, grad

    return optimize.minimize(loss, np.zeros(xb.shape[1]), jac=True, method="L-BFGS-B").x


def classifier_auc(real: np.ndarray, synthetic: np.ndarray, folds: int = 5,
                   seed: int = 0) -> float:
    """Cross-validated ROC AUC of a logistic regression telling `real` rows from `synthetic`.

    The larger set is subsampled to the size of the smaller (balanced classes); missing values
    take the training mean; features are standardised on each training fold.
    """
    rng = np.random.default_rng(seed)
    n = min(len(real), len(synthetic))
    if n < folds:
        raise InputError(f"need at least {folds} images on each side for the classifier test; "
                          f"got {len(real)} real and {len(synthetic)} synthetic")
    x = np.vstack([real[rng.permutation(len(real))[:n]],
                   synthetic[rng.permutation(len(synthetic))[:n]]])
    y = np.repeat([1.0, 0.0], n)
    fold = np.concatenate([rng.permutation(n) % folds, rng.permutation(n) % folds])
    scores = np.zeros(2 * n)
    for k in range(folds):
        train, test = fold != k, fold == k
        mean = np.nanmean(x[train], axis=0)
        xt = np.where(np.isnan(x), mean, x)
        sd = xt[train].std(axis=0) + 1e-9
        z = (xt - mean) / sd
        w = _logistic(z[train], y[train])
        scores[test] = z[test] @ w[:-1] + w[-1]
    return _auc(scores, y)


def feature_aucs(real: np.ndarray, synthetic: np.ndarray) -> np.ndarray:
    """ROC AUC of each feature (column) alone as a score for "real" (0.5: same distribution; 0
    or 1: the feature alone tells every image apart); images lacking a feature are left out."""
    out = []
    for a, b in zip(real.T, synthetic.T):
        a, b = a[np.isfinite(a)], b[np.isfinite(b)]
        out.append(_auc(np.concatenate([a, b]), np.repeat([1, 0], [len(a), len(b)]))
                   if len(a) and len(b) else float("nan"))
    return np.array(out)


def _pool(items: list[ImageStats]) -> tuple[np.ndarray, dict[str, np.ndarray], np.ndarray]:
    feats = np.array([[s.features[f] for f in FEATURES] for s in items])
    samples = {r: np.vstack([s.samples[r] for s in items if len(s.samples[r])] or
                            [np.zeros((0, 3))]) for r in REGIONS}
    return feats, samples, np.concatenate([s.diameters for s in items])


def _by_feature(values: np.ndarray) -> dict[str, float]:
    """One value per feature (columns in the order of :data:`FEATURES`) as a dict by name."""
    return dict(zip(FEATURES, values.tolist(), strict=True))


def _distance(a: np.ndarray, b: np.ndarray) -> float | None:
    return float(stats.wasserstein_distance(a, b)) if len(a) and len(b) else None



def compare_sets(real: list[ImageStats], synthetic: list[ImageStats], seed: int = 0) -> dict:
    """The comparison report (plain dict) of two analysed image sets."""
    fr, sr, dr = _pool(real)
    fs, ss, ds = _pool(synthetic)
    colour = {r: {c: _distance(sr[r][:, i], ss[r][:, i]) for i, c in enumerate("rgb")}
              for r in REGIONS}
    col = {f: i for i, f in enumerate(FEATURES)}

    def rel(name: str) -> float:
        a, b = np.nanmedian(np.exp(fr[:, col[name]])), np.nanmedian(np.exp(fs[:, col[name]]))
        return float((b - a) / a)

    return {"images": {"real": len(real), "synthetic": len(synthetic)},
            "classifier_auc": classifier_auc(fr, fs, seed=seed),
            "feature_auc": _by_feature(np.round(feature_aucs(fr, fs), 4)),
            "colour_wasserstein": colour,
            "rbc_diameter_px": {"real_median": float(np.median(dr)) if dr.size else None,
                                "synthetic_median": float(np.median(ds)) if ds.size else None,
                                "wasserstein": _distance(dr, ds)},
            "sharpness_rel_diff": rel("log_sharpness"), "noise_rel_diff": rel("log_noise"),
            "medians": {"real": _by_feature(np.nanmedian(fr, axis=0).round(4)),
                        "synthetic": _by_feature(np.nanmedian(fs, axis=0).round(4))}}


def _plot(real: list[ImageStats], synthetic: list[ImageStats], out: Path,
          more: Callable[[np.ndarray], None] | None = None) -> None:
    """The report figure; `more` draws two more rows of three panels (the transfer report)."""
    from matplotlib.figure import Figure  # no pyplot: the caller's backend is left alone

    _, sr, dr = _pool(real)
    _, ss, ds = _pool(synthetic)
    rows = 2 if more is None else 4
    fig = Figure(figsize=(13, 3.5 * rows))
    axes = fig.subplots(rows, 3)
    if more is not None:
        more(axes[2:])
    for ax, region in zip(axes[0], REGIONS):
        span = (0.5, 1.0) if region == "background" else (0.0, 1.2)
        for i, c in enumerate(("tab:red", "tab:green", "tab:blue")):
            for data, style, who in ((sr, "-", "real"), (ss, "--", "synthetic")):
                if len(data[region]):
                    h, edges = np.histogram(data[region][:, i], bins=60, range=span, density=True)
                    ax.plot(edges[:-1], h, style, color=c, label=f"{who} {'RGB'[i]}")
        unit = "RGB / 255" if region == "background" else "optical density"
        ax.set(title=f"{region}: {unit}", xlabel=unit)
    axes[0, 0].legend(fontsize=7)
    axes[1, 0].hist([dr, ds], bins=40, label=["real", "synthetic"], density=True)
    axes[1, 0].set(title="round-cell diameters (Hough)", xlabel="px")
    axes[1, 0].legend()
    for ax, name in zip(axes[1, 1:], ("log_sharpness", "log_noise")):
        ax.boxplot([[s.features[name] for s in real], [s.features[name] for s in synthetic]])
        ax.set_xticks([1, 2], ["real", "synthetic"])
        ax.set(title=name.replace("log_", "log ") + (" (Laplacian var.)" if "sharp" in name
                                                     else " (DN)"))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    write_atomic(out, buffer.getvalue())


def compare(real: str | Path, synthetic: str | Path, out: str | Path | None = None,
            seed: int = 0, transfer: str | None = None, epochs: int = 20,
            stream: TextIO | None = None) -> dict:
    """Compare two image folders (flat, or with class subfolders matched by name).

    Writes ``report.json`` and ``report.png`` into `out` when given. Returns the report: the
    overall comparison, plus one per class present on both sides, plus — when both folders hold
    the same classes — ``transfer``: train on synthetic, test on real (and the reverse) with the
    learners of `transfer` (:data:`export.realism.transfer.CHOICES`; None: ``features``),
    `epochs` for the CNN, progress on `stream` (:mod:`export.realism.transfer`).
    """
    from export.realism import transfer as tr  # builds on this module

    if out is not None:
        check_report_folder(Path(out))
    groups_r, groups_s = image_files(Path(real)), image_files(Path(synthetic))
    run = tr.learners(transfer, groups_r, groups_s, epochs)
    analysed_r = {k: [analyse(read_rgb(p)) for p in v] for k, v in groups_r.items()}
    analysed_s = {k: [analyse(read_rgb(p)) for p in v] for k, v in groups_s.items()}
    all_r = [s for v in analysed_r.values() for s in v]
    all_s = [s for v in analysed_s.values() for s in v]
    report = {"real": str(real), "synthetic": str(synthetic),
              "overall": compare_sets(all_r, all_s, seed)}
    shared = sorted(set(groups_r) & set(groups_s) - {""})
    if shared:
        report["classes"] = {k: compare_sets(analysed_r[k], analysed_s[k], seed) for k in shared
                             if min(len(analysed_r[k]), len(analysed_s[k])) >= 5}
    if run:
        report["transfer"] = tr.transfer_report(groups_r, groups_s, run, epochs, seed, stream)
    if out is not None:
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        write_atomic(out / "report.json", json_bytes(report))
        _plot(all_r, all_s, out / "report.png",
              (lambda axes: tr.plot(axes, report["transfer"])) if run else None)
    return report

