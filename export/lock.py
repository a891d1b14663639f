"""An exclusive lock on an output folder, held for a whole run and released on any exit.

The lock is an advisory ``flock`` on :data:`LOCK` inside the folder, so the system releases it
when the process ends however it ends (``kill -9`` included); the file is removed on a normal
exit. A second run into the same folder stops at once with one line.
"""

from __future__ import annotations

import os
from pathlib import Path

from export.errors import OutputFolderError, option

try:
    import fcntl
except ImportError:  # not POSIX: no locking
    fcntl = None

LOCK = ".smearsim.lock"
"""The lock file in the output folder; it holds the process id of the run holding it."""


class FolderLock:
    """``with FolderLock(folder):`` — hold the lock on `folder` (which must exist).

    Raises
    ------
    OutputFolderError
        Another process holds the lock (its process id is named).
    """

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / LOCK
        self.fd: int | None = None

    def __enter__(self) -> "FolderLock":
        while self.fd is None:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as e:
                raise OutputFolderError(f"{option('out')} {str(self.path.parent)!r} is not "
                                        f"writable: {e.strerror or e}") from None
            if fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    raise OutputFolderError(
                        f"{option('out')} {str(self.path.parent)!r} is in use by another "
                        f"smearsim run (process {holder}); wait for it to end or choose another "
                        "folder") from None
            # the holder before us may have removed the file after we opened it: lock the
            # file that is at the path now
            if self._same_file(fd):
                os.ftruncate(fd, 0)
                os.write(fd, f"{os.getpid()}\n".encode())
                self.fd = fd
            else:
                os.close(fd)
        return self

    def _same_file(self, fd: int) -> bool:
        try:
            return os.stat(self.path).st_ino == os.fstat(fd).st_ino
        except FileNotFoundError:
            return False

    def __exit__(self, *exc) -> None:
        if self.fd is not None:
            self.path.unlink(missing_ok=True)
            os.close(self.fd)
            self.fd = None
