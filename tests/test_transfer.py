"""Train on synthetic, test on real: the transfer report of ``smearsim compare`` on tiny data."""

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from export.cli import main
from export.realism import transfer as tr
from export.realism.cellfeatures import NAMES, lbp_histogram
from export.realism.compare import compare, image_files
from export.errors import InputError
from sim.schema import ConfigError

KINDS = ("eosinophil", "lymphocyte", "platelet")
"""Toy classes: a large lilac cell with a purple nucleus, a small cell that is nearly all
nucleus, and a few small lilac dots without a nucleus."""


def _toy(kind: str, rng: np.random.Generator, side: int = 120) -> np.ndarray:
    """A toy single-cell RGB image of `kind` on a pale slide, position and shade jittered."""
    img = np.empty((side, side + 1, 3), np.float32)
    img[:] = (235, 228, 232) + rng.normal(0, 2, 3)
    c = side // 2 + rng.integers(-4, 5, 2)
    if kind == "eosinophil":
        cv2.circle(img, (int(c[0]), int(c[1])), 34, (195, 165, 205), -1)
        cv2.circle(img, (int(c[0]), int(c[1])), 14, (80, 40, 130), -1)
    elif kind == "lymphocyte":
        cv2.circle(img, (int(c[0]), int(c[1])), 22, (170, 180, 225), -1)
        cv2.circle(img, (int(c[0]), int(c[1])), 19, (70, 35, 120), -1)
    else:
        for dx, dy in rng.integers(-12, 13, (5, 2)):
            cv2.circle(img, (int(c[0] + dx), int(c[1] + dy)), 3, (190, 150, 210), -1)
    img += rng.normal(0, 3, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def _folder(root, rng, per_class: int, kinds=KINDS, layout=""):
    for k in kinds:
        sub = root / layout / k
        sub.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            cv2.imwrite(str(sub / f"{k}_{i}.png"), _toy(k, rng)[:, :, ::-1])
    return root


@pytest.fixture(scope="module")
def toy(tmp_path_factory):
    """A real and a synthetic toy folder, 4 images per class each (synthetic: crops/SPLIT/)."""
    root = tmp_path_factory.mktemp("toy")
    real = _folder(root / "real", np.random.default_rng(0), 4)
    synthetic = root / "synthetic" / "crops"
    _folder(synthetic, np.random.default_rng(1), 3, layout="train")
    _folder(synthetic, np.random.default_rng(2), 1, layout="val")
    return real, synthetic


@settings(max_examples=60, deadline=None)
@given(st.integers(2, 6).flatmap(lambda k: st.tuples(
    st.just(k), st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=1,
                         max_size=80))))
def test_scores_are_consistent(case):
    k, pairs = case
    true, predicted = np.array(pairs).T
    classes = [f"c{i}" for i in range(k)]
    s = tr.scores(true, predicted, classes)
    matrix = np.array(s["confusion"])
    assert matrix.shape == (k, k)
    assert np.array_equal(matrix.sum(axis=1), np.bincount(true, minlength=k))
    assert np.array_equal(matrix.sum(axis=0), np.bincount(predicted, minlength=k))
    recalls = [r for r in s["recall"].values() if r is not None]
    assert len(recalls) == len(np.unique(true))
    assert s["balanced_accuracy"] == pytest.approx(np.mean(recalls), abs=1e-4)
    assert s["accuracy"] == pytest.approx(np.mean(true == predicted))
    shares = [t["share"] for t in s["top_confusions"]]
    assert shares == sorted(shares, reverse=True)
    assert all(t["true"] != t["predicted"] and t["count"] > 0 for t in s["top_confusions"])


def test_lbp_of_a_flat_image_is_all_one_pattern_and_of_noise_spread():
    mask = np.ones((40, 40), bool)
    flat = lbp_histogram(np.zeros((40, 40), np.float32), mask)
    assert flat[8] == 1.0  # every neighbour >= the centre: eight set bits
    noise = lbp_histogram(np.random.default_rng(0).normal(size=(40, 40)), mask)
    assert noise.sum() == pytest.approx(1.0) and (noise > 0).sum() == 10
    assert np.isnan(lbp_histogram(np.zeros((40, 40)), ~mask)).all()


def test_crops_splits_are_merged_by_class(toy):
    _, synthetic = toy
    groups = image_files(synthetic)
    assert sorted(groups) == sorted(KINDS)
    assert all(len(v) == 4 for v in groups.values())


