"""Train on smearsim, recognise real cells: the transfer table of issue 14 for any configuration.

Generates (once; kept in ``--cache``) the training set of issue 14, ``smearsim generate --preset
pbc --balanced --count 1600 --seed 11 --formats yolo,crops`` (or the given preset / config /
``--set`` overrides, count and seed), then with :mod:`export.realism.transfer` trains on its
``crops/`` and tests on the real folder (TSTR), and the reverse as a diagnostic. Prints the
balanced accuracy of each learner and direction, the per-class recall, the largest confusions,
the CNN's training loss by epoch, the ``compare`` classifier AUC of the same two sets and
the real images each learner trained on synthetic got wrong.
``--real-cv`` adds the reference figure of a CNN trained on the real folder itself
(stratified k-fold cross-validation; a diagnostic only, never used to train on synthetic).

Usage (from the project root)::

    nice .venv/bin/python tests/bench/transfer.py --preset pbc --count 1600 --seed 11 \\
        --epochs 20 --real ../shared/reference/pbc --cache out/bench-transfer [--real-cv]

Image features, thumbnails and compare figures are cached in ``--cache`` by file, so a rerun
on the same dataset only trains; a changed configuration generates a new dataset.

One run's figures move with the seed: ``--seeds 11,12,13`` runs each seed (its own dataset and
CNN initialisation) and then prints every figure's mean ± sd over them. The CNN's seed alone
moves the balanced accuracy by ±0.04 (sd; one class's recall by up to ±0.3) on one and the same
dataset: ``--repeats 4`` trains four CNNs on each dataset (seeds s, s + 1000, ...), and the mean
over datasets × repeats is a configuration's figure (2 datasets × 4: standard error about
0.015). ``--paired EARLIER.json`` (an earlier run's ``--json``) then prints each
TSTR figure's mean difference from that run over the dataset and learner seeds both have, with
its standard error: the figure to compare configurations by (about ±0.01 on 4 CNNs, where the
two means each move by ±0.02 with their datasets). Two cautions: the CNN's figures are not
bit-reproducible across machines (CPU kernels differ and the training is chaotic), so pair only
against a baseline run on the same machine; and datasets on which earlier changes were chosen
favour the configuration that was kept (main scored 0.856 on datasets 11 and 14, 0.822 on 21 and
22, 4 CNNs each), so judge a change on datasets not used for choosing before.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from export import load_config
from export.config import dump_config
from export.job import generate
from export.realism import transfer as tr
from export.imagefile import read_rgb
from export.realism.compare import FEATURES, analyse, classifier_auc, image_files
from sim.classes import SUBJECT_CLASSES


def dataset(args: argparse.Namespace) -> Path:
    """The crops folder of the training set, generated into the cache unless already there."""
    overrides = list(args.set) + ['export.formats="yolo,crops"'] + [
        f"sim.population.subject_mix.{c}=1.0" for c in SUBJECT_CLASSES]
    config = load_config(args.preset or (None if args.config else "pbc"), args.config, overrides)
    key = hashlib.sha256(f"{dump_config(config)}\n{args.count} {args.seed}".encode()).hexdigest()
    out = args.cache / f"dataset-{key[:16]}"
    if not (out / "manifest.sha256").exists():
        print(f"generating {args.count} images into {out}", file=sys.stderr)
        generate(config, args.count, out, args.seed, args.workers,
                 resume=(out / "job.json").exists(), progress=sys.stderr)
    return out / "crops"


def compare_auc(real: list[Path], synthetic: list[Path], cache: Path) -> float:
    """The ``compare`` classifier two-sample AUC of two file lists (figures cached)."""
    def figures(files: list[Path]) -> np.ndarray:
        path = cache / f"compare-{tr.files_key(files, str(FEATURES))}.npy"
        if not path.exists():
            rows = [[a.features[k] for k in FEATURES] for a in map(analyse, map(read_rgb, files))]
            np.save(path, np.array(rows))
        return np.load(path)

    return classifier_auc(figures(real), figures(synthetic))


def real_cv(groups: dict[str, list[Path]], classes: list[str], args: argparse.Namespace) -> dict:
    """Scores of CNNs trained on k − 1 stratified folds of the real folder, tested on the k-th."""
    from export.realism import cnn

    _, thumbs, labels = tr.labelled(groups, classes, args.cache)
    rng = np.random.default_rng(args.seed)
    fold = np.empty(len(labels), int)
    for c in range(len(classes)):
        idx = np.flatnonzero(labels == c)
        fold[idx] = rng.permutation(len(idx)) % args.folds
    predicted = np.empty_like(labels)
    for k in range(args.folds):
        print(f"real cross-validation, fold {k + 1}/{args.folds}", file=sys.stderr)
        model, _ = cnn.train(thumbs[fold != k], labels[fold != k], len(classes), args.epochs,
                             args.seed, sys.stderr)
        predicted[fold == k] = cnn.predict(model, thumbs[fold == k])
    return tr.scores(labels, predicted, classes)


def _runs(report: dict) -> dict[str, dict]:
    """Column name → scores, for every learner and direction run."""
    out = {}
    for learner in ("features", "cnn"):
        for direction, short in zip(tr.DIRECTIONS, ("TSTR", "real→synth")):
            if direction in report.get(learner, {}):
                out[f"{learner} {short}"] = report[learner][direction]
    return out


def scores_table(runs: dict[str, dict], classes: list[str]) -> list[str]:
    """Balanced accuracy and per-class recall (a column per run), then each run's largest
    confusions."""
    def row(name: str, values: list[float], digits: int) -> str:
        return f"| {name:13s} | " + " | ".join(f"{v:19.{digits}f}" for v in values) + " |"

    lines = _header(list(runs)) + [
        row("balanced acc.", [r["balanced_accuracy"] for r in runs.values()], 3)]
    lines += [row(c, [r["recall"][c] for r in runs.values()], 2) for c in classes]
    lines.append("")
    for name, r in runs.items():
        top = ", ".join(f"{t['true']}→{t['predicted']} {100 * t['share']:.0f}%"
                        for t in r["top_confusions"][:4])
        lines.append(f"top confusions, {name}: {top}")
    return lines


def table(report: dict, auc: float, what: str) -> str:
    """The printed result: balanced accuracy, per-class recall, confusions, loss, AUC."""
    n = report["images"]
    lines = [what, f"real {sum(n['real'].values())} images, synthetic "
             f"{sum(n['synthetic'].values())} images, {len(report['classes'])} classes", ""]
    lines += scores_table(_runs(report), report["classes"])
    for direction in tr.DIRECTIONS:
        loss = report.get("cnn", {}).get(direction, {}).get("train_loss")
        if loss:
            marks = sorted({1, 2, 5, 10, 15, len(loss)} & set(range(1, len(loss) + 1)))
            lines.append(f"CNN train loss ({direction}), by epoch: " +
                         ", ".join(f"{e}: {loss[e - 1]:.3f}" for e in marks))
    if "skipped" in report.get("cnn", {}):
        lines.append(f"cnn: {report['cnn']['skipped']}")
    lines.append(f"compare classifier AUC (real vs synthetic): {auc:.3f}")
    return "\n".join(lines + misclassified(report))


def misclassified(report: dict) -> list[str]:
    """The real images each learner trained on synthetic got wrong, by true class."""
    lines = []
    for learner in ("cnn", "features"):
        wrong = report.get(learner, {}).get(tr.DIRECTIONS[0], {}).get("misclassified", [])
        if wrong:
            lines.append(f"real images {learner} TSTR got wrong (file -> predicted):")
        for c in report["classes"]:
            mine = [f"{Path(w['file']).stem} -> {w['predicted']}" for w in wrong if w["true"] == c]
            if mine:
                lines.append(f"  {c}: " + ", ".join(mine))
    return lines


def one_seed(args: argparse.Namespace, seed: int, learner_seed: int) -> dict:
    """The report of one dataset seed (its dataset generated unless cached) and learner seed,
    with the compare AUC on as many synthetic images per class as real ones (on all 1,600 it
    takes minutes; the two-sample test gains little from the larger side)."""
    crops = dataset(argparse.Namespace(**{**vars(args), "seed": seed}))
    real, synthetic = image_files(args.real), image_files(crops)
    run = tr.learners(args.learners, real, synthetic, args.epochs)
    report = tr.transfer_report(real, synthetic, run, args.epochs, learner_seed, sys.stderr,
                                args.cache)
    report["compare_classifier_auc"] = compare_auc(
        tr.ordered(real, report["classes"]),
        [f for c in report["classes"] for f in synthetic[c][:len(real[c])]], args.cache)
    report["seed"] = seed if learner_seed == seed else f"{seed}/{learner_seed}"
    return report


def _header(names: list[str]) -> list[str]:
    """The first two lines of a table with a column per run."""
    return [f"| {'class':13s} | " + " | ".join(f"{k:>19s}" for k in names) + " |",
            "|" + "---|" * (len(names) + 1)]


def mean_table(reports: list[dict]) -> str:
    """Balanced accuracy and per-class recall of every run, mean (± sd) over the seeds."""
    runs = [_runs(r) for r in reports]
    classes = reports[0]["classes"]
    lines = [f"mean over seeds {', '.join(str(r['seed']) for r in reports)}:"] + _header(
        list(runs[0]))
    for name, get in [("balanced acc.", lambda r: r["balanced_accuracy"])] + [
            (c, lambda r, c=c: r["recall"][c]) for c in classes]:
        cells = [np.array([get(rs[k]) for rs in runs]) for k in runs[0]]
        lines.append(f"| {name:13s} | " + " | ".join(f"{v.mean():12.3f} ± {v.std():.3f}"
                                                     for v in cells) + " |")
    return "\n".join(lines)


def paired_table(reports: list[dict], earlier: list[dict]) -> str:
    """Every learner's TSTR figures against an earlier run's on the same dataset and learner
    seeds: the mean difference ± its standard error over the seeds both have. The judge's
    noise is mostly the dataset's and the CNN seed's, which a paired difference cancels (two
    configurations' means 0.84 ± 0.01 each can differ by 0.04 ± 0.01 paired)."""
    before = {str(r["seed"]): r for r in earlier}
    pairs = [(before[str(r["seed"])], r) for r in reports if str(r["seed"]) in before]
    if not pairs:
        return "paired: no dataset and learner seed in common with the earlier run"
    classes = reports[0]["classes"]
    lines = [f"paired against the earlier run over seeds "
             f"{', '.join(str(b['seed']) for _, b in pairs)} (this − earlier, mean ± s.e.):"]
    for column in [c for c in _runs(pairs[0][1]) if "TSTR" in c and c in _runs(pairs[0][0])]:
        lines.append(f"{column}:")
        for name, get in [("balanced acc.", lambda r: r["balanced_accuracy"])] + [
                (c, lambda r, c=c: r["recall"][c]) for c in classes]:
            a = np.array([get(_runs(x)[column]) for x, _ in pairs])
            b = np.array([get(_runs(y)[column]) for _, y in pairs])
            se = (b - a).std(ddof=1) / np.sqrt(len(a)) if len(a) > 1 else float("nan")
            lines.append(f"  {name:13s} {a.mean():6.3f} -> {b.mean():6.3f}  "
                         f"{(b - a).mean():+6.3f} ± {se:.3f}")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default=None, help="shipped preset (default pbc)")
    p.add_argument("--config", default=None, type=Path, help="TOML file laid over the preset")
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE")
    p.add_argument("--count", type=int, default=1600, help="synthetic images (default 1600)")
    p.add_argument("--seed", type=int, default=11, help="dataset and learner seed (default 11)")
    p.add_argument("--seeds", default=None, metavar="S1,S2,...",
                   help="run every one of these seeds instead and print the mean as well")
    p.add_argument("--repeats", type=int, default=1,
                   help="learners trained on each dataset, seeds s, s + 1000, ... (default 1)")
    p.add_argument("--real", type=Path, default=Path("../shared/reference/pbc"))
    p.add_argument("--epochs", type=int, default=20, help="CNN epochs (default 20)")
    p.add_argument("--learners", default="both", choices=("features", "cnn", "both"))
    p.add_argument("--cache", type=Path, default=Path("out/bench-transfer"),
                   help="datasets and cached image figures (default out/bench-transfer)")
    p.add_argument("--workers", type=int, default=None, help="generate's workers")
    p.add_argument("--real-cv", action="store_true",
                   help="also a CNN cross-validated on the real folder (reference figure)")
    p.add_argument("--folds", type=int, default=5, help="folds of --real-cv (default 5)")
    p.add_argument("--json", type=Path, default=None, help="also write the report here")
    p.add_argument("--paired", type=Path, default=None, metavar="JSON",
                   help="an earlier run's --json: print every TSTR figure's paired difference")
    args = p.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")] if args.seeds else [args.seed]
    reports = []
    for seed, learner_seed in [(s, s + 1000 * k) for s in seeds for k in range(args.repeats)]:
        reports.append(one_seed(args, seed, learner_seed))
        what = (f"preset {args.preset or 'pbc'}" + (f" + {args.config}" if args.config else "")
                + "".join(f" --set {s}" for s in args.set)
                + f", {args.count} balanced, seed {reports[-1]['seed']}, CNN {args.epochs} epochs")
        _save(args.json, reports)
        print(table(reports[-1], reports[-1]["compare_classifier_auc"], what) + "\n", flush=True)
    if len(reports) > 1:
        print(mean_table(reports), flush=True)
    if args.paired:
        earlier = json.loads(args.paired.read_text())
        print(paired_table(reports, earlier if isinstance(earlier, list) else [earlier]),
              flush=True)
    if args.real_cv and tr.torch_available():  # last: the slowest, and only a reference
        report = reports[0]
        report["real_cv"] = real_cv(image_files(args.real), report["classes"], args)
        _save(args.json, reports)
        print(f"\nreference (diagnostic only): CNN trained on the real folder, {args.folds}-fold "
              "cross-validation\n" + "\n".join(scores_table({"cnn real CV": report["real_cv"]},
                                                            report["classes"])))


def _save(path: Path | None, reports: list[dict]) -> None:
    """Write the report (one seed) or the list of reports (several) as JSON to `path`."""
    if path is not None:
        path.write_text(json.dumps(reports[0] if len(reports) == 1 else reports, indent=1))

if __name__ == "__main__":
    main()
