"""Issue 13, items 1, 2 and 7: an output folder only ever loses files smearsim wrote there, one
run at a time holds it, and --resume keeps only images whose files are all there as written."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from export import generate, load_config
from export.cli import main
from export.errors import OutputFolderError
from export.files import JOURNAL, MANIFEST
from export.lock import LOCK, FolderLock

ARGS = ["--preset", "pbc", "--size", "120x120", "--count", "3", "--seed", "2", "--workers", "1"]


def cli(args, capsys):
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def sha256sum_ok(folder: Path) -> bool:
    r = subprocess.run(["sha256sum", "--quiet", "-c", MANIFEST], cwd=folder, capture_output=True)
    return r.returncode == 0


@pytest.fixture
def dataset(tmp_path, capsys):
    out = tmp_path / "ds"
    assert cli(["generate", *ARGS, "--out", str(out)], capsys)[0] == 0
    return out


def test_overwrite_never_removes_a_users_file_in_a_folder_without_a_run(tmp_path, capsys):
    out = tmp_path / "mine"
    (out / "images").mkdir(parents=True)
    (out / "images" / "holiday.jpg").write_bytes(b"x")
    (out / "data.yaml").write_text("my own\n")
    before = snapshot(out)
    code, _, err = cli(["generate", *ARGS, "--out", str(out), "--overwrite"], capsys)
    assert code == 2 and err.count("\n") == 1 and "was not written by smearsim" in err
    assert "--overwrite" in err and ("holiday.jpg" in err or "data.yaml" in err)
    assert snapshot(out) == before


@pytest.mark.parametrize("change", ["add", "edit"])
def test_overwrite_refuses_foreign_or_changed_files_and_removes_nothing(dataset, capsys, change):
    if change == "add":
        (dataset / "images" / "train" / "holiday.jpg").write_bytes(b"x")
    else:
        (dataset / "data.yaml").write_text("edited by the user\n")
    before = snapshot(dataset)
    code, _, err = cli(["generate", *ARGS, "--out", str(dataset), "--overwrite"], capsys)
    assert code == 2 and err.count("\n") == 1
    assert ("holiday.jpg" if change == "add" else "data.yaml") in err
    assert snapshot(dataset) == before


def test_an_interrupted_overwrite_can_be_finished(dataset, capsys, monkeypatch):
    real = Path.unlink
    calls = {"n": 0}

    def unlink(self, missing_ok=False):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        real(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", unlink)
    assert cli(["generate", *ARGS, "--out", str(dataset), "--overwrite"], capsys)[0] == 130
    monkeypatch.undo()
    assert (dataset / MANIFEST).exists()  # the record goes last
    assert cli(["generate", *ARGS, "--out", str(dataset), "--overwrite"], capsys)[0] == 0
    assert sha256sum_ok(dataset)


def test_overwrite_replaces_exactly_the_earlier_run(dataset, capsys, tmp_path):
    (dataset / "notes.txt").write_text("beside the dataset: not smearsim's entry\n")
    other = ARGS.copy()
    other[other.index("--seed") + 1] = "9"
    assert cli(["generate", *other, "--out", str(dataset), "--overwrite"], capsys)[0] == 0
    assert (dataset / "notes.txt").read_text().startswith("beside")
    assert sha256sum_ok(dataset) and not (dataset / JOURNAL).exists()
    fresh = tmp_path / "fresh"
    assert cli(["generate", *other, "--out", str(fresh)], capsys)[0] == 0
    mine = {k: v for k, v in snapshot(dataset).items() if k not in ("notes.txt", "job.json")}
    assert mine == {k: v for k, v in snapshot(fresh).items() if k != "job.json"}


def test_overwrite_of_an_interrupted_run_uses_its_journal(tmp_path, capsys, monkeypatch):
    out = tmp_path / "ds"
    calls = {"n": 0}
    real = __import__("export.ledger", fromlist=["Ledger"]).Ledger.image

    def fail_on_second(self, r):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        real(self, r)

    monkeypatch.setattr("export.ledger.Ledger.image", fail_on_second)
    code, _, err = cli(["generate", *ARGS, "--out", str(out)], capsys)
    errors = [line for line in err.splitlines() if "error" in line]  # the rest: progress lines
    assert code == 130 and len(errors) == 1 and "--resume" in errors[0]
    assert (out / JOURNAL).exists() and not (out / MANIFEST).exists()
    monkeypatch.undo()
    assert cli(["generate", *ARGS, "--out", str(out), "--overwrite"], capsys)[0] == 0
    assert sha256sum_ok(out)


def test_symlinked_subfolder_is_refused_not_followed(tmp_path, capsys):
    out, elsewhere = tmp_path / "ds", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("k")
    out.mkdir()
    (out / "meta").symlink_to(elsewhere, target_is_directory=True)
    for extra in ([], ["--overwrite"]):
        code, _, err = cli(["generate", *ARGS, "--out", str(out), *extra], capsys)
        assert code == 2 and "symbolic link" in err and err.count("\n") == 1
    assert [p.name for p in elsewhere.iterdir()] == ["keep.txt"]


def test_empty_out_is_an_error_not_the_current_folder(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = cli(["generate", *ARGS, "--out", ""], capsys)
    assert code == 2 and "--out is empty" in err
    assert not list(tmp_path.iterdir())


def test_a_locked_folder_is_refused_with_one_line(tmp_path, capsys):
    out = tmp_path / "ds"
    out.mkdir()
    with FolderLock(out):
        code, _, err = cli(["generate", *ARGS, "--out", str(out)], capsys)
        with pytest.raises(OutputFolderError, match="in use by another smearsim run"):
            generate(load_config("pbc"), count=1, out=out, workers=1)
    assert code == 2 and "in use by another smearsim run" in err and err.count("\n") == 1
    assert [p.name for p in out.iterdir()] == []  # the lock is gone with its holder
    assert cli(["generate", *ARGS, "--out", str(out)], capsys)[0] == 0
    assert not (out / LOCK).exists()


def test_two_runs_started_together_one_wins_and_the_dataset_verifies(tmp_path):
    out = tmp_path / "race"
    cmd = [sys.executable, "-m", "export.cli", "generate", "--preset", "pbc", "--size",
           "120x120", "--count", "4", "--workers", "1", "--out", str(out), "--seed"]
    procs = [subprocess.Popen(cmd + [str(s)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for s in (1, 2)]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    loser = next(err for code, err in results if code == 2)
    assert loser.count("\n") == 1 and ("in use by another" in loser or "already holds" in loser)
    assert sha256sum_ok(out)
    seeds = {json.loads(p.read_bytes())["seed"] for p in out.glob("meta/*/*.json")}
    assert len(seeds) == 1


def test_resume_remakes_an_image_whose_file_was_deleted(dataset, capsys):
    whole = snapshot(dataset)
    victim = sorted(dataset.glob("images/*/*.jpg"))[0]
    victim.unlink()  # its metadata stays, and the manifest still lists it
    code, out, _ = cli(["generate", *ARGS, "--out", str(dataset), "--resume"], capsys)
    assert code == 0 and "2 already there" in out
    assert snapshot(dataset) == whole and sha256sum_ok(dataset)


def test_resume_over_a_changed_file_is_one_line_and_changes_nothing(dataset, capsys):
    meta = sorted(dataset.glob("meta/*/*.json"))[-1]
    meta.write_bytes(meta.read_bytes()[:20])  # truncated by someone: not smearsim's bytes
    before = snapshot(dataset)
    code, _, err = cli(["generate", *ARGS, "--out", str(dataset), "--resume"], capsys)
    assert code == 2 and err.count("\n") == 1 and meta.name in err and "changed" in err
    assert snapshot(dataset) == before
    meta.unlink()  # once it is gone, resume makes it again
    assert cli(["generate", *ARGS, "--out", str(dataset), "--resume"], capsys)[0] == 0
    assert sha256sum_ok(dataset)


@pytest.mark.parametrize("text", ["[]", "{", "7", '{"count": 3}'])
def test_resume_with_a_broken_job_json_is_one_line(dataset, capsys, text):
    (dataset / "job.json").write_text(text)
    code, _, err = cli(["generate", *ARGS, "--out", str(dataset), "--resume"], capsys)
    assert code == 2 and err.count("\n") == 1 and ("job.json" in err or "cannot read" in err)


@pytest.mark.parametrize("kw", [{"count": 2.5}, {"seed": 1.5}, {"workers": 1.5},
                                {"count": True}, {"count": 10**12}])
def test_bad_generate_arguments_write_nothing(tmp_path, kw):
    out = tmp_path / "ds"
    args = {"count": 2, "seed": 0, "workers": 1, **kw}
    with pytest.raises(ValueError) as e:
        generate(load_config("pbc"), out=out, **args)
    assert "--" not in str(e.value)  # named as the Python parameter, not the flag
    assert not out.exists()
