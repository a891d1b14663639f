"""Calibration moves the simulator towards a laboratory's real images."""

import shutil

import cv2
import numpy as np
import pytest

from export import load_config, make_image
from export.calibrate import Knob, _set, calibrate, fit, write_preset
from export.cli import main
from export.compare import analyse, compare_sets
from tests.conftest import REFERENCE

BCCD = REFERENCE / "bccd" / "images"
PBC = REFERENCE / "pbc"

SYNTHETIC = 24
"""Synthetic images per side of the compare test."""

ITERATIONS = 2
"""Gauss–Newton iterations per calibration step (fewer than the command's default, to keep the
test short)."""

TELLING = 0.3
"""A feature whose own AUC (real vs synthetic) is further than this from 0.5 gives the synthetic
set away."""


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


@pytest.mark.skipif(not BCCD.is_dir(), reason="shared/reference not present")
@pytest.mark.parametrize("base, folder, stride, images, fewer, distances", [
    # BCCD: another lab; classifier AUC 1.0 before, 0.98 after; 14 of the 20 features give the
    # field preset away before, 2 after (red-cell area and the faintest stained pixels)
    ("field", BCCD, 9, 4, 8, (("background", "g"), ("rbc", "g"), ("rbc", "r"),
                              ("nucleus", "g"))),
    # PBC: the preset's own reference, AUC 0.997 before, 0.95 after; 4 telling features before
    # (background colour and noise), 1 after (the saturated red of the background); red cells
    # are within sampling noise before, so only the background is checked
    ("pbc", PBC, 8, 8, 2, (("background", "r"), ("background", "g")))])
def test_calibrating_moves_images_towards_the_reference(tmp_path, base, folder, stride, images,
                                                        fewer, distances):
    """Calibrated on a subset of a real set, the preset's images come closer to it: fewer
    features give them away, and the colour, sharpness and noise distances drop."""
    real_dir = tmp_path / "real"
    for f in sorted(folder.rglob("*.jpg"))[::stride]:
        # class subfolders kept: calibrate takes the lab's class mix from them
        (real_dir / f.parent.relative_to(folder)).mkdir(parents=True, exist_ok=True)
        shutil.copy(f, real_dir / f.relative_to(folder))
    out = write_preset(*calibrate(real_dir, base, images=images, iterations=ITERATIONS),
                       tmp_path / "lab.toml")
    fitted = load_config(None, out)
    real = [analyse(cv2.imread(str(f))[:, :, ::-1]) for f in sorted(real_dir.rglob("*.jpg"))]

    def report(config):
        r = compare_sets(real, [analyse(make_image(config, 7, i).image.rgb)
                                for i in range(SYNTHETIC)])
        r["telling"] = {f for f, a in r["feature_auc"].items() if abs(a - 0.5) > TELLING}
        return r

    before, after = report(load_config(base)), report(fitted)
    # the classifier two-sample test tells the calibrated images from the real ones less well
    assert after["classifier_auc"] < before["classifier_auc"] - 0.01
    assert len(after["telling"]) <= len(before["telling"]) - fewer
    for region, channel in distances:
        assert (after["colour_wasserstein"][region][channel]
                < before["colour_wasserstein"][region][channel])
    assert abs(after["noise_rel_diff"]) < abs(before["noise_rel_diff"])
    if base == "field":
        assert abs(after["sharpness_rel_diff"]) < abs(before["sharpness_rel_diff"])
    assert "Macenko" in out.read_text()
    # refuses to overwrite
    assert main(["calibrate", "--real", str(real_dir), "--out", str(out)]) == 2
