"""Safe file output: atomic writes, the guard that an output folder only ever loses files
smearsim wrote there, and the manifest.

What a run wrote is always on record: while it runs, in the journal (:data:`JOURNAL`, one
``sha256  path`` line per file, appended as each is written), once it is finished, in the
manifest (:data:`MANIFEST`, the same format, which ``sha256sum -c`` checks). ``overwrite``
removes exactly the recorded files whose content is unchanged, and refuses — removing nothing —
when anything else is in the way.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Callable, Iterable

from export.errors import OutputError, OutputFolderError, option

DATASET_ENTRIES = ("data.yaml", "config.toml", "job.json", "manifest.sha256", "images", "labels",
                   "meta", "coco", "masks", "crops", "stages")
"""What smearsim writes at the top of a dataset folder."""

MANIFEST = "manifest.sha256"
"""The manifest: ``sha256  path`` per file, as ``sha256sum -c`` checks it; written last."""

JOURNAL = ".smearsim-journal.sha256"
"""The running record of an unfinished run: ``sha256  path`` per file written so far; removed
once the manifest is written."""


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.urandom(4).hex()}.tmp")


def write_atomic(path: Path, data: bytes | Iterable[bytes],
                 record: Callable[[str, int], None] | None = None) -> None:
    """Write `data` (bytes, or an iterable of byte chunks written in turn) to `path` via a
    temporary file in the same folder and a rename, so a reader never sees a half-written file.
    The file gets the permissions of any new file under the process umask (``0o666 & ~umask``,
    applied by the system: the umask is neither read nor changed). `record(sha256, size)`, if
    given, is called once the data is written and before the rename, so whatever it records is
    on record before the file appears.

    Raises
    ------
    OutputError
        The file could not be written; the temporary file is removed and `path` is untouched.
    """
    tmp = _temporary_name(path)  # a fresh random name: removing it on failure is always safe
    digest, size = hashlib.sha256(), 0
    try:
        # opened inside the try: a signal (Ctrl-C, SIGTERM) right after the open still removes
        # the temporary file
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as f:
            for chunk in [data] if isinstance(data, (bytes, bytearray, memoryview)) else data:
                f.write(chunk)
                digest.update(chunk)
                size += len(chunk)
        if record is not None:
            record(digest.hexdigest(), size)
        os.replace(tmp, path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _symlinks(out: Path) -> list[str]:
    """Dataset entries in `out`, or folders below them, that are symbolic links."""
    found = [e for e in DATASET_ENTRIES if (out / e).is_symlink()]
    for e in DATASET_ENTRIES:
        if (out / e).is_dir() and not (out / e).is_symlink():
            for root, dirs, _ in os.walk(out / e):
                found += [Path(root, d).relative_to(out).as_posix() for d in dirs
                          if Path(root, d).is_symlink()]
    return found


def check_report_folder(out: Path) -> None:
    """Refuse a report folder that is a file or lies below one (checked before anything is
    measured; the folder is made when the report is written).

    Raises
    ------
    OutputFolderError
        Naming the file in the way.
    """
    for p in (out, *out.parents):
        if p.exists():
            if not p.is_dir():
                raise OutputFolderError(f"{option('out')} {str(out)!r}: {str(p)!r} is a file; "
                                        "give a folder for report.json and report.png")
            return


def check_output(out: Path, overwrite: bool, resume: bool = False) -> None:
    """Refuse an output folder that is a file, holds symbolic links where smearsim writes, or
    already holds a dataset (unless `overwrite`, or `resume`, which needs an earlier run there).

    Raises
    ------
    OutputFolderError
        If `out` cannot receive the dataset.
    """
    if out.exists() and not out.is_dir():
        raise OutputFolderError(f"{option('out')} {str(out)!r} is a file; give a folder (new, or "
                                "without a dataset)")
    if resume and overwrite:
        raise OutputFolderError(f"{option('resume')} and {option('overwrite')} exclude each other")
    links = _symlinks(out) if out.is_dir() else []
    if links:
        raise OutputFolderError(f"{option('out')} {str(out)!r}: {links[0]!r} is a symbolic link; "
                                "smearsim writes only into real folders (it does not follow links)")
    if resume:
        if not (out / "job.json").is_file():
            raise OutputFolderError(f"{option('resume')}: {str(out)!r} holds no smearsim run to "
                                    f"resume (no job.json); start it without {option('resume')}")
        return
    held = [e for e in DATASET_ENTRIES if (out / e).exists()]
    if held and not overwrite:
        raise OutputFolderError(f"{option('out')} {str(out)!r} already holds a dataset "
                                f"({', '.join(held)}); choose a new folder, or "
                                f"{option('resume')} to finish it or {option('overwrite')}")


def read_record(path: Path) -> dict[str, str]:
    """Path → SHA-256 of a manifest or journal (later lines win; malformed lines, such as a last
    line cut short by a crash, are skipped)."""
    record = {}
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return record
    for line in text.splitlines():
        digest, sep, rel = line.partition("  ")
        if sep and len(digest) == 64 and rel and not Path(rel).is_absolute() and ".." not in rel:
            record[rel] = digest
    return record


def written(out: Path) -> dict[str, str] | None:
    """What the earlier run in `out` wrote (path → SHA-256): its manifest if it finished, else
    its journal; None when `out` holds neither."""
    for name in (MANIFEST, JOURNAL):
        if (out / name).is_file():
            return read_record(out / name)
    return None


def foreign(out: Path, record: dict[str, str] | None) -> list[str]:
    """Files in the dataset entries of `out` that smearsim did not write there: not in `record`,
    or changed since (temporary files of an interrupted write excepted)."""
    record = record or {}
    found = []
    for rel in dataset_files(out):
        if rel == MANIFEST or is_temporary(rel):
            continue
        if rel not in record or sha256_file(out / rel) != record[rel]:
            found.append(rel)
    return found


def refuse_foreign(out: Path, action: str) -> None:
    """Stop `action` (``"overwrite"`` or ``"resume"``) if `out` holds a file in smearsim's
    entries that smearsim did not write there (see :func:`foreign`).

    Raises
    ------
    OutputFolderError
        Naming the first such file.
    """
    others = foreign(out, written(out))
    if others:
        more = f" (and {len(others) - 1} more)" if len(others) > 1 else ""
        raise OutputFolderError(
            f"{option(action)}: {str(out / others[0])!r} was not written by smearsim there (or "
            f"was changed since){more}; smearsim removes and keeps only files of its own run: "
            "move them away or choose a new folder")


def clear_dataset(out: Path) -> None:
    """Remove what the earlier smearsim run in `out` wrote: exactly the files its manifest or
    journal lists, unchanged, then the folders left empty. Nothing is removed if any other file
    is in the way.

    Raises
    ------
    OutputFolderError
        `out` holds a file smearsim did not write (or one changed since it was written).
    """
    refuse_foreign(out, "overwrite")
    records = (MANIFEST, JOURNAL)  # removed last: an interrupted removal can be finished
    for rel in [r for r in dataset_files(out) if r not in records] + list(records):
        (out / rel).unlink(missing_ok=True)
    for e in DATASET_ENTRIES:
        if (out / e).is_dir():
            for root, _, _ in sorted(os.walk(out / e), key=lambda w: -len(w[0])):
                if not any(Path(root).iterdir()):
                    Path(root).rmdir()


def dataset_files(out: Path) -> list[str]:
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


def _finite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def json_bytes(value, indent: int | None = 1) -> bytes:
    """`value` as strict JSON (RFC 8259, which has no NaN or infinity): non-finite numbers
    become ``null``, "not measured"."""
    return json.dumps(_finite(value), indent=indent, allow_nan=False).encode()


def sha256(data: bytes) -> str:
    """Hex SHA-256 of `data`."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str | None:
    """Hex SHA-256 of the file at `path` (None if it cannot be read)."""
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except OSError:
        return None
    return h.hexdigest()


def manifest(out: Path, known: dict[str, str]) -> bytes:
    """The manifest of the dataset in `out`: every file but the manifest itself, sorted by path.

    Hashes in `known` (path → hex digest, for files this process wrote) are used as they are;
    other files are read and hashed.
    """
    lines = []
    for rel in dataset_files(out):
        if rel != MANIFEST:
            digest = known.get(rel) or sha256_file(out / rel)
            lines.append(f"{digest}  {rel}\n")
    return "".join(lines).encode()
