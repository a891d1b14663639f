"""Generated datasets: layout, labels that match the rendered cells, determinism."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings, strategies as st

from export import generate, load_config, make_image
from optics.stain import optical_density
from sim.classes import CLASS_ID, CLASSES


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def read_yolo(path: Path) -> np.ndarray:
    rows = [list(map(float, line.split())) for line in path.read_text().splitlines()]
    return np.array(rows).reshape(-1, 5)


def test_ultralytics_layout_and_data_yaml(tmp_path, small_field):
    out = tmp_path / "ds"
    summary = generate(small_field, count=6, out=out, seed=3, workers=1)
    assert summary.images == 6 and sum(summary.splits.values()) == 6
    assert_data_yaml(out, summary.splits)
    images = sorted(p.stem for p in (out / "images").rglob("*.jpg"))
    labels = sorted(p.stem for p in (out / "labels").rglob("*.txt"))
    assert images == labels == [f"{i:06d}" for i in range(6)]
    for img in (out / "images").rglob("*.jpg"):
        split = img.parent.name
        assert (out / "labels" / split / f"{img.stem}.txt").exists()
        assert (out / "meta" / split / f"{img.stem}.json").exists()


def assert_data_yaml(out: Path, splits: dict[str, int]) -> None:
    """data.yaml, read with PyYAML: class names by id, and every split Ultralytics reads is a
    folder holding images — a split's own folder when it has images, another split's for an
    empty train or val, nothing for an empty test."""
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert data["names"] == dict(enumerate(CLASSES)) and data["nc"] == len(CLASSES)
    for key in ("train", "val"):
        assert (data[key] == f"images/{key}") == (splits[key] > 0)
    assert ("test" in data) == (splits.get("test", 0) > 0)
    for key in ("train", "val", "test"):
        if key in data:
            assert any((out / data[key]).glob("*.jpg")), f"{key}: {data[key]} holds no image"


@pytest.mark.parametrize("split", ["1,0,0", "0.5,0.5,0", "0,0,1", "0.4,0.3,0.3"])
def test_data_yaml_points_at_images_for_any_split(tmp_path, pbc, split):
    shares = [float(v) for v in split.split(",")]
    config = load_config("pbc", overrides=[f"export.split={shares}"])
    summary = generate(config, count=5, out=tmp_path / "ds", seed=2, workers=1)
    assert_data_yaml(tmp_path / "ds", summary.splits)


def test_labels_are_normalised_and_agree_with_metadata(tmp_path, pbc):
    out = tmp_path / "ds"
    generate(pbc, count=5, out=out, seed=11, workers=1)
    for meta_path in (out / "meta").rglob("*.json"):
        meta = json.loads(meta_path.read_text())
        rows = read_yolo(out / meta["labels"])
        assert rows.size, "every pbc image has labelled cells"
        assert np.all(rows[:, 1:] > 0) and np.all(rows[:, 1:] <= 1)
        assert np.all(rows[:, 1:3] - rows[:, 3:5] / 2 >= -1e-6)
        assert np.all(rows[:, 1:3] + rows[:, 3:5] / 2 <= 1 + 1e-6)
        labelled = [c for c in meta["cells"] if c["label"]]
        assert len(labelled) == len(rows)
        w, h = meta["size_px"]
        for cell, row in zip(labelled, rows):
            x0, y0, x1, y1 = cell["label"]["box_px"]
            assert row[0] == CLASS_ID[cell["class"]]
            assert row[1:] == pytest.approx([(x0 + x1) / 2 / w, (y0 + y1) / 2 / h,
                                             (x1 - x0) / w, (y1 - y0) / h], abs=1e-6)
        subject = [c for c in meta["cells"] if c["subject"]]
        assert len(subject) == 1 and subject[0]["label"] is not None
        assert subject[0]["centre_um"] == pytest.approx(
            [w * meta["pixel_size_um"] / 2, h * meta["pixel_size_um"] / 2], abs=1e-4)
        assert meta["seed"] == 11
        config_bytes = (out / meta["config"]).read_bytes()
        assert meta["config_sha256"] == hashlib.sha256(config_bytes).hexdigest()
        assert load_config(None, out / meta["config"]) == pbc


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 10**6))
def test_every_box_contains_its_cells_pixels(seed, index, small_field):
    s = make_image(small_field, seed, index)
    owner = s.image.raster.owner
    boxes = {lab.cell: lab.box for lab in s.labels}
    od = optical_density(s.image.raster.density, small_field.optics).sum(axis=2)
    for cell in s.scene.cells:
        ys, xs = np.nonzero(owner == cell.index)
        if cell.index not in boxes:
            # unlabelled: hardly visible
            assert len(xs) < small_field.export.min_visible * s.image.raster.area[cell.index] + 1
            continue
        x0, y0, x1, y1 = boxes[cell.index]
        assert xs.min() == x0 and xs.max() == x1 - 1 and ys.min() == y0 and ys.max() == y1 - 1
        # the cell's pixels are stained: what the box holds is what was rendered
        assert np.median(od[ys, xs]) > 0.02
    background = owner == -1
    if background.any():
        assert np.median(od[background]) < 0.01


def test_each_rendered_cell_is_labelled_with_its_class(pbc):
    s = make_image(pbc, 5, 0)
    kinds = {lab.cell: CLASSES[lab.class_id] for lab in s.labels}
    for cell in s.scene.cells:
        if cell.index in kinds:
            assert kinds[cell.index] == cell.kind
    assert sum(1 for c in s.scene.cells if c.subject and c.index in kinds) == 1


def test_same_seed_same_bytes_for_any_worker_count(tmp_path, pbc):
    a, b, c = tmp_path / "w1", tmp_path / "w2", tmp_path / "seed2"
    generate(pbc, count=8, out=a, seed=42, workers=1)
    generate(pbc, count=8, out=b, seed=42, workers=2)
    generate(pbc, count=8, out=c, seed=43, workers=2)
    da, db = digest(a), digest(b)
    assert da == db and len(da) == 8 * 3 + 4  # + config, job, data.yaml, manifest
    dc = digest(c)
    assert sum(da[k] != dc.get(k) for k in da if k.endswith(".jpg")) >= 6


def test_image_does_not_depend_on_the_count(tmp_path, pbc):
    s1 = make_image(pbc, 9, 3)
    s2 = make_image(pbc, 9, 3)
    assert np.array_equal(s1.image.rgb, s2.image.rgb)
    assert not np.array_equal(s1.image.rgb, make_image(pbc, 9, 4).image.rgb)
