"""Calibration moves the simulator towards a laboratory's real images."""

import shutil

import cv2
import numpy as np
import pytest

from export import load_config, make_image
from export.calibrate import Knob, _set, fit
from export.cli import main
from export.compare import analyse, compare_sets
from tests.conftest import REFERENCE

BCCD = REFERENCE / "bccd" / "images"


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
def test_calibrating_on_bccd_moves_images_towards_bccd(tmp_path):
    real_dir = tmp_path / "bccd"
    real_dir.mkdir()
    for f in sorted(BCCD.glob("*.jpg"))[::9]:
        shutil.copy(f, real_dir / f.name)
    out = tmp_path / "lab.toml"
    assert main(["calibrate", "--real", str(real_dir), "--out", str(out), "--base-preset",
                 "field", "--images", "4"]) == 0
    fitted = load_config(None, out)
    real = [analyse(cv2.imread(str(f))[:, :, ::-1]) for f in sorted(real_dir.glob("*.jpg"))]

    def report(config):
        return compare_sets(real, [analyse(make_image(config, 7, i).image.rgb) for i in range(10)])

    before, after = report(load_config("field")), report(fitted)
    for region, channel in (("background", "g"), ("rbc", "g"), ("rbc", "r")):
        assert (after["colour_wasserstein"][region][channel]
                < before["colour_wasserstein"][region][channel])
    assert abs(after["sharpness_rel_diff"]) < abs(before["sharpness_rel_diff"])
    assert abs(after["noise_rel_diff"]) < abs(before["noise_rel_diff"])
    assert "Macenko" in out.read_text()
    # refuses to overwrite
    assert main(["calibrate", "--real", str(real_dir), "--out", str(out)]) == 2
