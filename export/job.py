"""N images → files: one labelled image per index, in parallel, identical for any worker count.

Image ``i`` of a job with seed ``s`` draws all its randomness from
``SeedSequence(s, spawn_key=(i,))``, split into independent streams for the simulation, the
optics and the split assignment; so its bytes depend only on (config, s, i). Workers (a local
process pool or a Dask cluster, :mod:`export.parallel`) only compute the bytes; this process
writes every file atomically, the per-image metadata last, so an image whose metadata exists is
complete — which is what ``resume`` relies on.
"""

from __future__ import annotations

import io
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import TextIO

import numpy as np

from export import formats, parallel, splits
from export.config import Config, dump_config
from export.files import (MANIFEST, OutputError, check_output, clear_dataset, dataset_files,
                          is_temporary, manifest, sha256, write_atomic)
from export.labels import Label, label_cells
from export.progress import Progress
from optics import Image, effects, render
from optics.codec import encode_jpeg
from sim import Scene, simulate
from sim.classes import CLASSES
from sim.schema import ConfigError


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
    chain's intermediate images)."""
    sim_rng, optics_rng, split_rng = (np.random.default_rng(s) for s in
                                      np.random.SeedSequence(seed, spawn_key=(index,)).spawn(3))
    frame = config.optics.frame
    scene = simulate(config.sim, frame.width * frame.pixel_size, frame.height * frame.pixel_size,
                     sim_rng)
    image = render(scene, config.optics, optics_rng, keep_stages)
    split = splits.draw(config.export.split, split_rng)
    tolerance = config.export.polygon_tolerance if formats.needs_polygons(config) else None
    return Sample(index, split, scene, image, label_cells(scene, image.raster, frame.pixel_size,
                                                          config.export.min_visible, tolerance))


@lru_cache(maxsize=8)
def config_text(config: Config) -> tuple[str, str]:
    """The dataset's ``config.toml`` text and its SHA-256 (computed once per process)."""
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
    files[meta_path(s.split, index)] = json.dumps(
        metadata(config, seed, s, name), sort_keys=True, separators=(",", ":")).encode()
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


@dataclass
class _Ledger:
    """The driver's account of a job: what is done, which hashes it knows, COCO records."""

    keep_records: bool
    splits: Counter = field(default_factory=Counter)
    classes: Counter = field(default_factory=Counter)
    records: dict[int, dict] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    bytes: int = 0

    def add(self, split: str, classes: list[int], meta: bytes, index: int) -> None:
        self.splits[split] += 1
        self.classes.update(classes)
        if self.keep_records:
            self.records[index] = json.loads(meta)


def _write(out: Path, rel: str, data: bytes, ledger: _Ledger) -> None:
    path = out / rel
    if not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(f"cannot create {path.parent}: {e.strerror or e}") from None
    write_atomic(path, data)
    ledger.hashes[rel] = sha256(data)
    ledger.bytes += len(data)


def _start(config: Config, count: int, out: Path, seed: int, keep_stages: bool,
           resume: bool) -> bytes:
    """Write (or, resuming, check) the job description; return the ``job.json`` bytes."""
    text, digest = config_text(config)
    job = json.dumps({"count": count, "seed": seed, "config_sha256": digest,
                      "keep_stages": keep_stages}, sort_keys=True, indent=1).encode() + b"\n"
    if resume:
        try:
            old = json.loads((out / "job.json").read_bytes())
            old_text = (out / "config.toml").read_text(encoding="utf-8")
        except (OSError, ValueError) as e:
            raise ConfigError(f"--resume: cannot read the earlier run in {str(out)!r}: {e}") from None
        for key, now in (("count", count), ("seed", seed), ("keep_stages", keep_stages)):
            if old.get(key) != now:
                raise ConfigError(f"--resume: {key} {now} differs from the earlier run's "
                                  f"{old.get(key)}; resume with the same arguments")
        if old_text != text:
            raise ConfigError("--resume: the configuration differs from the earlier run's "
                              f"{str(out / 'config.toml')!r}; resume with the same arguments")
    return job


