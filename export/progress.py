"""A plain-text progress bar with rate and time left, on a text stream (stderr for the CLI).

On a terminal the line is redrawn in place at most every `interval` seconds; elsewhere (a log
file, CI) a new line is written at every tenth of the job, so logs stay short.
"""

from __future__ import annotations

import time
from typing import TextIO

WIDTH = 24
"""Characters of the bar."""


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Progress of a job of `total` images, `done` of which were already there (a resumed run).

    The rate and the time left count only the images made by this run.
    """

    def __init__(self, total: int, done: int = 0, stream: TextIO | None = None,
                 interval: float = 0.25) -> None:
        self.total, self.done, self.start_done = total, done, done
        self.stream, self.interval = stream, interval
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.start = self.last = time.perf_counter()
        self.tenth = -1

    def line(self) -> str:
        """The current progress line, e.g. ``[######------]  412/1000  41%  38.2 images/s  ETA 0:15``."""
        elapsed = time.perf_counter() - self.start
        made = self.done - self.start_done
        rate = made / elapsed if elapsed > 0 else 0.0
        frac = self.done / self.total if self.total else 1.0
        bar = "#" * int(WIDTH * frac) + "-" * (WIDTH - int(WIDTH * frac))
        eta = _clock((self.total - self.done) / rate) if rate > 0 else "?"
        return (f"[{bar}] {self.done:>{len(str(self.total))}}/{self.total} {100 * frac:3.0f}%  "
                f"{rate:.1f} images/s  ETA {eta}")

    def update(self, n: int = 1) -> None:
        """Count `n` more finished images and redraw if due."""
        self.done += n
        if self.stream is None:
            return
        now = time.perf_counter()
        if self.tty:
            if now - self.last >= self.interval or self.done == self.total:
                self.last = now
                self.stream.write("\r" + self.line())
                self.stream.flush()
        else:
            tenth = 10 * self.done // max(self.total, 1)
            if tenth != self.tenth:
                self.tenth = tenth
                self.stream.write(self.line() + "\n")
                self.stream.flush()

    def close(self) -> None:
        """End the redrawn line."""
        if self.stream is not None and self.tty:
            self.stream.write("\r" + self.line() + "\n")
            self.stream.flush()
