"""N images → files: one labelled image per index, in parallel, identical for any worker count.

Image ``i`` of a job with seed ``s`` draws all its randomness from
``SeedSequence(s, spawn_key=(i,))``, split into independent streams for the simulation, the
optics and the split assignment; so its bytes depend only on (config, s, i). Workers (a local
process pool or a Dask cluster, :mod:`export.parallel`) only compute the bytes; this process
writes every file atomically, the per-image metadata last, and records each in the journal
(:mod:`export.ledger`), which is what ``resume`` and ``overwrite`` rely on. The first image is
made in this process before any file is written, so a configuration that cannot make an image
fails with nothing written.
"""

from __future__ import annotations

import io
import itertools
import json
import time
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path
from typing import TextIO

import cv2
import numpy as np

from export import budget, formats, parallel, splits
from export.config import Config, dump_config
from export.errors import ConfigError, OutputFolderError, option
from export.files import MANIFEST, check_output, clear_dataset, refuse_foreign, sha256
from export.labels import Label, label_cells
from export.ledger import Ledger, finished, read_job
from export.lock import FolderLock
from export.progress import Progress
from optics import Image, effects, render
from optics.codec import encode_jpeg
from sim import Scene, simulate
from sim.classes import CLASSES

MAX_COUNT = 1_000_000
"""Most images one job may make: image indices are six digits in file names, and the driver
keeps one hash per written file for the manifest."""

@dataclass
class Sample:
    """One simulated, rendered and labelled image."""

    index: int
    split: str
    scene: Scene
    image: Image
    labels: list[Label]


def make_image(config: Config, seed: int, index: int, keep_stages: bool = False) -> Sample:
    """Simulate, render and label image `index` of a job with seed `seed` (polygons are traced
    when a requested format uses them; with `keep_stages`, ``image.stages`` holds the optical
    chain's intermediate images).

    Raises
    ------
    ConfigError
        The configuration asks for more than :func:`export.budget.check` allows, or its optics
        give non-finite values.
    """
    budget.check(config, keep_stages=keep_stages)
    sim_rng, optics_rng, split_rng = (np.random.default_rng(s) for s in
                                      np.random.SeedSequence(seed, spawn_key=(index,)).spawn(3))
    frame = config.optics.frame
    scene = simulate(config.sim, frame.width * frame.pixel_size, frame.height * frame.pixel_size,
                     sim_rng)
    image = render(scene, config.optics, optics_rng, keep_stages)
    _check_finite(image, index)
    split = splits.draw(config.export.split, split_rng)
    tolerance = config.export.polygon_tolerance if formats.needs_polygons(config) else None
    return Sample(index, split, scene, image, label_cells(scene, image.raster, frame.pixel_size,
                                                          config.export.min_visible, tolerance,
                                                          config.export.label_ids()))


def _check_finite(image: Image, index: int) -> None:
    """Refuse an image whose linear stages hold NaN or infinity (they would be written as black
    or saturated pixels with labels, silently).

    Raises
    ------
    ConfigError
        Naming the first stage with a non-finite value.
    """
    for name, values in {"irradiance": image.irradiance, **image.stages}.items():
        # any NaN or infinity makes the sum so (no frame-sized mask made); OpenCV sums float32
        # values in float64, which no finite ones can overflow
        if not np.isfinite(cv2.sumElems(values)).all():
            raise ConfigError(f"image {index}: the optical chain gave non-finite values (NaN or "
                              f"infinity) in its {name} stage; this configuration cannot be "
                              "imaged: check the values set in its optics section")


def config_text(config: Config) -> tuple[str, str]:
    """The dataset's ``config.toml`` text and its SHA-256 (computed once per configuration
    object: a worker's images of one batch share theirs, which is looked up by identity,
    since hashing the whole configuration for a cache took 60 µs an image)."""
    last = _CONFIG_TEXT.get("config")
    if last is not config:
        text = _config_text(config)
        _CONFIG_TEXT.update(config=config, text=text)
    return _CONFIG_TEXT["text"]


_CONFIG_TEXT: dict = {}
"""The configuration :func:`config_text` last answered for, and its answer."""


