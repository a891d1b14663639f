"""Detection transfer: the class mapping and views (always), and a tiny Ultralytics run on our own
data.yaml and through ``smearsim detect`` (skipped without the detect extra)."""

import hashlib
import importlib.util
import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from export import generate, load_config
from export.cli import main
from export.realism import detection
from sim.classes import CLASS_ID, CLASSES, WHITE_CLASSES
from export.errors import InputError

BENCH = Path(__file__).parent / "bench" / "detection.py"


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def class_counts(label_files, names) -> dict[str, int]:
    """Objects per class name, read straight from YOLO label files."""
    counts = dict.fromkeys(names, 0)
    for f in label_files:
        for line in Path(f).read_text().splitlines():
            counts[names[int(line.split()[0])]] += 1
    return counts


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """Four pbc fields, all in train: the split whose data.yaml used to stop Ultralytics."""
    out = tmp_path_factory.mktemp("det") / "ds"
    generate(load_config("pbc", overrides=["export.split=[1.0, 0.0, 0.0]"]), 4, out, seed=4,
             workers=1)
    return out


def test_every_smearsim_class_maps_onto_the_real_classes():
    real = {c: detection.REAL_CLASSES[detection.TO_REAL[CLASS_ID[c]]] for c in CLASSES}
    assert set(detection.TO_REAL) == set(range(len(CLASSES)))
    assert {c for c, r in real.items() if r == "WBC"} == set(WHITE_CLASSES)
    assert (real["erythroblast"], real["platelet"], real["rbc"]) == ("WBC", "Platelets", "RBC")


line = st.tuples(st.integers(0, len(CLASSES) - 1),
                 st.lists(st.floats(0, 1, allow_nan=False), min_size=4, max_size=12))


@given(st.lists(line, max_size=20))
def test_mapping_rewrites_only_the_class_ids(lines):
    text = "".join(f"{c} {' '.join(f'{v:.6f}' for v in xy)}\n" for c, xy in lines)
    mapped = detection.map_labels(text, detection.TO_REAL).splitlines()
    assert len(mapped) == len(lines)
    for out, src in zip(mapped, text.splitlines()):
        assert int(out.split()[0]) == detection.TO_REAL[int(src.split()[0])]
        assert out.split()[1:] == src.split()[1:]


@pytest.mark.parametrize("bad", ["3", "x", "-1", "1.0"])
def test_an_id_outside_the_mapping_is_named(bad):
    text = f"0 0.5 0.5 0.1 0.1\n{bad} 0.5 0.5 0.1 0.1\n"
    with pytest.raises(InputError, match=r"some/file.txt: class id .* is not one of \[0, 1, 2\]"):
        detection.map_labels(text, detection.REAL_IDENTITY, "some/file.txt")


def test_view_maps_a_copy_and_leaves_the_dataset_alone(dataset, tmp_path):
    before = digest(dataset)
    pairs = detection.labelled_images(dataset)
    images = detection.write_view(pairs, detection.TO_REAL, tmp_path / "view")
    assert digest(dataset) == before
    assert sorted(p.name for p in images.rglob("*.jpg")) == sorted(p.name for p, _ in pairs)
    for image, label in pairs:
        rel = image.relative_to(dataset / "images")
        assert (images / rel).resolve() == image.resolve()
        view = (tmp_path / "view" / "labels" / rel).with_suffix(".txt")
        assert view.read_text() == detection.map_labels(label.read_text(), detection.TO_REAL)
    assert (class_counts([l for _, l in pairs], CLASSES)["rbc"]
            == class_counts((tmp_path / "view" / "labels").rglob("*.txt"),
                            detection.REAL_CLASSES)["RBC"])


def test_detect_refuses_bad_input_with_one_line(dataset, tmp_path, capsys):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    cases = {"--imgsz": ["--imgsz", "100"], "--epochs": ["--epochs", "0"],
             "no images/": ["--real", str(tmp_path)], "--work": ["--work", str(tmp_path / "full")]}
    for expected, extra in cases.items():
        argv = ["detect", "--synthetic", str(dataset), "--real", str(dataset), *extra]
        assert main(argv) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and expected in err
    assert list((tmp_path / "full").iterdir()) == [tmp_path / "full" / "x"]


@pytest.fixture(scope="module")
def ultralytics():
    """Ultralytics, with the benchmark's torchvision shim (for a torchvision built for another
    torch); skips without the detect extra."""
    pytest.importorskip("ultralytics")
    spec = importlib.util.spec_from_file_location("bench_detection", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    bench.shim_torchvision()


TINY = detection.Training(epochs=1, imgsz=64, batch=4)


def test_ultralytics_trains_on_our_data_yaml_unmodified(ultralytics, dataset, tmp_path):
    before = digest(dataset)
    weights = detection.train(dataset / "data.yaml", tmp_path, TINY)
    report = detection.evaluate(weights, dataset / "data.yaml", tmp_path, TINY)
    after = digest(dataset)  # Ultralytics only adds its label cache (why views are used)
    assert before.items() <= after.items()
    assert all(k.endswith(".cache") for k in after.keys() - before)
    counts = class_counts((dataset / "labels").rglob("*.txt"), CLASSES)
    assert {c: r["instances"] for c, r in report["classes"].items()} == counts
    for c, r in [*report["classes"].items(), ("all", report["all"])]:
        if c != "all" and counts[c] == 0:
            assert r["map50"] is None and r["map50_95"] is None
        else:
            assert 0 <= r["map50_95"] <= r["map50"] <= 1


def test_detect_command_reports_every_real_class(ultralytics, dataset, tmp_path, capsys):
    real = tmp_path / "real"  # a stand-in real folder: our fields with labels mapped
    detection.write_view(detection.labelled_images(dataset), detection.TO_REAL, real)
    before = digest(real)
    argv = ["detect", "--synthetic", str(dataset), "--real", str(real), "--work",
            str(tmp_path / "work"), "--epochs", "1", "--imgsz", "64", "--batch", "4"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "work" / "report.json").read_text())
    assert digest(real) == before, "nothing is written into the real folder"
    counts = class_counts((real / "labels").rglob("*.txt"), detection.REAL_CLASSES)
    assert {c: r["instances"] for c, r in report["classes"].items()} == counts
    assert report["trained_on"] == report["tested_on"] == 4
    for name in (*detection.REAL_CLASSES, "all"):
        assert any(row.split()[:1] == [name] for row in out.splitlines())