def _finished(out: Path, count: int, ledger: _Ledger) -> set[int]:
    """Indices whose metadata is already written (a resumed run), entered into `ledger`; stray
    temporary files of the interrupted run are removed."""
    done = set()
    for rel in dataset_files(out):
        if is_temporary(rel):
            (out / rel).unlink()
            continue
        parts = rel.split("/")
        if (parts[0] == "meta" and len(parts) == 3 and parts[2].endswith(".json")
                and parts[2][:-5].isdigit()):
            index = int(parts[2][:-5])
            if index < count:
                meta = (out / rel).read_bytes()
                rec = json.loads(meta)
                ledger.add(rec["split"], [c["class_id"] for c in rec["cells"] if c["label"]],
                           meta, index)
                done.add(index)
    return done


def generate(config: Config, count: int, out: str | Path, seed: int = 0,
             workers: int | None = None, overwrite: bool = False, keep_stages: bool = False,
             resume: bool = False, scheduler: str | None = None,
             progress: TextIO | None = None) -> Summary:
    """Write a labelled dataset of `count` images to folder `out`.

    Parameters
    ----------
    config
        Resolved configuration (see :func:`export.config.load_config`); ``export.formats`` says
        which annotation files to write.
    count
        Number of images.
    out
        Output folder; created if missing. Refused if it already holds a dataset, unless
        `overwrite`, which first removes only what smearsim writes there, or `resume`.
    seed
        Job seed; with `config` it fixes every output byte.
    workers
        Worker processes (default: all cores); the output does not depend on it.
    overwrite
        Replace a dataset already in `out`.
    keep_stages
        Also write each image's optical stages (clean linear image and intermediates).
    resume
        Finish an interrupted run in `out` (same config, count and seed): images already
        written are kept, the rest made; the result is byte-identical to an uninterrupted run.
    scheduler
        Run on Dask distributed: ``"local"`` (a LocalCluster of `workers` processes) or a
        scheduler address ``"tcp://HOST:PORT"``. The output bytes are the same.
    progress
        Stream for a progress bar (e.g. ``sys.stderr``); None: silent.

    Raises
    ------
    ConfigError
        Invalid count, workers, seed, scheduler or output folder (checked before anything is
        written).
    OutputError
        A file could not be written (full disk, …); files already written are complete, so the
        run can be finished with `resume`.
    """
    if count < 1:
        raise ConfigError(f"count = {count} must be at least 1")
    if seed < 0:
        raise ConfigError(f"seed = {seed} must be a non-negative integer")
    engine = parallel.backend(workers, scheduler)
    out = Path(out)
    check_output(out, overwrite, resume)
    job = _start(config, count, out, seed, keep_stages, resume)
    start = time.perf_counter()
    with engine:
        ledger = _Ledger(keep_records="coco" in config.export.format_list())
        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise ConfigError(f"--out {str(out)!r} cannot be created: {e.strerror or e}") from None
        if overwrite:
            clear_dataset(out)
        try:
            _write(out, "config.toml", config_text(config)[0].encode(), ledger)
        except OutputError as e:
            raise ConfigError(f"--out {str(out)!r} is not writable: {e}") from None
        _write(out, "job.json", job, ledger)
        done = _finished(out, count, ledger) if resume else set()
        (out / MANIFEST).unlink(missing_ok=True)
        for s in splits.used(config.export.split):
            (out / "images" / s).mkdir(parents=True, exist_ok=True)
        todo = [i for i in range(count) if i not in done]
        bar = Progress(count, len(done), progress)
        for batch in engine.run(partial(render_batch, config, seed, keep_stages),
                                parallel.batches(todo, engine.workers)):
            for r in batch:
                for rel, data in r.files.items():
                    _write(out, rel, data, ledger)
                ledger.add(r.split, r.classes, r.files[meta_path(r.split, r.index)], r.index)
                bar.update()
        bar.close()
    records = [ledger.records[i] for i in sorted(ledger.records)]
    for rel, data in formats.dataset_files(config, records, ledger.splits).items():
        _write(out, rel, data, ledger)
    _write(out, MANIFEST, manifest(out, ledger.hashes), ledger)
    return Summary(out, count, {s: ledger.splits[s] for s in splits.used(config.export.split)},
                   {c: ledger.classes[i] for i, c in enumerate(CLASSES)},
                   time.perf_counter() - start, len(todo), engine.workers,
                   config.export.format_list(), ledger.bytes)
