"""The command line: outputs, and one-line errors with exit code 2 that write nothing."""

import subprocess
import sys

import numpy as np
import pytest

from export.cli import main


def run(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_presets_command_lists_presets(capsys):
    code, out, _ = run(["presets"], capsys)
    assert code == 0
    assert "pbc" in out and "field" in out


def test_config_command_prints_toml_that_generate_accepts(tmp_path, capsys):
    code, out, _ = run(["config", "--preset", "field", "--set", "sim.population.platelets=1.5"],
                       capsys)
    assert code == 0 and "[optics.frame]" in out
    cfg = tmp_path / "my.toml"
    cfg.write_text(out, encoding="utf-8")
    code, out, _ = run(["generate", "--config", str(cfg), "--count", "2", "--out",
                        str(tmp_path / "ds"), "--size", "200x150", "--workers", "1"], capsys)
    assert code == 0, out
    assert "data.yaml" in out
    assert (tmp_path / "ds" / "data.yaml").exists()


@pytest.mark.parametrize("args, words", [
    (["--preset", "nope"], ["unknown preset 'nope'", "pbc"]),
    (["--set", "sim.population.rbc_coverage=9"], ["sim.population.rbc_coverage", "<= 3.0"]),
    (["--set", "sim.bogus.key=1"], ["unknown key 'sim.bogus'"]),
    (["--config", "/nonexistent/cfg.toml"], ["cannot read --config", "No such file"]),
    (["--size", "640by480"], ["--size", "WIDTHxHEIGHT"]),
    (["--size", "4x4"], ["optics.frame.width", "16 <= value"]),
    (["--count", "0"], ["--count", "1 <= value <= 1,000,000"]),
    (["--count", "seven"], ["--count", "invalid int"]),
    (["--workers", "0"], ["--workers", "1 <= value"]),
    (["--seed", "-1"], ["--seed", "0 <= value"]),
    (["--formats", "yolo,bogus"], ["export.formats", "unknown format 'bogus'", "coco"]),
    (["--formats", "yolo,yolo-seg"], ["choose one of yolo, yolo-seg"]),
    (["--split", "0.8,0.2"], ["--split", "TRAIN,VAL,TEST"]),
    (["--split", "0,0,0"], ["export.split", "share > 0"]),
    (["--split", "0.8,-1,0"], ["export.split[1]", "0.0 <= value"]),
    (["--resume", "--overwrite"], ["--resume and --overwrite"]),
    (["--variation", "huge"], ["--variation 'huge'", "lab, wide"]),
    (["--variation", "12"], ["optics.variation.level", "<= 10.0"]),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(args, words, tmp_path, capsys):
    out_dir = tmp_path / "ds"
    base = ["generate", "--count", "1", "--out", str(out_dir)]
    code, _, err = run(base + args, capsys)
    assert code == 2
    assert err.count("\n") == 1, err
    for w in words:
        assert w in err
    assert not out_dir.exists()


def test_existing_dataset_is_refused_then_replaced_with_overwrite(tmp_path, capsys):
    out_dir = tmp_path / "ds"
    args = ["generate", "--count", "2", "--out", str(out_dir), "--size", "120x100", "--workers", "1"]
    assert run(args, capsys)[0] == 0
    keep = out_dir / "notes.txt"
    keep.write_text("the user's own file", encoding="utf-8")
    before = sorted(p.name for p in (out_dir / "images" / "train").iterdir())
    code, _, err = run(args[:2] + ["3"] + args[3:], capsys)
    assert code == 2 and "already holds a dataset" in err and "--overwrite" in err
    assert sorted(p.name for p in (out_dir / "images" / "train").iterdir()) == before
    code, _, _ = run(args[:2] + ["3"] + args[3:] + ["--overwrite"], capsys)
    assert code == 0
    assert len(list((out_dir / "meta").rglob("*.json"))) == 3
    assert keep.read_text(encoding="utf-8") == "the user's own file"


def test_out_that_is_a_file_is_refused(tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    code, _, err = run(["generate", "--count", "1", "--out", str(target)], capsys)
    assert code == 2 and "is a file" in err
    assert target.read_text(encoding="utf-8") == "x"


def test_installed_command_runs():
    r = subprocess.run([sys.executable, "-m", "export.cli", "presets"], capture_output=True,
                       text=True, check=False)
    assert r.returncode == 0 and "pbc" in r.stdout


def test_balanced_draws_subject_classes_equally_and_is_recorded(tmp_path, capsys):
    import numpy as np

    from export import load_config
    from sim.classes import SUBJECT_CLASSES

    out = tmp_path / "ds"
    args = ["generate", "--count", "1", "--out", str(out), "--size", "100x100", "--workers", "1"]
    assert run(args + ["--balanced"], capsys)[0] == 0
    config = load_config(None, out / "config.toml")
    assert {getattr(config.sim.population.subject_mix, c) for c in SUBJECT_CLASSES} == {1.0}
    rng = np.random.default_rng(0)
    draws = [config.sim.population.subject_mix.draw(rng) for _ in range(8000)]
    counts = np.array([draws.count(c) for c in SUBJECT_CLASSES])
    assert np.all(np.abs(counts - 1000) < 5 * np.sqrt(1000 * 7 / 8))  # binomial, 5 σ
    default = load_config("pbc").sim.population.subject_mix
    assert default.neutrophil > 2 * default.basophil  # without --balanced: the PBC mix


def test_ablate_and_only_switch_effects_off_and_the_metadata_says_so(tmp_path, capsys):
    import json
    code, out, err = run(["generate", "--count", "1", "--out", str(tmp_path / "a"), "--workers",
                          "1", "--size", "120x100", "--ablate", "psf, noise"], capsys)
    assert code == 0, err
    meta = json.loads(next((tmp_path / "a" / "meta").rglob("*.json")).read_text())
    assert meta["effects"]["psf"] is False and meta["effects"]["noise"] is False
    assert meta["effects"]["jpeg"] is True
    code, out, err = run(["generate", "--count", "1", "--out", str(tmp_path / "b"), "--workers",
                          "1", "--size", "120x100", "--only", "jpeg"], capsys)
    assert code == 0, err
    meta = json.loads(next((tmp_path / "b" / "meta").rglob("*.json")).read_text())
    assert [k for k, v in meta["effects"].items() if v] == ["jpeg"]


def test_unknown_effect_is_one_line_exit_2_and_nothing_written(tmp_path, capsys):
    code, out, err = run(["generate", "--count", "1", "--out", str(tmp_path / "c"),
                          "--ablate", "psf,blur"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert "unknown effect 'blur'" in err and "spectral" in err
    assert not (tmp_path / "c").exists()


def test_keep_stages_writes_the_clean_linear_image(tmp_path, capsys):
    import numpy as np
    code, out, err = run(["generate", "--count", "1", "--out", str(tmp_path / "s"), "--workers",
                          "1", "--size", "120x100", "--keep-stages"], capsys)
    assert code == 0, err
    stages = np.load(next((tmp_path / "s" / "stages").rglob("*.npz")))
    assert set(stages.files) == {"transmittance", "illuminated", "blurred", "raw"}
    assert stages["blurred"].shape == (100, 120, 3) and stages["raw"].shape == (100, 120)
    t = stages["transmittance"]
    assert np.all((t > 0) & (t <= 1 + 1e-6))


@pytest.mark.parametrize("level, expected", [("lab", (1.0, [0.0, 0.0, 0.0])),
                                             ("wide", (3.0, [0.1, 0.06, 0.03])),
                                             ("2.5", (2.5, [0.0, 0.0, 0.0]))])
def test_variation_level_is_a_shorthand_recorded_in_the_config(level, expected, capsys):
    import tomllib

    code, out, _ = run(["config", "--variation", level], capsys)
    assert code == 0
    v = tomllib.loads(out)["optics"]["variation"]
    assert (v["level"], v["camera"]) == expected


def test_wide_variation_spreads_background_colours_wider_than_one_lab(tmp_path, capsys):
    """Over 12 images, the background colour's spread at --variation wide exceeds the lab's
    (without the second white balance, which a few images of either may have)."""
    import json

    spread = {}
    for level in ("lab", "wide"):
        out = tmp_path / level
        code, _, _ = run(["generate", "--count", "12", "--out", str(out), "--variation", level,
                          "--set", "optics.variation.alternate_fraction=0", "--workers", "1",
                          "--seed", "3"], capsys)
        assert code == 0
        white = [json.loads(m.read_text())["conditions"]["white_balance"]
                 for m in sorted(out.glob("meta/*/*.json"))]
        spread[level] = np.std(np.log(white), axis=0)
    assert np.all(spread["wide"] > 2 * spread["lab"])