def test_separable_toy_problem_is_learnt_both_ways(toy, tmp_path):
    real, synthetic = toy
    report = compare(real, synthetic, tmp_path / "report", transfer="features")
    t = report["transfer"]
    assert t["classes"] == list(KINDS)  # smearsim's label order
    assert t["images"] == {"real": dict.fromkeys(KINDS, 4), "synthetic": dict.fromkeys(KINDS, 4)}
    for direction in tr.DIRECTIONS:
        r = t["features"][direction]
        assert r["balanced_accuracy"] == 1.0 and r["accuracy"] == 1.0
        assert np.array_equal(np.array(r["confusion"]), 4 * np.eye(3))
        assert r["top_confusions"] == [] and r["train_images"] == r["test_images"] == 12
        assert r["misclassified"] == []
    saved = json.loads((tmp_path / "report" / "report.json").read_text())
    assert saved["transfer"] == t
    png = cv2.imread(str(tmp_path / "report" / "report.png"))
    assert png.shape[0] > png.shape[1]  # four rows of panels: the transfer rows added


def test_the_images_a_learner_gets_wrong_are_named(toy, tmp_path):
    real, _ = toy
    swapped = tmp_path / "swapped"  # synthetic eosinophils filed as lymphocytes and back
    for kind, shown in zip(KINDS, ("lymphocyte", "eosinophil", "platelet")):
        _folder(swapped, np.random.default_rng(3), 4, kinds=(kind,))
        (swapped / kind).rename(swapped / f"_{shown}")
    for d in swapped.iterdir():
        d.rename(swapped / d.name[1:])
    t = tr.transfer_report(image_files(real), image_files(swapped), ("features",))
    wrong = t["features"]["synthetic_to_real"]["misclassified"]
    assert sorted((Path(w["file"]).name, w["true"], w["predicted"]) for w in wrong) == sorted(
        [(f"eosinophil_{i}.png", "eosinophil", "lymphocyte") for i in range(4)]
        + [(f"lymphocyte_{i}.png", "lymphocyte", "eosinophil") for i in range(4)])
    assert all(Path(w["file"]).parent == real / w["true"] for w in wrong)


def test_features_see_the_nucleus(toy):
    real, _ = toy
    groups = image_files(real)
    features, thumbs, labels = tr.labelled(groups, list(KINDS))
    assert features.shape == (12, len(NAMES)) and thumbs.shape == (12, 96, 96, 3)
    nc = features[:, NAMES.index("nc_ratio")]
    assert np.all(nc[labels == 1] > nc[labels == 0])  # the lymphocyte is nearly all nucleus
    assert np.all(features[labels == 2, NAMES.index("nucleus_area")] == 0)


def test_features_are_cached_by_file(toy, tmp_path, monkeypatch):
    real, _ = toy
    files = [f for g in image_files(real).values() for f in g]
    first = tr.image_arrays(files, tmp_path)
    monkeypatch.setattr(tr, "cell_features", lambda rgb: pytest.fail("cache not used"))
    again = tr.image_arrays(files, tmp_path)
    assert np.array_equal(first[0], again[0], equal_nan=True)
    assert np.array_equal(first[1], again[1])


def test_runs_sharing_a_cache_do_not_collide(toy, tmp_path, monkeypatch):
    """A second run saving the same cache entry while the first is between writing and renaming
    its file (two benchmarks on one cache) leaves both runs whole and one complete entry."""
    real, _ = toy
    files = [f for g in image_files(real).values() for f in g]
    save, nested = np.savez_compressed, []

    def interleaved(*args, **kwargs):
        save(*args, **kwargs)
        if not nested:
            nested.append(None)  # the second run saves without interleaving
            nested[0] = tr.image_arrays(files, tmp_path)

    monkeypatch.setattr(np, "savez_compressed", interleaved)
    first = tr.image_arrays(files, tmp_path)
    monkeypatch.setattr(tr, "cell_features", lambda rgb: pytest.fail("cache not used"))
    again = tr.image_arrays(files, tmp_path)
    assert [p.suffix for p in tmp_path.iterdir()] == [".npz"]
    for other in (nested[0], again):
        assert np.array_equal(first[0], other[0], equal_nan=True)
        assert np.array_equal(first[1], other[1])


