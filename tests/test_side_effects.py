"""Issue 12, items 5 and 6, and issue 13, items 6 and 7 for the realism tools: no hidden change
to the caller's process, errors by kind with options named for the caller, measurements that
refuse what they would measure wrongly, and strict JSON reports."""

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest

from export import errors, generate, load_config
from export.cli import main
from export.imagefile import read_rgb
from export.realism import calibrate, compare


def cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_importing_export_leaves_the_umask_alone():
    code = ("import os; calls = []; real = os.umask\n"
            "os.umask = lambda m: calls.append(m) or real(m)\n"
            "import export, export.files, export.cli\nassert not calls, calls")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_generate_in_process_leaves_memory_and_numpy_settings_alone(tmp_path, monkeypatch):
    from numpy._core import multiarray
    monkeypatch.setattr("export.parallel.tune_memory", lambda: pytest.fail("tuned the caller"))
    before = multiarray._set_madvise_hugepage(True)
    multiarray._set_madvise_hugepage(before)
    generate(load_config("pbc", overrides=["optics.frame.width=64", "optics.frame.height=64"]),
             1, tmp_path / "ds", workers=1)
    assert multiarray._set_madvise_hugepage(before) == before


def test_compare_report_leaves_the_matplotlib_backend_alone(tmp_path):
    import matplotlib
    backend = matplotlib.get_backend()
    rgb = np.full((64, 64, 3), 220, np.uint8)
    cv2.circle(rgb, (32, 32), 12, (200, 120, 130), -1)
    stats = [compare.analyse(rgb)] * 3
    compare._plot(stats, stats, tmp_path / "report.png")
    assert matplotlib.get_backend() == backend
    assert cv2.imread(str(tmp_path / "report.png")) is not None


def test_calibration_changes_the_full_well_only_with_the_exposure():
    base = load_config("pbc")
    knob = calibrate.Knob("optics.psf.defocus", None, 0.005, 5.0)
    moved = calibrate._set(base, [knob], np.array([0.3]))
    assert moved.optics.sensor.full_well == base.optics.sensor.full_well
    assert moved.optics.sensor.gain == base.optics.sensor.gain
    exposure = calibrate.Knob(calibrate.EXPOSURE_KEY, None, 100.0, 5e6)
    brighter = calibrate._set(base, [exposure], np.array([2 * base.optics.sensor.photons]))
    assert brighter.optics.sensor.full_well == pytest.approx(2 * base.optics.sensor.full_well,
                                                             rel=0.01)


def test_errors_have_kinds_and_name_options_for_their_caller(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(errors.OutputFolderError) as e:
        generate(load_config("pbc"), 1, tmp_path / "file", workers=1)
    assert "--out" not in str(e.value) and "out '" in str(e.value)
    assert e.value.cli().startswith("--out ")
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"not an image")
    with pytest.raises(errors.InputError, match="cannot read image"):
        read_rgb(bad)
    for kind in (errors.ConfigError, errors.InputError, errors.OutputFolderError,
                 errors.SchedulerError, errors.OutputError):
        assert issubclass(kind, errors.SmearsimError)


def test_opencv_failures_raise_even_under_python_O():
    code = ("import cv2, export.job as j, export\n"
            "cv2.imencode = lambda *a, **k: (False, None)\n"
            "c = export.load_config('pbc', overrides=['optics.jpeg.enabled=false',"
            "'optics.frame.width=32','optics.frame.height=32'])\n"
            "try:\n    j.render_files(c, 0, 0)\nexcept RuntimeError as e:\n    print('raised', e)\n")
    r = subprocess.run([sys.executable, "-O", "-c", code], capture_output=True, text=True)
    assert "raised OpenCV failed" in r.stdout, r.stderr


def jpeg(path, rgb):
    ok, data = cv2.imencode(".jpg", rgb[:, :, ::-1])
    path.write_bytes(data.tobytes())


def test_truncated_and_tiny_images_are_refused_not_measured(tmp_path):
    rgb = np.random.default_rng(0).integers(0, 255, (80, 80, 3), dtype=np.uint8)
    whole, cut, tiny = tmp_path / "whole.jpg", tmp_path / "cut.jpg", tmp_path / "tiny.jpg"
    jpeg(whole, rgb)
    cut.write_bytes(whole.read_bytes()[: len(whole.read_bytes()) // 2])
    jpeg(tiny, rgb[:1, :1])
    assert read_rgb(whole).shape == (80, 80, 3)
    assert cv2.imread(str(cut)) is not None  # OpenCV would have measured it
    with pytest.raises(errors.InputError, match="truncated"):
        read_rgb(cut)
    with pytest.raises(errors.InputError, match="at least 32 px"):
        read_rgb(tiny)


def test_calibrate_on_1x1_images_is_one_line(tmp_path, capsys):
    for k in range(3):
        jpeg(tmp_path / f"{k}.jpg", np.zeros((1, 1, 3), np.uint8))
    code, _, err = cli(["calibrate", "--real", str(tmp_path), "--out", str(tmp_path / "a.toml")],
                       capsys)
    assert code == 2 and err.count("\n") == 1 and "at least 32 px" in err


def test_blank_and_black_images_give_strict_json(tmp_path, capsys):
    real, synthetic = tmp_path / "real", tmp_path / "syn"
    for folder, value in ((real, 255), (synthetic, 0)):
        folder.mkdir()
        for k in range(6):
            jpeg(folder / f"{k}.jpg", np.full((64, 64, 3), value, np.uint8))
    code, out, _ = cli(["compare", "--real", str(real), "--synthetic", str(synthetic), "--out",
                        str(tmp_path / "r")], capsys)
    assert code == 0

    def refuse(token):
        raise AssertionError(f"{token} is not JSON")

    json.loads((tmp_path / "r" / "report.json").read_text(), parse_constant=refuse)
    json.loads(out, parse_constant=refuse)


def test_compare_out_naming_a_file_is_one_line_before_measuring(tmp_path, capsys):
    (tmp_path / "report").write_text("mine")
    code, _, err = cli(["compare", "--real", str(tmp_path), "--synthetic", str(tmp_path),
                        "--out", str(tmp_path / "report")], capsys)
    assert code == 2 and err.count("\n") == 1 and "is a file" in err
    assert (tmp_path / "report").read_text() == "mine"


def test_gallery_with_an_unreadable_reference_is_one_line(tmp_path, capsys):
    (tmp_path / "ref" / "neutrophil").mkdir(parents=True)
    (tmp_path / "ref" / "neutrophil" / "x.jpg").write_bytes(b"garbage")
    code, _, err = cli(["gallery", "--out", str(tmp_path / "g.png"), "--seeds", "1", "--size",
                        "64x64", "--reference", str(tmp_path / "ref")], capsys)
    assert code == 2 and err.count("\n") == 1 and "x.jpg" in err
    assert not (tmp_path / "g.png").exists()
