"""Calibration moves the simulator towards a laboratory's real images."""

import shutil

import cv2
import numpy as np
import pytest

from export import load_config, make_image
from export.realism.calibrate import Knob, _set, calibrate, fit, write_preset
from export.cli import main
from export.realism.compare import analyse, compare_sets
from tests.conftest import NO_REFERENCE, REFERENCE

BCCD = REFERENCE / "bccd" / "images"
PBC = REFERENCE / "pbc"

SYNTHETIC = 24
"""Synthetic images per side of the compare test."""

ITERATIONS = 2
"""Iterations per calibration step (fewer than the command's default, to keep the
test short)."""

TELLING = 0.3
"""A feature whose own AUC (real vs synthetic) is further than this from 0.5 gives the synthetic
set away."""

COLOUR_CLOSE = 0.015
"""A colour distance (Wasserstein, OD) below this counts as matched: about a tenth of the red
cells' green OD (0.106 in BCCD). With the dried red cells' pallor the field preset's red cells
lie 0.0112 from BCCD's in green before calibration and 0.0113 after (the fit trades it for the
others: red 0.027 -> 0.005, blue 0.016 -> 0.014)."""

CLOSE = 0.15
"""A noise or sharpness figure within this relative difference of the lab's counts as matched.
Focus and sensor are fitted together, so from a start already this close the fit may trade a
little of one for much of the other (PBC after the lymphocyte and ig refit of issue 14: noise 0.067 -> 0.107
while sharpness went -0.66 -> -0.08)."""


def test_fit_recovers_a_known_defocus():
    """Gauss–Newton on synthetic targets: the answer is known."""
    truth = load_config("pbc", overrides=["optics.psf.defocus=0.5"])
    target = {"log_sharpness": float(np.median(
        [analyse(make_image(truth, 0, i).image.rgb).features["log_sharpness"] for i in range(4)]))}
    start = load_config("pbc", overrides=["optics.psf.defocus=0.1"])
    found = fit(start, [Knob("optics.psf.defocus", None, 0.005, 5.0)], target, ["log_sharpness"],
                images=4, iterations=4)
    assert found.optics.psf.defocus == pytest.approx(0.5, rel=0.15)


def test_exposure_keeps_the_well_and_gain_consistent():
    c = _set(load_config("pbc"), [Knob("optics.sensor.photons", None, 100, 1e7)],
             np.array([2e5]))
    s = c.optics.sensor
    assert s.photons == 2e5
    assert s.full_well == pytest.approx(2e5 * s.quantum_efficiency / 0.9)
    assert s.gain == pytest.approx((2 ** s.adc_bits - 1) / s.full_well)


def _subset(folder, stride, into):
    """Every `stride`-th image of `folder` copied into `into`, class subfolders kept (calibrate
    takes the lab's class mix from them)."""
    for f in sorted(folder.rglob("*.jpg"))[::stride]:
        (into / f.parent.relative_to(folder)).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, into / f.relative_to(folder))
    return [analyse(cv2.imread(str(f))[:, :, ::-1]) for f in sorted(into.rglob("*.jpg"))]


@pytest.fixture(scope="module")
def labs(tmp_path_factory):
    """Two labs, each a subset of a real set, and the preset calibrated on it from the same
    start, the generic ``field`` preset; the analysed real images of each, and synthetic ones of
    the start and of each calibrated preset."""
    if not BCCD.is_dir():
        pytest.skip(NO_REFERENCE)
    start = [analyse(make_image(load_config("field"), 7, i).image.rgb) for i in range(SYNTHETIC)]
    out = {}
    for name, folder, stride, images in (("bccd", BCCD, 9, 4), ("pbc", PBC, 8, 8)):
        tmp = tmp_path_factory.mktemp(name)
        real = _subset(folder, stride, tmp / "real")
        preset = write_preset(*calibrate(tmp / "real", "field", images=images,
                                         iterations=ITERATIONS), tmp / "lab.toml")
        fitted = load_config(None, preset)
        out[name] = {"dir": tmp / "real", "real": real, "preset": preset, "before": start,
                     "after": [analyse(make_image(fitted, 7, i).image.rgb)
                               for i in range(SYNTHETIC)]}
    return out


