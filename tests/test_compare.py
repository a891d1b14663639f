"""The compare report: real against real is indistinguishable, real against a crude fake is not."""

import json
import shutil

import cv2
import numpy as np
import pytest

from export.cli import main
from export.realism.compare import _auc, analyse, classifier_auc, compare, feature_aucs
from export.realism.segmentation import regions, relative_od
from tests.conftest import NO_REFERENCE, REFERENCE

PBC = REFERENCE / "pbc"
needs_reference = pytest.mark.skipif(not PBC.is_dir(), reason=NO_REFERENCE)


def test_auc_is_the_mann_whitney_statistic():
    y = np.array([1, 1, 0, 0])
    assert _auc(np.array([3.0, 4.0, 1.0, 2.0]), y) == 1.0
    assert _auc(np.array([1.0, 2.0, 3.0, 4.0]), y) == 0.0
    assert _auc(np.array([1.0, 4.0, 2.0, 3.0]), y) == 0.5


def test_classifier_separates_shifted_sets_and_not_identical_ones():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(60, 5))
    assert classifier_auc(a, rng.normal(size=(60, 5)) + [2, 0, 0, 0, 0]) > 0.9
    aucs = [classifier_auc(rng.normal(size=(60, 5)), rng.normal(size=(60, 5)), seed=s)
            for s in range(5)]
    assert abs(np.mean(aucs) - 0.5) < 0.1


def test_feature_auc_points_at_the_shifted_feature():
    rng = np.random.default_rng(1)
    real, synthetic = rng.normal(size=(80, 5)), rng.normal(size=(80, 5))
    synthetic[:, 2] += 4.0
    synthetic[::7, 4] = np.nan  # missing figures are left out, not counted
    auc = feature_aucs(real, synthetic)
    assert auc[2] < 0.02
    assert np.all(np.abs(np.delete(auc, 2) - 0.5) < 0.15)


def test_regions_on_a_synthetic_image_match_its_truth(pbc):
    from export import make_image

    s = make_image(pbc, 2, 0)
    masks = regions(relative_od(s.image.rgb))
    owner = s.image.raster.owner
    kinds = np.array([c.kind for c in s.scene.cells] + ["background"])[owner]
    assert (kinds[masks["rbc"]] == "rbc").mean() > 0.9
    assert (kinds[masks["background"]] == "background").mean() > 0.9
    assert (kinds[masks["nucleus"]] != "background").mean() > 0.95


@needs_reference
def test_two_halves_of_the_real_reference_are_indistinguishable(tmp_path):
    for i, f in enumerate(sorted(PBC.glob("*/*.jpg"))):
        half = tmp_path / "ab"[i % 2] / f.parent.name
        half.mkdir(parents=True, exist_ok=True)
        shutil.copy(f, half / f.name)
    report = compare(tmp_path / "a", tmp_path / "b", tmp_path / "report")
    assert abs(report["overall"]["classifier_auc"] - 0.5) < 0.15
    assert set(report["classes"]) == {p.name for p in PBC.iterdir() if p.is_dir()}
    assert report["overall"]["colour_wasserstein"]["rbc"]["g"] < 0.01
    saved = json.loads((tmp_path / "report" / "report.json").read_text())
    assert saved["overall"]["classifier_auc"] == report["overall"]["classifier_auc"]
    assert cv2.imread(str(tmp_path / "report" / "report.png")) is not None


@needs_reference
def test_a_crude_fake_is_told_apart(tmp_path):
    fake = tmp_path / "fake"
    fake.mkdir()
    for i, f in enumerate(sorted(PBC.glob("*/*.jpg"))[::4]):
        img = cv2.imread(str(f))
        cv2.imwrite(str(fake / f"{i}.png"), cv2.GaussianBlur(img, (0, 0), 3))
    report = compare(PBC, fake)
    assert report["overall"]["classifier_auc"] > 0.9
    assert report["overall"]["sharpness_rel_diff"] < -0.5


def test_bad_folders_are_one_line_errors(tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert main(["compare", "--real", str(tmp_path / "none"), "--synthetic", str(empty)]) == 2
    assert main(["compare", "--real", str(empty), "--synthetic", str(empty)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert "is not a folder" in err[0] and "holds no images" in err[1]


def test_analyse_reports_every_feature(pbc):
    from export import make_image
    from export.realism.compare import FEATURES

    # one image's Hough median includes false circles (textured nuclei, gaps between cells):
    # the median over a few images tracks the red-cell size
    ratios = []
    for seed in range(5):
        s = make_image(pbc, seed, 0)
        stats = analyse(s.image.rgb)
        assert set(stats.features) == set(FEATURES)
        true = np.median([2 * np.sqrt(c.area / np.pi) for c in s.scene.cells if c.kind == "rbc"])
        ratios.append(stats.features["rbc_diameter_px"] * pbc.optics.frame.pixel_size / true)
    assert np.median(ratios) == pytest.approx(1.0, rel=0.1)
