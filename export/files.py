"""Safe file output: atomic writes and the guard against overwriting a dataset."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from sim.schema import ConfigError

DATASET_ENTRIES = ("data.yaml", "config.toml", "images", "labels", "meta", "stages")
"""What smearsim writes at the top of a dataset folder."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` via a temporary file in the same folder and a rename, so a reader
    never sees a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_output(out: Path, overwrite: bool) -> None:
    """Refuse an output folder that is a file or already holds a dataset (unless `overwrite`).

    Raises
    ------
    ConfigError
        If `out` cannot receive a new dataset.
    """
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {str(out)!r} is a file; give a folder (new, or without a dataset)")
    held = [e for e in DATASET_ENTRIES if (out / e).exists()]
    if held and not overwrite:
        raise ConfigError(f"--out {str(out)!r} already holds a dataset ({', '.join(held)}); "
                          "choose a new folder or pass --overwrite")


def clear_dataset(out: Path) -> None:
    """Remove what an earlier smearsim run wrote in `out` (only the entries smearsim writes)."""
    for e in DATASET_ENTRIES:
        p = out / e
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()
