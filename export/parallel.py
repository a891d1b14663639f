"""Where the images of a job are made: in this process, in a local process pool, or on a Dask
distributed cluster. Each backend maps a picklable function over batches of image indices and
yields the results; the driver (:func:`export.job.generate`) writes every file itself, so
workers need no shared file system and the output cannot depend on where an image was made.
"""

from __future__ import annotations

import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
import threading
from importlib.util import find_spec
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from multiprocessing import get_context
from multiprocessing.connection import wait
from typing import Callable, Iterable, Iterator

import cv2

from export.errors import ConfigError, SchedulerError, option

IN_FLIGHT = 4
"""Batches queued per worker: enough to keep it busy, few enough to bound memory."""


class WorkerLost(SchedulerError):
    """A worker process ended in the middle of a run; every file written is complete."""

    resumable = True

KEEP_MALLOC = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
"""Dask setting unset for a LocalCluster: Dask gives its workers ``MALLOC_TRIM_THRESHOLD_=65536``,
which turns off glibc's adaptive mmap threshold, so every image-sized array is mapped and
page-faulted afresh — measured 40 % more CPU per image. Workers of a remote cluster should
have it set to null in their Dask config as well."""

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler before giving up."""

MALLOPT = {-3: 32 << 20, -1: 1 << 30}
"""glibc ``mallopt`` settings of a process that makes images (``<malloc.h>``: M_MMAP_THRESHOLD
= −3, M_TRIM_THRESHOLD = −1): arrays up to 32 MB (glibc's largest threshold) come from the heap,
and freed heap is kept for the next image rather than returned to the system. By default glibc
adapts both thresholds to the blocks freed so far, and depending on the order in which an
image's arrays come and go it may hand every array fresh pages from the kernel, each page
faulted in anew: measured on a ``pbc`` image 5400 page faults and 11 ms of system time, against
none with these settings."""


def single_threaded() -> None:
    """Keep a worker process on one core: OpenCV's own threads would fight the other workers.

    Local workers are spawned, not forked: a child forked after OpenCV started its thread pool
    can deadlock.
    """
    cv2.setNumThreads(1)


def tune_memory() -> None:
    """Apply :data:`MALLOPT` to this process (where the C library is glibc), and stop NumPy from
    advising the kernel to back large arrays with huge pages.

    Where transparent huge pages are "madvise" only (a common default), that advice makes the
    kernel find — by compacting memory if need be — a 2 MB page at each first touch: measured on
    the 2-core test machine, rendering a 4096² field took 3.1 s of system time with it and 1.1 s
    without (``NUMPY_MADVISE_HUGEPAGE=0`` does the same for a fresh process).
    """
    try:
        mallopt = ctypes.CDLL("libc.so.6").mallopt
    except (OSError, AttributeError):  # not glibc
        pass
    else:
        for option, value in MALLOPT.items():
            mallopt(option, value)
    try:
        from numpy._core import multiarray
    except ImportError:  # NumPy 1.x
        from numpy.core import multiarray
    if hasattr(multiarray, "_set_madvise_hugepage"):
        multiarray._set_madvise_hugepage(False)


def exit_with_parent() -> None:
    """End this worker process as soon as the process that started it is gone (killed with
    ``kill -9``, say), instead of living on as an orphan: a daemon thread waits on the parent's
    sentinel, which the system closes when the parent ends."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, name="smearsim-parent-watch", daemon=True).start()


def start_worker() -> None:
    """Set up a local pool worker: it ends with its parent (:func:`exit_with_parent`) and leaves
    Ctrl-C to the parent (which stops the pool; the terminal sends SIGINT to every process of
    the group), one thread (:func:`single_threaded`), memory set up for reuse
    (:func:`tune_memory`), and everything imported so far moved out of the garbage collector's
    sight (``gc.freeze``): without the freeze each of the collector's older-generation passes
    also walks every object of the imported libraries (measured while the physics still made a
    pymunk object, a reference cycle, per node: 2.9 → 1.6 ms of collection per ``pbc`` image;
    :mod:`sim.chipmunk` now makes none)."""
    exit_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    single_threaded()
    tune_memory()
    gc.freeze()


def on_one_thread(fn: Callable, batch: list[int]):
    """``fn(batch)`` with OpenCV held to one thread and memory set up for reuse (the task Dask
    workers run)."""
    single_threaded()
    tune_memory()
    return fn(batch)


def batches(indices: Iterable[int], workers: int, total: int | None = None
            ) -> Iterator[list[int]]:
    """`indices` cut into batches, lazily: about four per worker (of `total` indices, if known),
    at most 16 images each."""
    size = max(1, min(16, (total if total is not None else 16 * 4 * workers) // (4 * workers)))
    it = iter(indices)
    while batch := list(itertools.islice(it, size)):
        yield batch


class Serial:
    """Make every image in this process (which is left as it was: no memory or thread
    settings are changed in the caller's process; the command line tunes its own with
    :func:`tune_memory`)."""

    workers = 1

    def __enter__(self) -> "Serial":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def run(self, fn: Callable, work: Iterable[list[int]]) -> Iterator:
        """``fn(batch)`` for every batch, in order."""
        return map(fn, work)


class Pool(Serial):
    """A local pool of `workers` spawned processes."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def __enter__(self) -> "Pool":
        self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=get_context("spawn"),
                                        initializer=start_worker)
        return self

    def __exit__(self, kind, *exc) -> None:
        if kind is not None:  # interrupted or failed: stop the workers now, not after their batch
            for process in list((getattr(self.pool, "_processes", None) or {}).values()):
                process.terminate()
        self.pool.shutdown(wait=kind is None, cancel_futures=True)

    def run(self, fn: Callable, work: Iterable[list[int]]) -> Iterator:
        """``fn(batch)`` for every batch, in order, with at most four batches per worker queued
        (so the work is never listed whole)."""
        queue, work = [], iter(work)
        try:
            for batch in itertools.islice(work, IN_FLIGHT * self.workers):
                queue.append(self.pool.submit(fn, batch))
            while queue:
                result = queue.pop(0).result()
                nxt = next(work, None)
                if nxt is not None:
                    queue.append(self.pool.submit(fn, nxt))
                yield result
        except BrokenProcessPool:
            raise WorkerLost("a worker process ended abruptly: killed, out of memory, or "
                             "generate() called from a script without an "
                             "`if __name__ == \"__main__\":` guard") from None


class Dask(Serial):
    """A Dask distributed cluster: ``"local"`` starts a LocalCluster of `workers` processes,
    ``"tcp://HOST:PORT"`` connects to a running scheduler (workers must have smearsim
    installed)."""

    def __init__(self, scheduler: str, workers: int) -> None:
        if find_spec("distributed") is None:  # an optional dependency
            raise SchedulerError(f"{option('scheduler')} needs Dask distributed: "
                                 "pip install 'smearsim[dask]'")
        self.scheduler, self.workers = scheduler, workers

    def __enter__(self) -> "Dask":
        import dask
        from distributed import Client, LocalCluster
        self.cluster = None
        try:
            if self.scheduler == "local":
                with dask.config.set({KEEP_MALLOC: None}):
                    self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                                processes=True, dashboard_address=":0")
                self.client = Client(self.cluster)
            else:
                self.client = Client(self.scheduler, timeout=f"{CONNECT_TIMEOUT}s")
        except (OSError, TimeoutError, ValueError) as e:
            if self.cluster is not None:
                self.cluster.close()
            why = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise SchedulerError(f"{option('scheduler')} {self.scheduler!r}: cannot reach the "
                                 f"Dask scheduler ({why})") from None
        self.workers = max(1, len(self.client.scheduler_info()["workers"]))
        return self

    def __exit__(self, *exc) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def run(self, fn: Callable, work: Iterable[list[int]]) -> Iterator:
        """Results as they complete (not in order), with a bounded number of batches queued."""
        from distributed import as_completed
        todo = iter(work)
        queue = as_completed()
        for batch in todo:
            queue.add(self.client.submit(on_one_thread, fn, batch, pure=False))
            if queue.count() >= IN_FLIGHT * self.workers:
                break
        for future in queue:
            yield future.result()
            future.release()
            nxt = next(todo, None)
            if nxt is not None:
                queue.add(self.client.submit(on_one_thread, fn, nxt, pure=False))


def backend(workers: int | None, scheduler: str | None) -> Serial:
    """The backend for a job: Dask when `scheduler` is given, else a process pool of `workers`
    (default: all cores), or this process for one worker.

    Raises
    ------
    ConfigError
        `workers` below 1.
    SchedulerError
        Dask requested but not installed.
    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ConfigError(f"{option('workers')} = {workers} must be at least 1")
    if scheduler is not None:
        return Dask(scheduler, workers)
    return Serial() if workers == 1 else Pool(workers)
