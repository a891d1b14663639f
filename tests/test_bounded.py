"""Issue 13, items 3 to 6: workers never outlive their run, cost is bounded up front, no
garbage image is written silently, and every bad input is one line with exit code 2."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest
from hypothesis import given, settings, strategies as st

from export import budget, coco, load_config
from export.cli import main
from export.errors import ConfigError
from export.job import generate, make_image
from optics import spectra

SMALL = ["--preset", "pbc", "--size", "120x120"]


def cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def start(out: Path, count: int = 60) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "export.cli", "generate", *SMALL, "--count", str(count),
           "--workers", "2", "--out", str(out)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def workers_of(proc: subprocess.Popen, out: Path) -> list[psutil.Process]:
    deadline = time.monotonic() + 120
    while len(list(out.glob("meta/*/*.json"))) < 2 and time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        time.sleep(0.05)
    return psutil.Process(proc.pid).children(recursive=True)


def gone(processes: list[psutil.Process], seconds: float = 20.0) -> bool:
    _, alive = psutil.wait_procs(processes, timeout=seconds)
    return not alive


def test_workers_exit_when_the_main_process_is_killed(tmp_path):
    proc = start(tmp_path / "k")
    children = workers_of(proc, tmp_path / "k")
    assert children
    proc.kill()  # kill -9 of the main process only
    proc.wait()
    assert gone(children), [c.pid for c in children if c.is_running()]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_with_one_line_and_resume_finishes(tmp_path, signum, capsys):
    out = tmp_path / "t"
    proc = start(out, 40)
    children = workers_of(proc, out)
    proc.send_signal(signum)
    code = proc.wait(timeout=60)
    err = [line for line in proc.stderr.read().splitlines() if not line.startswith("[")]
    assert code == 128 + signum and len(err) == 1, err
    assert err[0].startswith("smearsim: error: stopped by") and "--resume" in err[0]
    assert gone(children)
    assert not list(out.rglob("*.tmp"))
    assert main(["generate", *SMALL, "--count", "40", "--workers", "2", "--out", str(out),
                 "--resume"]) == 0
    r = subprocess.run(["sha256sum", "--quiet", "-c", "manifest.sha256"], cwd=out)
    assert r.returncode == 0


HUGE = ["--preset", "crowded", "--size", "8192x8192", "--set", "optics.frame.pixel_size=2.0",
        "--set", "sim.population.rbc_coverage=3.0"]


@pytest.mark.parametrize("args, words", [
    (["--count", "100000000000"], ["--count", "1,000,000"]),
    (HUGE, ["cells per image", "50,000"]),
])
def test_costly_jobs_are_refused_up_front(tmp_path, capsys, args, words):
    out = tmp_path / "ds"
    t = time.process_time()
    code, _, err = cli(["generate", "--count", "2", "--out", str(out), *args], capsys)
    assert code == 2 and err.count("\n") == 1 and all(w in err for w in words), err
    assert time.process_time() - t < 5 and not out.exists()


def test_every_way_of_making_an_image_refuses_a_costly_config(tmp_path, capsys):
    config = load_config("crowded", overrides=[o for o in HUGE if "=" in o] + [
        "optics.frame.width=8192", "optics.frame.height=8192"])
    t = time.process_time()
    with pytest.raises(ConfigError, match="cells per image"):
        make_image(config, 0, 0)
    code, _, err = cli(["gallery", "--out", str(tmp_path / "g.png"), *HUGE], capsys)
    assert code == 2 and "cells per image" in err and time.process_time() - t < 5


def test_cell_estimate_tracks_the_cells_simulated():
    for preset, size in (("pbc", 360), ("field", 480), ("crowded", 768)):
        config = load_config(preset, overrides=[f"optics.frame.width={size}",
                                                f"optics.frame.height={size}"])
        found = np.mean([len(make_image(config, s, 0).scene.cells) for s in range(2)])
        assert 0.5 * found < budget.cells(config) < 2.5 * found, (preset, found)


def test_config_that_is_not_a_regular_small_file_is_refused_at_once(tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * (2 << 20))
    for path, word in (("/dev/zero", "not a regular file"), (fifo, "not a regular file"),
                       (tmp_path, "not a regular file"), (big, "larger than")):
        code, _, err = cli(["config", "--config", str(path)], capsys)
        assert code == 2 and word in err and err.count("\n") == 1


def test_preview_sheet_is_bounded(tmp_path, capsys):
    ds = tmp_path / "ds"
    assert cli(["generate", *SMALL, "--count", "2", "--workers", "1", "--out", str(ds)], capsys)[0] == 0
    code, _, err = cli(["preview", str(ds), "--out", str(tmp_path / "s.png"), "--columns",
                        "20000"], capsys)
    assert code == 2 and "--columns" in err and err.count("\n") == 1
    sheet = tmp_path / "t.png"
    assert cli(["preview", str(ds), "--out", str(sheet), "--columns", "50"], capsys)[0] == 0
    import cv2
    assert cv2.imread(str(sheet)).shape[1] < 2 * 330  # as wide as the two images, not 50


records = st.lists(st.fixed_dictionaries({
    "size_px": st.just([8, 8]), "image": st.just("images/train/x.jpg"),
    "cells": st.lists(st.fixed_dictionaries({
        "index": st.integers(0, 99), "class_id": st.integers(0, 8),
        "label": st.none() | st.fixed_dictionaries({
            "class_id": st.integers(0, 8),
            "box_px": st.just([0, 1, 3, 5]), "amodal_box_px": st.just([0, 0, 4, 5]),
            "area_px": st.integers(0, 40), "truncated": st.booleans(),
            "polygons_px": st.just([[0, 1, 3, 1, 3, 5]])})}), max_size=4)}), max_size=6)


@given(records)
@settings(max_examples=40, deadline=None)
def test_streamed_coco_is_byte_identical_to_the_document(recs):
    for i, r in enumerate(recs):
        r["index"] = i
    whole = json.dumps(coco.document(recs), separators=(",", ":")).encode()
    assert b"".join(coco.stream(lambda: iter(recs))) == whole


@given(st.integers(3, 300))
@settings(max_examples=60, deadline=None)
def test_every_band_count_allowed_has_finite_band_averages(n):
    values = np.exp(-((spectra.grid() - 550.0) / 40.0) ** 2)[None]
    assert np.isfinite(spectra.band_average(values, n)).all()


def test_300_bands_make_a_real_image_not_a_black_one():
    config = load_config("pbc", overrides=["optics.stains.bands=300", "optics.frame.width=120",
                                           "optics.frame.height=120"])
    rgb = make_image(config, 0, 0).image.rgb
    assert rgb.mean() > 100  # mostly bright slide


def test_non_finite_pixels_stop_the_run_before_anything_is_written(tmp_path, monkeypatch):
    import optics.psf
    real = optics.psf.blur
    monkeypatch.setattr(optics.psf, "blur", lambda img, *a: real(img, *a) * np.nan)
    out = tmp_path / "ds"
    with pytest.raises(ConfigError, match="non-finite values"):
        generate(load_config("pbc", overrides=["optics.frame.width=64",
                                               "optics.frame.height=64"]), 2, out, workers=1)
    assert not out.exists()


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_non_finite_value_in_any_stage_is_found_and_huge_finite_ones_pass(bad):
    from types import SimpleNamespace
    from export.job import _check_finite
    huge = np.full((64, 64, 3), 3.4e38, np.float32)  # their float32 sum would overflow
    _check_finite(SimpleNamespace(irradiance=huge, stages={"raw": huge[..., 0].copy()}), 0)
    raw = np.ones((64, 64), np.float32)
    raw[40, 7] = bad
    with pytest.raises(ConfigError, match="in its raw stage"):
        _check_finite(SimpleNamespace(irradiance=huge, stages={"raw": raw}), 0)


NINES = "9" * 400


@pytest.mark.parametrize("args", [
    ["config", "--set", f"optics.frame.width={NINES}"],
    ["config", "--set", f"optics.frame.width=-{NINES}"],
    ["generate", "--count", "2", "--set", "sim.population.subject_mix.neutrophil=1e308",
     "--set", "sim.population.subject_mix.eosinophil=1e308"],
    ["config", "--set", "sim.population.rbc_coverage=" + "[" * 5000 + "]" * 5000],
    ["config", "--set", "a." * 5000 + "b=1"],
])
def test_hostile_values_are_one_line_exit_2_and_write_nothing(tmp_path, capsys, args, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(args + (["--out", "ds"] if args[0] == "generate" else []), capsys)
    assert code == 2 and err.count("\n") == 1 and len(err) < 400, err
    assert not list(tmp_path.iterdir())


def test_deeply_nested_toml_is_one_line(tmp_path, capsys):
    cfg = tmp_path / "deep.toml"
    cfg.write_text("a = " + "[" * 100_000 + "]" * 100_000 + "\n")
    code, _, err = cli(["config", "--config", str(cfg)], capsys)
    assert code == 2 and err.count("\n") == 1 and "nested deeper" in err


def test_truncated_metadata_in_preview_is_one_line(tmp_path, capsys):
    ds = tmp_path / "ds"
    assert cli(["generate", *SMALL, "--count", "1", "--workers", "1", "--out", str(ds)], capsys)[0] == 0
    meta = next(ds.glob("meta/*/*.json"))
    meta.write_bytes(meta.read_bytes()[:30])
    code, _, err = cli(["preview", str(ds), "--out", str(tmp_path / "s.png")], capsys)
    assert code == 2 and err.count("\n") == 1 and "cannot read the metadata" in err
    assert "--resume" not in err and not (tmp_path / "s.png").exists()


def test_preview_that_cannot_write_does_not_suggest_resume(tmp_path, capsys):
    ds = tmp_path / "ds"
    assert cli(["generate", *SMALL, "--count", "1", "--workers", "1", "--out", str(ds)], capsys)[0] == 0
    code, _, err = cli(["preview", str(ds), "--out", str(tmp_path / "no" / "such" / "s.png")],
                       capsys)
    assert code == 1 and err.count("\n") == 1 and "--resume" not in err
