"""The driver's account of a job: every file it writes, recorded as it is written.

Each file is written atomically (:func:`export.files.write_atomic`) and then recorded in the
journal (:data:`export.files.JOURNAL`, ``sha256  path`` lines, flushed at each image); the
metadata of an image is written last. At the end the manifest, holding the same record, replaces
the journal. So at any moment — after a crash or ``kill -9`` as well — the folder says which
files smearsim wrote and with what content: ``resume`` keeps exactly the images all of whose
recorded files are present and unchanged, and ``overwrite`` removes exactly the recorded files.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Iterator

from export import splits
from export.errors import InputError, OutputError, option
from export.files import (JOURNAL, MANIFEST, dataset_files, is_temporary, manifest, sha256_file,
                          write_atomic, written)

MAX_JOB_BYTES = 1 << 20
"""Largest ``job.json`` or ``config.toml`` of an earlier run that ``resume`` reads, bytes: as
large as a config file may be (:data:`export.config.MAX_CONFIG_BYTES`; a resolved configuration
with every class is about 125 kB)."""

_META = re.compile(r"meta/(train|val|test)/(\d+)\.json")


def _index(rel: str) -> int | None:
    """The image index a per-image file belongs to (its name starts with the index), or None."""
    m = re.match(r"\d+", rel.rsplit("/", 1)[-1])
    return int(m[0]) if m and "/" in rel else None


def read_job(out: Path) -> tuple[dict, str]:
    """The ``job.json`` (as a dict) and ``config.toml`` text of the earlier run in `out`.

    Raises
    ------
    InputError
        Either is missing, too large, or not what smearsim writes.
    """
    try:
        raw = (out / "job.json").read_bytes()[:MAX_JOB_BYTES + 1]
        text = (out / "config.toml").read_bytes()[:MAX_JOB_BYTES + 1].decode("utf-8")
        job = json.loads(raw) if len(raw) <= MAX_JOB_BYTES else None
    except (OSError, ValueError, RecursionError) as e:
        raise InputError(f"{option('resume')}: cannot read the earlier run in {str(out)!r}: "
                         f"{getattr(e, 'strerror', None) or e}") from None
    if not isinstance(job, dict) or not {"count", "seed", "keep_stages"} <= set(job):
        raise InputError(f"{option('resume')}: {str(out / 'job.json')!r} is not a smearsim job "
                         "description (a table with count, seed, keep_stages)")
    return job, text


def finished(out: Path, count: int) -> set[int]:
    """Indices below `count` whose recorded files (manifest or journal) are all present and
    unchanged; stray temporary files of the interrupted run are removed."""
    for rel in dataset_files(out):
        if is_temporary(rel):
            (out / rel).unlink(missing_ok=True)
    record = written(out) or {}
    files: dict[int, list[str]] = defaultdict(list)
    metas = {}
    for rel in record:
        index = _index(rel)
        if index is not None and index < count:
            files[index].append(rel)
            if _META.fullmatch(rel):
                metas[index] = rel
    return {i for i in metas if all(sha256_file(out / rel) == record[rel] for rel in files[i])}


class Ledger:
    """Writes and records the files of a job in folder `out` (see the module docstring)."""

    def __init__(self, out: Path, config, resume: bool) -> None:
        self.out, self.resume = out, resume
        self.used = splits.used(config.export.split)
        self.splits: Counter = Counter()
        self.classes: Counter = Counter()
        self.indices: dict[str, list[int]] = defaultdict(list)
        self.hashes: dict[str, str] = {}
        self.bytes = 0
        self.journal = None

    def start(self, config_toml: bytes, job: bytes, done: set[int]) -> None:
        """Open the journal (carrying over the earlier run's record when resuming), write
        ``config.toml`` and ``job.json``, and count the images already `done`."""
        old = (written(self.out) or {}) if self.resume else {}
        write_atomic(self.out / JOURNAL, "".join(f"{h}  {r}\n" for r, h in old.items()).encode())
        self.journal = open(self.out / JOURNAL, "a", encoding="utf-8")
        self._write("config.toml", config_toml)
        self._write("job.json", job)
        self.hashes.update({r: h for r, h in old.items() if _index(r) in done})
        (self.out / MANIFEST).unlink(missing_ok=True)
        for s in self.used:
            (self.out / "images" / s).mkdir(parents=True, exist_ok=True)
        for index in sorted(done):
            rel = next(r for r in old if _index(r) == index and _META.fullmatch(r))
            rec = json.loads((self.out / rel).read_bytes())
            self._count(rec["split"], [c["class_id"] for c in rec["cells"] if c["label"]], index)

    def _count(self, split: str, classes: list[int], index: int) -> None:
        self.splits[split] += 1
        self.classes.update(classes)
        self.indices[split].append(index)

    def _write(self, rel: str, data: bytes | Iterable[bytes]) -> None:
        path = self.out / rel
        if not path.parent.is_dir():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise OutputError(f"cannot create {path.parent}: {e.strerror or e}") from None
        write_atomic(path, data, lambda digest, size: self._record(rel, digest, size))

    def _record(self, rel: str, digest: str, size: int) -> None:
        """Enter a file in the journal (on disk before the file is renamed into place)."""
        self.hashes[rel] = digest
        self.bytes += size
        self.journal.write(f"{digest}  {rel}\n")
        self.journal.flush()

    def image(self, rendered) -> None:
        """Write the files of one :class:`export.job.Rendered` image, its metadata last."""
        for rel, data in rendered.files.items():
            self._write(rel, data)
        self._count(rendered.split, rendered.classes, rendered.index)

    def records(self, split: str) -> Iterator[dict]:
        """The metadata of every image of `split`, in index order, read back from the files."""
        for index in sorted(self.indices[split]):
            yield json.loads((self.out / f"meta/{split}/{index:06d}.json").read_bytes())

    def finish(self, files: dict) -> None:
        """Write the dataset-wide `files`, then the manifest; remove the journal."""
        try:
            for rel, data in files.items():
                self._write(rel, data)
            self._write(MANIFEST, manifest(self.out, self.hashes))
        finally:
            self.close()
        (self.out / JOURNAL).unlink(missing_ok=True)

    def close(self) -> None:
        """Flush and close the journal (after an error: the record stays for resume)."""
        if self.journal is not None and not self.journal.closed:
            self.journal.close()