def test_mismatched_classes_are_one_clear_error(toy, tmp_path, capsys):
    real, _ = toy
    other = _folder(tmp_path / "other", np.random.default_rng(3), 2, kinds=KINDS[:2] + ("ig",))
    with pytest.raises(InputError, match="only in real: platelet; only in synthetic: ig"):
        compare(real, other)
    out = tmp_path / "report"
    assert main(["compare", "--real", str(real), "--synthetic", str(other),
                 "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "only in synthetic: ig" in err[0] and not out.exists()
    assert "transfer" not in compare(real, other, transfer="none")


def test_transfer_on_flat_folders(toy, tmp_path, capsys):
    real, _ = toy
    flat = tmp_path / "flat"
    flat.mkdir()
    for f in sorted(real.rglob("*.png"))[:6]:
        (flat / f.name).write_bytes(f.read_bytes())
    assert "transfer" not in compare(real, flat)  # default: only when both have classes
    assert main(["compare", "--real", str(real), "--synthetic", str(flat),
                 "--transfer", "features"]) == 2
    assert "needs one subfolder per class" in capsys.readouterr().err
    with pytest.raises(ConfigError, match="epochs 0 is out of range"):
        compare(real, real, epochs=0)


def test_without_torch_the_feature_learner_runs_alone(toy, monkeypatch):
    real, synthetic = toy
    monkeypatch.setattr(tr, "torch_available", lambda: False)
    log = io.StringIO()
    t = tr.transfer_report(image_files(real), image_files(synthetic), ("features", "cnn"),
                           stream=log)
    assert t["cnn"] == {"skipped": tr.NO_TORCH}
    assert t["features"]["synthetic_to_real"]["balanced_accuracy"] == 1.0
    assert sum("PyTorch" in line for line in log.getvalue().splitlines()) == 1
    assert tr.summary(t)["cnn"] == {"skipped": tr.NO_TORCH}


def test_cnn_report_and_determinism(toy, tmp_path, capsys):
    pytest.importorskip("torch")
    real, synthetic = toy
    out = tmp_path / "report"
    assert main(["compare", "--real", str(real), "--synthetic", str(synthetic), "--out",
                 str(out), "--transfer", "cnn", "--epochs", "1"]) == 0
    printed = json.loads(capsys.readouterr().out)
    report = json.loads((out / "report.json").read_text())["transfer"]
    assert "features" not in report
    for direction in tr.DIRECTIONS:
        r = report["cnn"][direction]
        assert np.array(r["confusion"]).sum(axis=1).tolist() == [4, 4, 4]
        assert len(r["train_loss"]) == r["epochs"] == 1
        assert printed["transfer_balanced_accuracy"]["cnn"][direction] == round(
            r["balanced_accuracy"], 4)
    again = tr.transfer_report(image_files(real), image_files(synthetic), ("cnn",), epochs=1)
    assert again["cnn"] == report["cnn"]


def test_cnn_learns_the_toy_problem():
    torch = pytest.importorskip("torch")
    from export.realism import cnn

    rng = np.random.default_rng(4)
    labels = np.repeat(np.arange(3), 8)
    thumbs = np.stack([tr.thumbnail(_toy(KINDS[k], rng)) for k in labels])
    model, losses = cnn.train(thumbs, labels, 3, 15, seed=0)
    assert losses[-1] < 0.5 * losses[0]
    assert (cnn.predict(model, thumbs) == labels).mean() > 0.9
    x = torch.arange(2 * 3 * 4 * 4, dtype=torch.float32).reshape(2, 3, 4, 4)
    turned = cnn.dihedral(x, np.array([1, 4]))
    assert torch.equal(turned[0], torch.rot90(x[0], 1, (-2, -1)))
    assert torch.equal(turned[1], x[1].flip(-1))


def _bench_transfer():
    """tests/bench/transfer.py as a module (it imports its neighbours by name)."""
    import importlib.util
    import sys

    bench = Path(__file__).resolve().parent / "bench"
    sys.path.insert(0, str(bench))
    try:
        spec = importlib.util.spec_from_file_location("bench_transfer", bench / "transfer.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(bench))
    return module


@settings(max_examples=30, deadline=None)
@given(a=st.lists(st.floats(0.0, 1.0), min_size=2, max_size=6),
       shift=st.floats(-0.3, 0.3), extra=st.integers(0, 2))
def test_paired_table_differences_the_runs_of_the_same_seeds_only(a, shift, extra):
    """The transfer bench's --paired: over the seeds both runs have (an earlier run's extra
    seeds are ignored), the mean of this run's TSTR balanced accuracy less the earlier one's,
    with the standard error of the differences."""
    bench = _bench_transfer()

    def report(seed, value):
        scores = {"balanced_accuracy": value, "recall": {"ig": value}}
        return {"seed": seed, "classes": ["ig"], "cnn": {d: scores for d in tr.DIRECTIONS}}

    earlier = [report(f"11/{i}", v) for i, v in enumerate(a)]
    earlier += [report(f"99/{i}", 0.5) for i in range(extra)]
    b = [v + shift + 0.01 * (i % 2) for i, v in enumerate(a)]
    now = [report(f"11/{i}", v) for i, v in enumerate(b)]
    text = bench.paired_table(now, earlier)
    line = next(row for row in text.splitlines() if "balanced acc." in row)
    d = np.array(b) - np.array(a)
    assert line.split()[-3:] == [f"{d.mean():+6.3f}".strip(), "±",
                                 f"{d.std(ddof=1) / np.sqrt(len(d)):.3f}"]
    assert "99/" not in text.splitlines()[0]
    assert "no dataset" in bench.paired_table(now, [report("12", 0.1)])