def report(real, synthetic):
    """The compare report, with the set of features that give the synthetic images away and
    their mean separation."""
    r = compare_sets(real, synthetic)
    r["telling"] = {f for f, a in r["feature_auc"].items() if abs(a - 0.5) > TELLING}
    # how far the features lie apart on average: unlike the classifier's AUC it does not
    # saturate at 1 when some feature tells every image apart
    r["separation"] = float(np.nanmean([abs(a - 0.5) for a in r["feature_auc"].values()]))
    return r


@pytest.mark.parametrize("name, drop, fewer, distances", [
    # BCCD, another lab and camera: 16 of the 20 features give the field preset away before, 5
    # after (nuclear OD, the faintest stained pixels, red-cell area, noise); the classifier
    # still tells the sets apart (AUC 1.0 before, 0.976-1.0 after as the cells' look changed
    # from issue to issue: 24 images a side cannot resolve a drop from 1.0), so only its not
    # rising is asked
    ("bccd", 0.0, 8, (("background", "g"), ("rbc", "g"), ("rbc", "r"), ("nucleus", "g"),
                      ("nucleus", "b"))),
    # PBC, single-cell images of the lab whose colours the presets have: AUC 1.0 before,
    # 0.90-0.94 after; 3 telling features before (red-cell size, sharpness), none after
    ("pbc", 0.01, 4, (("rbc", "b"),))])
def test_calibrating_moves_the_images_towards_the_lab(labs, name, drop, fewer, distances):
    """Calibrated on a subset of a lab's images, the preset's images come closer to them: the
    classifier two-sample test's AUC drops by `drop` (or at least does not rise), fewer features
    give them away, and the colour, red-cell size, sharpness and noise distances drop (or stay
    within CLOSE of the lab's)."""
    lab = labs[name]
    before, after = (report(lab["real"], lab[k]) for k in ("before", "after"))
    assert after["classifier_auc"] <= before["classifier_auc"] - drop
    assert after["separation"] < before["separation"]
    # at least `fewer` telling features fewer, or none left where the start had fewer to lose
    assert len(after["telling"]) <= max(len(before["telling"]) - fewer, 0)
    for region, channel in distances:  # closer, or still close
        assert (after["colour_wasserstein"][region][channel]
                < max(before["colour_wasserstein"][region][channel], COLOUR_CLOSE))
    for figure in ("noise_rel_diff", "sharpness_rel_diff"):  # closer, or still close
        assert abs(after[figure]) < max(abs(before[figure]), CLOSE)
    assert after["rbc_diameter_px"]["wasserstein"] < 5
    assert "Macenko" in lab["preset"].read_text()
    # refuses to overwrite
    assert main(["calibrate", "--real", str(lab["dir"]), "--out", str(lab["preset"])]) == 2


def test_each_calibrated_preset_is_closest_to_its_own_lab(labs):
    """The preset calibrated on PBC is told from PBC images less well than the one calibrated on
    BCCD is, and the other way round."""
    for own, other in (("bccd", "pbc"), ("pbc", "bccd")):
        real = labs[own]["real"]
        mine, theirs = report(real, labs[own]["after"]), report(real, labs[other]["after"])
        assert mine["classifier_auc"] <= theirs["classifier_auc"]  # both 1.0 on BCCD
        assert mine["separation"] < theirs["separation"]
        assert len(mine["telling"]) < len(theirs["telling"])
        for region in ("background", "rbc"):
            assert (mine["colour_wasserstein"][region]["g"]
                    < theirs["colour_wasserstein"][region]["g"])
