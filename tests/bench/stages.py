"""Where the CPU time of one image goes: every stage of the path from physics to written files.

:func:`path_times` makes images as a pool worker does (:func:`export.job.render_files`, in a
process set up by :func:`export.parallel.start_worker`), then sends each batch through a pickle
round trip as the pool does and writes its files as the driver does
(:meth:`export.ledger.Ledger.image`: atomic writes, SHA-256 and the journal), timing each stage in CPU time by wrapping
the functions that make it (:class:`StageClock`). PSF kernels are built beforehand for the focus
errors of the timed images, as a long run has them (each worker builds each kernel once; the
end-to-end figures of ``bench_generate.py`` include that).
"""

from __future__ import annotations

import importlib
import pickle
import tempfile
import time
from collections import defaultdict
from functools import wraps
from pathlib import Path

import numpy as np

from export import job
from export.ledger import Ledger
from export.parallel import start_worker
from floor import Floor
from optics import psf, variation

HOOKS = {
    "population": [("sim.population", "draw")],
    "packing": [("sim.packing", "settle")],
    "morphology": [("sim.morphology", "draw"), ("sim.softbody", "fit_inside")],
    "raster": [("optics", "rasterize")],
    "stain": [("optics.stain", "transmittance")],
    "phase": [("optics.phase", "refract")],
    "illumination": [("optics.illumination", "illuminate")],
    "psf": [("optics.psf", "blur")],
    "sensor": [("optics.sensor", "mosaic"), ("optics.sensor", "capture")],
    "isp": [("optics.isp", "process")],
    "labels": [("export.job", "label_cells")],
    "_simulate": [("export.job", "simulate")],
    "_render": [("export.job", "render")],
    "_make": [("export.job", "make_image")],
}
"""Functions timed for each stage (module, attribute); the callers look them up in that module
at call time. Names with an underscore are totals of which the others are parts."""

STAGES = ("population", "packing", "morphology", "sim other", "raster", "stain", "phase",
          "illumination", "psf", "sensor", "isp", "optics other", "labels", "encoding", "transfer",
          "writing")
"""Stages in the order an image meets them: ``sim other`` is the rest of
:func:`sim.simulate` (the scene's statistics, its cells), ``optics other`` the rest of
:func:`optics.render` (the image's conditions), ``isp`` ends with the JPEG encode,
``encoding`` is the label files and the metadata JSON, ``transfer`` the pickle round trip of a
pool worker's result, ``writing`` the driver's atomic writes and hashes."""

OPTICS = ("raster", "stain", "phase", "illumination", "psf", "sensor", "isp")
"""The stages of :func:`optics.render` timed on their own (``isp`` ends with the JPEG encode)."""


class StageClock:
    """CPU milliseconds spent in the functions of :data:`HOOKS`, by stage, while entered."""

    def __init__(self) -> None:
        self.ms: dict[str, float] = defaultdict(float)
        self._saved: list[tuple[object, str, object]] = []

    def _wrap(self, fn, stage: str):
        @wraps(fn)
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.ms[stage] += (time.process_time() - start) * 1e3
        return timed

    def __enter__(self) -> "StageClock":
        for stage, hooks in HOOKS.items():
            for module, name in hooks:
                mod = importlib.import_module(module)
                self._saved.append((mod, name, getattr(mod, name)))
                setattr(mod, name, self._wrap(getattr(mod, name), stage))
        return self

    def __exit__(self, *exc) -> None:
        for mod, name, fn in reversed(self._saved):
            setattr(mod, name, fn)
        self._saved.clear()


def warm_kernels(config, seed: int, indices: range) -> tuple[int, float]:
    """Build the PSF kernels (and their spectra for this frame) of every focus error the images
    `indices` are taken at; return how many focus errors and the CPU ms it took (what a worker
    pays once for them)."""
    frame = config.optics.frame
    errors = set()
    for i in indices:
        optics_rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(i,)).spawn(3)[1])
        errors.add(variation.draw(config.optics, optics_rng.spawn(3)[2]).defocus)
    blank = np.ones((frame.height, frame.width, 3), np.float32)
    start = time.process_time()
    for error in sorted(errors):
        psf.blur(blank, config.optics, error)
    return len(errors), (time.process_time() - start) * 1e3


def path_times(config, count: int, seed: int = 0, floor: Floor | None = None
               ) -> dict[str, float]:
    """Mean CPU milliseconds per image of every stage of :data:`STAGES`, over images
    1 … `count` (image 0 warms the caches), in this process set up as a pool worker; prints
    what building the PSF kernels beforehand cost. With `floor`, one floor image is made after
    each image (outside the stages' time), so that both meet the same load."""
    start_worker()
    job.render_files(config, seed, 0)
    built, ms = warm_kernels(config, seed, range(1, count + 1))
    print(f"PSF kernels of {built} focus errors built (and blurred with) in {ms:.0f} ms CPU, "
          "once per worker", flush=True)
    clock, rest = StageClock(), defaultdict(float)
    with clock, tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(Path(tmp), config, resume=False)
        ledger.start(b"", b"{}", set())
        for i in range(1, count + 1):
            t = [time.process_time()]
            rendered = job.render_files(config, seed, i)
            t.append(time.process_time())
            rendered = pickle.loads(pickle.dumps([rendered]))[0]
            t.append(time.process_time())
            ledger.image(rendered)
            t.append(time.process_time())
            for stage, dt in zip(("_files", "transfer", "writing"), np.diff(t)):
                rest[stage] += dt * 1e3
            if floor is not None:
                floor.step()
        ledger.journal.close()
    ms = dict(clock.ms) | dict(rest)
    ms["sim other"] = ms["_simulate"] - ms["population"] - ms["packing"] - ms["morphology"]
    ms["optics other"] = ms["_render"] - sum(ms[s] for s in OPTICS)
    ms["encoding"] = ms["_files"] - ms["_make"]
    return {stage: ms[stage] / count for stage in STAGES}
