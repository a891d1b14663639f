"""Safe file output: atomic writes, the guard against overwriting a dataset, and the manifest."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from sim.schema import ConfigError

DATASET_ENTRIES = ("data.yaml", "config.toml", "job.json", "manifest.sha256", "images", "labels",
                   "meta", "coco", "masks", "crops", "stages")
"""What smearsim writes at the top of a dataset folder."""

MANIFEST = "manifest.sha256"
"""The manifest: ``sha256  path`` per file, as ``sha256sum -c`` checks it; written last."""


def _file_mode() -> int:
    """Permissions of a new file under the process umask (``mkstemp`` alone gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


FILE_MODE = _file_mode()


class OutputError(OSError):
    """Writing the dataset failed (full disk, folder not writable, …); nothing half-written is
    left behind."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename, so a reader
    never sees a half-written file.

    Raises
    ------
    OutputError
        The file could not be written; the temporary file is removed and `path` is untouched.
    """
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except OSError as e:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise


def check_output(out: Path, overwrite: bool, resume: bool = False) -> None:
    """Refuse an output folder that is a file or already holds a dataset (unless `overwrite`,
    or `resume`, which needs an earlier run there).

    Raises
    ------
    ConfigError
        If `out` cannot receive the dataset.
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} is a file; give a folder (new, or without a dataset)")
    if resume and overwrite:
        raise ConfigError("--resume and --overwrite exclude each other")
    if resume:
        if not (out / "job.json").is_file():
            raise ConfigError(f"--resume: {str(out)!r} holds no smearsim run to resume "
                              "(no job.json); start it without --resume")
        return
    held = [e for e in DATASET_ENTRIES if (out / e).exists()]
    if held and not overwrite:
        raise ConfigError(f"--out {str(out)!r} already holds a dataset ({', '.join(held)}); "
                          "choose a new folder, pass --resume to finish it or --overwrite")


def clear_dataset(out: Path) -> None:
    """Remove what an earlier smearsim run wrote in `out` (only the entries smearsim writes)."""
    for e in DATASET_ENTRIES:
        p = out / e
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def dataset_files(out: Path):
    """Every file of the dataset in `out` (the entries smearsim writes), as relative posix paths,
    sorted; temporary files of an interrupted write included."""
    found = []
    for e in DATASET_ENTRIES:
        p = out / e
        if p.is_file():
            found.append(e)
        elif p.is_dir():
            for root, _, names in os.walk(p):
                rel = Path(root).relative_to(out).as_posix()
                found += [f"{rel}/{n}" for n in names]
    return sorted(found)


def is_temporary(rel: str) -> bool:
    """Whether a dataset path is a temporary file left by an interrupted :func:`write_atomic`."""
    name = rel.rsplit("/", 1)[-1]
    return name.startswith(".") and name.endswith(".tmp")


def sha256(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def manifest(out: Path, known: dict[str, str]) -> bytes:
    """The manifest of the dataset in `out`: every file but the manifest itself, sorted by path.

    Hashes in `known` (path → hex digest, for files this process wrote) are used as they are;
    other files are read and hashed.
    """
    lines = []
    for rel in dataset_files(out):
        if rel != MANIFEST:
            digest = known.get(rel) or sha256((out / rel).read_bytes())
            lines.append(f"{digest}  {rel}\n")
    return "".join(lines).encode()