@lru_cache(maxsize=8)
def _config_text(config: Config) -> tuple[str, str]:
    """:func:`config_text` computed (once per process for each configuration)."""
    text = dump_config(config)
    return text, sha256(text.encode())


def metadata(config: Config, seed: int, sample: Sample, name: str) -> dict:
    """Per-image metadata: where its files are, the config's hash (the config itself is the
    dataset's ``config.toml``), seed, what the simulation measured on itself (coverage, overlap,
    area change; see :func:`sim.stats.scene_stats`), the conditions the image was taken under
    (:mod:`optics.variation`), every cell with its label (None if not
    labelled)."""
    labels = {lab.cell: lab.to_dict() for lab in sample.labels}
    frame = config.optics.frame
    return {"image": f"images/{sample.split}/{name}.jpg",
            "labels": formats.label_path(config, sample.split, name),
            "index": sample.index, "seed": seed, "split": sample.split,
            "size_px": [frame.width, frame.height], "pixel_size_um": frame.pixel_size,
            "effects": effects.active(config.optics),
            "conditions": sample.image.conditions.to_dict(),
            "stats": sample.scene.stats,
            "cells": [dict(c.to_dict(), label=labels.get(c.index)) for c in sample.scene.cells],
            "config": "config.toml", "config_sha256": config_text(config)[1]}


@dataclass
class Rendered:
    """The files of one image, made by a worker and written by the driver.

    Attributes
    ----------
    index, split
        The image index and its split.
    files
        Relative path → bytes, the metadata JSON last.
    classes
        Label id of every labelled cell.
    """

    index: int
    split: str
    files: dict[str, bytes]
    classes: list[int]


def meta_path(split: str, index: int) -> str:
    """Where the metadata of image `index` goes, relative to the dataset folder."""
    return f"meta/{split}/{index:06d}.json"


def render_files(config: Config, seed: int, index: int, keep_stages: bool = False) -> Rendered:
    """Make image `index` and encode every file the requested formats want (with `keep_stages`,
    also the optical stages as float32 arrays in ``stages/SPLIT/NNNNNN.npz``)."""
    s = make_image(config, seed, index, keep_stages)
    name = f"{index:06d}"
    jpeg = s.image.jpeg  # the camera's own file, whose decoded pixels are s.image.rgb
    if jpeg is None:
        jpeg = encode_jpeg(s.image.rgb, config.export.jpeg_quality)
    files = formats.image_files(config, s, name, bytes(jpeg))
    if keep_stages:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **s.image.stages)
        files[f"stages/{s.split}/{name}.npz"] = buffer.getvalue()
    try:
        meta = json.dumps(metadata(config, seed, s, name), sort_keys=True, separators=(",", ":"),
                          allow_nan=False)
    except ValueError:  # NaN or infinity: not JSON
        raise ConfigError(f"image {index}: its metadata holds a non-finite number (NaN or "
                          "infinity); this configuration cannot be measured") from None
    files[meta_path(s.split, index)] = meta.encode()
    return Rendered(index, s.split, files, [lab.class_id for lab in s.labels])


def render_batch(config: Config, seed: int, keep_stages: bool, indices: list[int]
                 ) -> list[Rendered]:
    """:func:`render_files` for several images (the unit of work sent to a worker)."""
    return [render_files(config, seed, i, keep_stages) for i in indices]


