"""Download a named public reference set into a cache: checksummed, resumable, safely extracted.

``smearsim fetch pbc`` (or ``bccd``) gives a user the real images that ``compare``, ``gallery``
and ``calibrate`` measure against, without the project shipping them. The archive is downloaded
to ``CACHE/NAME/ARCHIVE.part`` and continued with an HTTP range request after an interruption;
its SHA-256 is checked against the one pinned here or given by the caller; where there is none
(neither source publishes one), the first download's is recorded (``CACHE/NAME/SHA256SUMS``) and
every later download must match it. The archive is extracted into ``CACHE/NAME/data``,
refusing paths that leave that folder and archives larger than :data:`MAX_EXTRACTED_BYTES`.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from export.errors import InputError, SmearsimError
from export.files import read_record, write_atomic
from export.lock import FolderLock


@dataclass(frozen=True)
class Source:
    """A public data set: where its archive is, what it is, how to cite it."""

    url: str
    archive: str
    about: str
    sha256: str | None = None


SOURCES = {
    "pbc": Source(
        "https://data.mendeley.com/public-files/datasets/snkd93bnjr/files/"
        "2fc38728-2ae7-4a62-a857-032af82334c3/file_downloaded", "PBC_dataset_normal_DIB.zip",
        "17,092 single-cell images 360x363 px of 8 classes; A. Acevedo et al., Data in Brief "
        "30:105474, 2020, doi:10.17632/snkd93bnjr.1 (Mendeley Data, CC BY 4.0)"),
    "bccd": Source(
        "https://github.com/Shenggan/BCCD_Dataset/archive/refs/heads/master.zip",
        "BCCD_Dataset-master.zip",
        "364 smear fields 640x480 px with boxes of red and white cells and platelets; "
        "github.com/Shenggan/BCCD_Dataset (MIT licence)"),
}
"""The named sets. Neither source publishes a checksum of its archive, so none is pinned: the
first download's SHA-256 is recorded and later ones are checked against it."""

MAX_ARCHIVE_BYTES = 4 << 30
"""Largest archive downloaded, bytes (PBC: about 270 MB)."""

MAX_EXTRACTED_BYTES = 8 << 30
"""Largest total size of the extracted files, bytes (a guard against zip bombs)."""

CHUNK = 1 << 20
"""Bytes read from the network at a time."""

TIMEOUT = 30.0
"""Seconds without data before a download gives up (run it again to continue)."""


class FetchError(SmearsimError):
    """A download failed or its archive is not what it should be."""


def cache_dir() -> Path:
    """Where fetched sets go: ``$SMEARSIM_CACHE``, else ``$XDG_CACHE_HOME/smearsim``, else
    ``~/.cache/smearsim``."""
    if os.environ.get("SMEARSIM_CACHE"):
        return Path(os.environ["SMEARSIM_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smearsim"


def _download(url: str, part: Path) -> None:
    """Download `url` into `part`, continuing from the bytes `part` already holds."""
    have = part.stat().st_size if part.exists() else 0
    request = urllib.request.Request(url, headers={"Range": f"bytes={have}-"} if have else {})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            if have and response.status != 206:  # the server sent it all again
                have = 0
            with open(part, "ab" if have else "wb") as f:
                while chunk := response.read(CHUNK):
                    have += len(chunk)
                    if have > MAX_ARCHIVE_BYTES:
                        raise FetchError(f"{url} is larger than {MAX_ARCHIVE_BYTES >> 30} GiB")
                    f.write(chunk)
    except urllib.error.HTTPError as e:
        if e.code == 416 and have:  # nothing left to send: already complete
            return
        raise FetchError(f"cannot download {url}: HTTP {e.code} {e.reason}") from None
    except (urllib.error.URLError, OSError) as e:
        reason = getattr(e, "reason", None) or getattr(e, "strerror", None) or e
        raise FetchError(f"cannot download {url}: {reason}; run the same command again to "
                         f"continue ({have:,} bytes kept in {str(part)!r})") from None


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _extract(archive: Path, dest: Path) -> None:
    """Extract the zip `archive` into a new folder `dest`, refusing unsafe members."""
    tmp = dest.with_name(dest.name + ".part")
    shutil.rmtree(tmp, ignore_errors=True)  # an earlier, interrupted extraction of ours
    try:
        with zipfile.ZipFile(archive) as z:
            members = z.infolist()
            if sum(m.file_size for m in members) > MAX_EXTRACTED_BYTES:
                raise FetchError(f"{str(archive)!r} would extract to more than "
                                 f"{MAX_EXTRACTED_BYTES >> 30} GiB")
            for m in members:
                name = PurePosixPath(m.filename)
                if name.is_absolute() or ".." in name.parts or "\\" in m.filename:
                    raise FetchError(f"{str(archive)!r} holds an unsafe path {m.filename!r}")
            z.extractall(tmp)
    except zipfile.BadZipFile as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise FetchError(f"{str(archive)!r} is not a zip archive: {e}") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    tmp.rename(dest)


def fetch(name: str, cache: str | Path | None = None, url: str | None = None,
          sha256: str | None = None) -> Path:
    """Download and extract the public set `name` (a key of :data:`SOURCES`); return the folder
    of its extracted files. A set already in the cache is not downloaded again.

    Parameters
    ----------
    name
        Which set.
    cache
        Cache folder (default :func:`cache_dir`).
    url
        Download from here instead (a mirror).
    sha256
        Expected SHA-256 of the archive (default: the pinned one, else the recorded one).

    Raises
    ------
    InputError
        Unknown `name`.
    FetchError
        The download failed (run again to continue it), or the archive's checksum differs.
    """
    if name not in SOURCES:
        raise InputError(f"unknown reference set {name!r}; allowed: {', '.join(SOURCES)}")
    source = SOURCES[name]
    folder = Path(cache or cache_dir()) / name
    folder.mkdir(parents=True, exist_ok=True)
    with FolderLock(folder):
        data, archive = folder / "data", folder / source.archive
        sums = folder / "SHA256SUMS"
        expected = sha256 or source.sha256 or read_record(sums).get(source.archive)
        if data.is_dir() and archive.is_file():
            return data
        part = archive.with_name(archive.name + ".part")
        if not archive.is_file():
            _download(url or source.url, part)
            part.rename(archive)
        digest = _sha256(archive)
        if expected is not None and digest != expected.lower():
            bad = part.with_suffix(".bad")
            archive.rename(bad)
            raise FetchError(f"{source.archive}: SHA-256 {digest} differs from the expected "
                             f"{expected}; the download is kept as {str(bad)!r}")
        write_atomic(sums, f"{digest}  {source.archive}\n".encode())
        _extract(archive, data)
        return data
