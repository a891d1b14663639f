"""Jobs that stop and go on: resume after a crash, a full disk, Dask distributed."""

import errno
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from export import generate, load_config
from export.cli import main
from export.files import JOURNAL, OutputError

ARGS = ["--preset", "pbc", "--count", "24", "--seed", "4", "--formats", "yolo,coco,masks",
        "--size", "200x200"]


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def config():
    return load_config("pbc", overrides=["export.formats=yolo,coco,masks",
                                         "optics.frame.width=200", "optics.frame.height=200"])


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """The uninterrupted run every interrupted one must equal."""
    out = tmp_path_factory.mktemp("whole") / "ds"
    generate(config(), count=24, out=out, seed=4, workers=1)
    return out


def test_manifest_lists_every_file_with_its_hash(whole):
    lines = (whole / "manifest.sha256").read_text().splitlines()
    listed = dict(reversed(line.split("  ", 1)) for line in lines)
    files = digest(whole)
    del files["manifest.sha256"]
    assert listed == files
    r = subprocess.run(["sha256sum", "--quiet", "-c", "manifest.sha256"], cwd=whole,
                       capture_output=True, text=True, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_killed_run_resumes_to_identical_bytes(tmp_path, whole):
    out = tmp_path / "ds"
    cmd = [sys.executable, "-m", "export.cli", "generate", *ARGS, "--out", str(out),
           "--workers", "2"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("meta/*/*.json"))) < 6 and time.monotonic() < deadline:
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)  # the driver and its workers, mid-run
    proc.wait()
    made = len(list(out.glob("meta/*/*.json")))
    assert 6 <= made < 24 and not (out / "manifest.sha256").exists()
    (out / "images" / "train" / ".000023.jpg.x1y2.tmp").write_bytes(b"half a file")  # kill -9
    assert main(["generate", *ARGS, "--out", str(out), "--workers", "2", "--resume"]) == 0
    assert digest(out) == digest(whole)


def test_full_disk_stops_cleanly_and_resume_finishes(tmp_path, whole, monkeypatch, capsys):
    out = tmp_path / "ds"
    real = os.fdopen
    calls = {"n": 0}

    class Full:
        def __init__(self, f):
            self.f = f

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.f.close()

        def write(self, data):
            self.f.write(data[: len(data) // 2])  # half of it reaches the disk, then ENOSPC
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fdopen(fd, *a, **kw):
        calls["n"] += 1
        return Full(real(fd, *a, **kw)) if calls["n"] > 40 else real(fd, *a, **kw)

    monkeypatch.setattr("export.files.os.fdopen", fdopen)
    code = main(["generate", *ARGS, "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error" in line]  # the rest: progress lines
    assert code == 1 and len(errors) == 1 and errors[0].startswith("smearsim: error: cannot write")
    assert "No space left on device" in errors[0] and "--resume" in errors[0]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert not [p for p in files if p.name.endswith(".tmp")]
    for p in files:  # what is there is whole: identical to the uninterrupted run's file
        rel = p.relative_to(out)
        if p.name == JOURNAL:  # the interrupted run's record of what it wrote
            continue
        assert p.read_bytes() == (whole / rel).read_bytes(), rel
    calls["n"] = 38  # config.toml and job.json pass, the first image fails
    with pytest.raises(OutputError):  # the library raises the same error
        generate(config(), count=24, out=out, seed=4, workers=1, resume=True)
    monkeypatch.setattr("export.files.os.fdopen", real)
    generate(config(), count=24, out=out, seed=4, workers=1, resume=True)
    assert digest(out) == digest(whole)


def test_resume_refuses_other_arguments_and_a_missing_run(tmp_path, whole, capsys):
    code = main(["generate", *ARGS, "--out", str(tmp_path / "none"), "--resume"])
    assert code == 2 and "no smearsim run to resume" in capsys.readouterr().err
    before = digest(whole)
    args = ARGS.copy()
    args[args.index("--seed") + 1] = "5"
    code = main(["generate", *args, "--out", str(whole), "--resume"])
    assert code == 2 and "seed 5 differs" in capsys.readouterr().err
    code = main(["generate", *ARGS, "--out", str(whole), "--resume", "--set",
                 "sim.population.platelets=1"])
    assert code == 2 and "configuration differs" in capsys.readouterr().err
    # resuming a finished run changes nothing
    assert main(["generate", *ARGS, "--out", str(whole), "--resume", "--workers", "1"]) == 0
    assert digest(whole) == before


def test_unwritable_folder_is_one_line_exit_2_and_nothing_written(tmp_path, capsys, monkeypatch):
    out = tmp_path / "ds"
    real = os.open

    def refuse(path, *a, **k):  # as a read-only folder would (the tests may run as root)
        if str(path).startswith(str(out)):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES))
        return real(path, *a, **k)

    monkeypatch.setattr("os.open", refuse)
    code = main(["generate", "--count", "2", "--out", str(out), "--workers", "1"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is not writable" in err
    assert "Permission denied" in err
    assert not [p for p in out.rglob("*") if p.is_file()]


def test_out_below_a_file_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    code = main(["generate", "--count", "1", "--out", str(tmp_path / "file" / "ds")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot be created" in err


def test_dask_cluster_writes_the_same_bytes(tmp_path, whole):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        out = tmp_path / "ds"
        summary = generate(config(), count=24, out=out, seed=4, scheduler=cluster.scheduler_address)
    assert summary.workers == 2
    assert digest(out) == digest(whole)


def test_scheduler_local_starts_its_own_cluster(tmp_path, capsys):
    pytest.importorskip("distributed")
    args = ["generate", "--count", "6", "--size", "120x120", "--formats", "coco"]
    assert main(args + ["--out", str(tmp_path / "a"), "--workers", "1"]) == 0
    assert main(args + ["--out", str(tmp_path / "b"), "--workers", "2", "--scheduler", "local"]) == 0
    assert "2 workers" in capsys.readouterr().out
    assert digest(tmp_path / "a") == digest(tmp_path / "b")


def test_unreachable_scheduler_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr("export.parallel.CONNECT_TIMEOUT", 1.0)
    code = main(["generate", "--count", "1", "--out", str(tmp_path / "ds"), "--scheduler",
                 "tcp://127.0.0.1:9"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "cannot reach the Dask scheduler" in err
    assert not (tmp_path / "ds").exists()


def test_scheduler_without_dask_installed_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("export.parallel.find_spec", lambda name: None)
    code = main(["generate", "--count", "1", "--out", str(tmp_path / "ds"), "--scheduler", "local"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "pip install 'smearsim[dask]'" in err
    assert not (tmp_path / "ds").exists()