@dataclass
class Summary:
    """What a job wrote."""

    out: Path
    images: int
    splits: dict[str, int]
    cells: dict[str, int]
    seconds: float
    made: int = 0
    workers: int = 1
    formats: tuple[str, ...] = ()
    bytes: int = 0

    @classmethod
    def of(cls, config: Config, ledger: Ledger, out: Path, count: int, seconds: float,
           made: int, workers: int) -> "Summary":
        """The summary of a finished job of `count` images from its ledger (images per used
        split, labels per class)."""
        return cls(out, count, {s: ledger.splits[s] for s in splits.used(config.export.split)},
                   {c: ledger.classes[i] for i, c in enumerate(CLASSES)}, seconds, made,
                   workers, config.export.format_list(), ledger.bytes)

    def __str__(self) -> str:
        cells = ", ".join(f"{k} {v}" for k, v in self.cells.items() if v)
        rate = self.made / max(self.seconds, 1e-9)
        resumed = f", {self.images - self.made} already there" if self.made < self.images else ""
        return (f"wrote {self.images} images ({', '.join(f'{k} {v}' for k, v in self.splits.items())}"
                f"{resumed}) to {self.out} in {self.seconds:.1f} s ({rate:.1f} images/s, "
                f"{self.workers} worker{'s' if self.workers > 1 else ''}, "
                f"{self.bytes / 1e6:.1f} MB); formats: {', '.join(self.formats)}; "
                f"labels: {cells}; manifest: {self.out / MANIFEST}"
                + (f"; dataset file: {self.out / 'data.yaml'}" if "yolo" in self.formats
                   or "yolo-seg" in self.formats else ""))


