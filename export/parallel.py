"""Where the images of a job are made: in this process, in a local process pool, or on a Dask
distributed cluster. Each backend maps a picklable function over batches of image indices and
yields the results; the driver (:func:`export.job.generate`) writes every file itself, so
workers need no shared file system and the output cannot depend on where an image was made.
"""

from __future__ import annotations

import collections
import ctypes
import gc
import itertools
import multiprocessing
import os
import signal
import threading
from importlib.util import find_spec
from multiprocessing import get_context
from multiprocessing.connection import Connection, wait
from typing import Callable, Iterable, Iterator

import cv2

from export.errors import ConfigError, SchedulerError, option

IN_FLIGHT = 4
"""Batches out per worker (queued, being made or made and not yet written): enough to keep it
busy, few enough to bound memory."""

QUEUED = 2
"""Batches sent to a worker and not yet returned: the next one is there when it finishes."""

JOIN_TIMEOUT = 10.0
"""Seconds a worker has to end before it is killed."""

LOST = ("a worker process ended abruptly: killed, out of memory, or generate() called from a "
        "script without an `if __name__ == \"__main__\":` guard")


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
    """`indices` cut into batches, lazily: about four per worker of what is left to cut (of
    `total` indices, if known), at most 16 images each; so the batches shrink towards the end,
    down to single images, and the workers finish within about an image of each other instead
    of one waiting out the other's last full batch."""
    it, left = iter(indices), total
    while True:
        share = -(-(left if left is not None else 64 * workers) // (4 * workers))  # rounded up
        batch = list(itertools.islice(it, max(1, min(16, share))))
        if not batch:
            return
        if left is not None:
            left -= len(batch)
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

    def start(self, fn: Callable) -> None:
        """Get ready to run `fn` (a pool starts its workers, which then import and set up
        while the caller goes on)."""

    def run(self, fn: Callable, work: Iterable[list[int]]) -> Iterator:
        """``fn(batch)`` for every batch, in order."""
        return map(fn, work)


def _serve(link: Connection, fn: Callable) -> None:
    """The life of a pool worker: set up (:func:`start_worker`), then ``fn(batch)`` for every
    batch that arrives on `link`, sending back ``(True, result)`` or ``(False, exception)``,
    until the driver closes its end."""
    start_worker()
    while True:
        try:
            batch = link.recv()
        except EOFError:
            return
        try:
            reply = True, fn(batch)
        except Exception as e:  # raised in the driver, in the batch's turn
            reply = False, e
        link.send(reply)


class Pool(Serial):
    """A local pool of `workers` spawned processes, each fed its batches through its own pipe.

    The driver waits on the pipes and on the processes themselves, with no helper thread:
    ProcessPoolExecutor's manager thread blocks for ever on a result that a worker stopped
    mid-write had half sent, and the interpreter then hangs at exit joining that thread (seen
    once in 85 SIGTERMs on a busy machine).
    """

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self.links: list[tuple[multiprocessing.Process, Connection]] = []

    def __enter__(self) -> "Pool":
        return self

    def __exit__(self, kind, *exc) -> None:
        """Interrupted or failed: stop the workers now, not after their batch; else close their
        pipes, which ends them."""
        for process, link in self.links:
            if kind is not None:
                process.terminate()
            link.close()
        for process, _ in self.links:
            process.join(JOIN_TIMEOUT)
            if process.is_alive():
                process.kill()
                process.join()
        self.links = []

    def start(self, fn: Callable) -> None:
        """Start the worker processes (once), each to run `fn`."""
        if self.links:
            return
        spawn = get_context("spawn")
        for _ in range(self.workers):
            mine, theirs = spawn.Pipe()
            process = spawn.Process(target=_serve, args=(theirs, fn), daemon=True)
            process.start()
            theirs.close()
            self.links.append((process, mine))

    def run(self, fn: Callable, work: Iterable[list[int]]) -> Iterator:
        """``fn(batch)`` for every batch, in order. Each worker has at most :data:`QUEUED`
        batches waiting, and at most :data:`IN_FLIGHT` per worker are out (made or being made,
        not yet yielded), so the work is never listed whole and memory stays bounded."""
        self.start(fn)
        work = enumerate(work)
        queues = [collections.deque() for _ in self.links]
        replies: dict[int, tuple[bool, object]] = {}
        sent = done = 0

        def feed(worker: int) -> None:
            nonlocal sent
            while len(queues[worker]) < QUEUED and sent - done < IN_FLIGHT * self.workers:
                item = next(work, None)
                if item is None:
                    return
                try:
                    self.links[worker][1].send(item[1])
                except OSError:  # the worker is gone
                    raise WorkerLost(LOST) from None
                queues[worker].append(item[0])
                sent += 1

        for worker in range(self.workers):
            feed(worker)
        while done < sent:
            while done not in replies:
                self._collect(queues, replies, feed)
            ok, value = replies.pop(done)
            if not ok:
                raise value
            done += 1
            yield value
            for worker in range(self.workers):
                feed(worker)

    def _collect(self, queues: list, replies: dict, feed: Callable[[int], None]) -> None:
        """Wait for replies (or a worker's end) and file them by batch number."""
        links = {link: worker for worker, (_, link) in enumerate(self.links) if queues[worker]}
        ready = wait([*links, *(process.sentinel for process, _ in self.links)])
        for link in ready:
            if link not in links:  # a sentinel: a worker process ended
                raise WorkerLost(LOST)
            try:
                replies[queues[links[link]].popleft()] = link.recv()
            except (EOFError, OSError):  # the worker ended mid-reply
                raise WorkerLost(LOST) from None
            feed(links[link])


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