def _integer(name: str, value, lo: int, hi: int | None = None) -> int:
    """`value` as an int in ``[lo, hi]``, or a ConfigError naming option `name`."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{option(name)} = {value!r} must be an integer")
    if value < lo or (hi is not None and value > hi):
        allowed = f"{lo} <= value <= {hi:,}" if hi is not None else f"value >= {lo}"
        raise ConfigError(f"{option(name)} = {value} is out of range; allowed: {allowed}")
    return int(value)


def _out_folder(out: str | Path) -> Path:
    """`out` as a folder path, created if missing (an empty name is refused)."""
    if not str(out).strip():
        raise OutputFolderError(f"{option('out')} is empty; name a folder")
    out = Path(out)
    check_output(out, overwrite=True)  # a file where the folder should be
    try:  # exist_ok: a run started at the same moment may create it first (its lock decides)
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputFolderError(f"{option('out')} {str(out)!r} cannot be created: "
                                f"{e.strerror or e}") from None
    return out


def _job_bytes(config: Config, count: int, seed: int, keep_stages: bool) -> bytes:
    job = {"count": count, "seed": seed, "config_sha256": config_text(config)[1],
           "keep_stages": keep_stages}
    return json.dumps(job, sort_keys=True, indent=1).encode() + b"\n"


def _check_resume(config: Config, out: Path, count: int, seed: int, keep_stages: bool) -> None:
    """Refuse to resume a run made with other arguments."""
    old, old_text = read_job(out)
    for key, now in (("count", count), ("seed", seed), ("keep_stages", keep_stages)):
        if old.get(key) != now:
            raise ConfigError(f"{option('resume')}: {key} {now} differs from the earlier run's "
                              f"{old.get(key)}; resume with the same arguments")
    if old_text != config_text(config)[0]:
        raise ConfigError(f"{option('resume')}: the configuration differs from the earlier "
                          f"run's {str(out / 'config.toml')!r}; resume with the same arguments")
    refuse_foreign(out, "resume")


def _prepare(config: Config, out: Path, count: int, seed: int, keep_stages: bool,
             overwrite: bool, resume: bool) -> tuple[set[int], int | None]:
    """Every check before the first file is written: the folder and an earlier run. Returns
    the indices already done and the first image to make (None: none left)."""
    check_output(out, overwrite, resume)
    done = set()
    if resume:
        _check_resume(config, out, count, seed, keep_stages)
        done = finished(out, count)
    elif overwrite:
        refuse_foreign(out, "overwrite")
    return done, next((i for i in range(count) if i not in done), None)


def _stream(ledger: Ledger, engine: parallel.Serial, fn, todo, first: list, count: int,
            progress: TextIO | None, done: int) -> None:
    bar = Progress(count, done, progress)
    work = parallel.batches(todo, engine.workers, count - done - len(first))
    results = itertools.chain(first, engine.run(fn, work))
    try:
        for batch in results:
            for r in batch:
                ledger.image(r)
                bar.update()
    finally:
        bar.close()  # an error message after it starts on its own line


def generate(config: Config, count: int, out: str | Path, seed: int = 0,
             workers: int | None = None, overwrite: bool = False, keep_stages: bool = False,
             resume: bool = False, scheduler: str | None = None,
             progress: TextIO | None = None) -> Summary:
    """Write a labelled dataset of `count` images to folder `out`.

    Parameters
    ----------
    config
        Resolved configuration (:func:`export.config.load_config`); ``export.formats``: the files.
    count
        Number of images, 1 to :data:`MAX_COUNT`.
    out
        Output folder; created if missing. Refused if it already holds a dataset, unless
        `overwrite` or `resume`. It is locked for the whole run: a second run into it stops.
    seed
        Job seed; with `config` it fixes every output byte.
    workers
        Worker processes (default: all cores); the output does not depend on it.
    overwrite
        Replace a dataset in `out`: removes exactly the files the earlier run recorded (manifest
        or journal); refuses, removing nothing, if any other file is in the way.
    keep_stages
        Also write each image's optical stages (clean linear image and intermediates).
    resume
        Finish an interrupted run in `out` (same config, count and seed): images whose files are
        all there as written are kept, the rest made, byte-identical to an uninterrupted run.
    scheduler
        Run on Dask distributed: ``"local"`` (a LocalCluster of `workers` processes) or a
        scheduler address ``"tcp://HOST:PORT"``; the same bytes.
    progress
        Stream for a progress bar (e.g. ``sys.stderr``); None: silent.

    Raises
    ------
    ConfigError
        Invalid count, workers or seed, or a configuration too costly (:func:`budget.check`) or
        that cannot make an image; nothing is written.
    OutputFolderError, SchedulerError
        `out` cannot receive the dataset, or the scheduler cannot be used; nothing is written.
    OutputError
        A file could not be written (full disk, …); files written are complete: `resume` it.
    """
    count, seed = _integer("count", count, 1, MAX_COUNT), _integer("seed", seed, 0, 2**63 - 1)
    workers = None if workers is None else _integer("workers", workers, 1, 1024)
    engine = parallel.backend(workers, scheduler)
    budget.check(config, 1 if scheduler else engine.workers, keep_stages)
    created = not Path(str(out) or ".").exists()
    out = _out_folder(out)
    start = time.perf_counter()
    try:
        with FolderLock(out):
            ledger, made = _run(config, out, count, seed, keep_stages, overwrite, resume, engine,
                                progress)
    except BaseException:
        if created:
            _remove_if_empty(out)
        raise
    return Summary.of(config, ledger, out, count, time.perf_counter() - start, made,
                      engine.workers)


def _run(config: Config, out: Path, count: int, seed: int, keep_stages: bool, overwrite: bool,
         resume: bool, engine: parallel.Serial, progress: TextIO | None) -> tuple[Ledger, int]:
    """The job in the locked folder `out`: checks and the first image, then (only then) the
    files; returns the ledger and the number of images made."""
    fn = partial(render_batch, config, seed, keep_stages)
    done, index = _prepare(config, out, count, seed, keep_stages, overwrite, resume)
    with engine:  # a scheduler that cannot be reached fails before anything is written
        # the first image is made here, a check before any file is written; a pool's workers
        # start up (imports, caches) meanwhile: on 2 workers, 300 pbc images took 0.2-0.45 s less
        engine.start(fn)
        first = [fn([index])] if index is not None else []
        ledger = Ledger(out, config, resume)
        if overwrite:
            clear_dataset(out)
        try:
            ledger.start(config_text(config)[0].encode(),
                         _job_bytes(config, count, seed, keep_stages), done)
            todo = (i for i in range(first[0][0].index + 1 if first else count, count)
                    if i not in done)
            _stream(ledger, engine, fn, todo, first, count, progress, len(done))
        except BaseException:
            ledger.close()
            raise
    ledger.finish(formats.dataset_files(config, ledger.records, ledger.splits))
    return ledger, (count - len(done)) if first else 0


def _remove_if_empty(out: Path) -> None:
    """Remove the folder this run created if nothing is in it (a refused run leaves nothing)."""
    try:
        out.rmdir()
    except OSError:
        pass
