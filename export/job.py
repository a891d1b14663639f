"""N images → files: one labelled image per index, in parallel, identical for any worker count.

Image ``i`` of a job with seed ``s`` draws all its randomness from
``SeedSequence(s, spawn_key=(i,))``, split into independent streams for the simulation, the
optics and the split assignment; so its bytes depend only on (config, s, i).
"""

from __future__ import annotations

import io
import json
import os
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import partial
from multiprocessing import get_context
from pathlib import Path

import cv2
import numpy as np

from export import yolo
from export.config import Config, config_dict, dump_config
from export.files import check_output, clear_dataset, write_atomic
from export.labels import Label, boxes
from optics import Image, effects, render
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
    """Simulate, render and label image `index` of a job with seed `seed` (with `keep_stages`,
    ``image.stages`` holds the optical chain's intermediate images)."""
    sim_rng, optics_rng, split_rng = (np.random.default_rng(s) for s in
                                      np.random.SeedSequence(seed, spawn_key=(index,)).spawn(3))
    frame = config.optics.frame
    scene = simulate(config.sim, frame.width * frame.pixel_size, frame.height * frame.pixel_size,
                     sim_rng)
    image = render(scene, config.optics, optics_rng, keep_stages)
    split = "val" if split_rng.random() < config.export.val_fraction else "train"
    return Sample(index, split, scene, image, boxes(scene, image.raster, config.export.min_visible))


def metadata(config: Config, seed: int, sample: Sample, name: str) -> dict:
    """Per-image metadata: where its files are, the resolved config, seed, what the simulation
    measured on itself (coverage, overlap, area change; see :func:`sim.measure.stats`), every
    cell."""
    labels = {lab.cell: lab.to_dict() for lab in sample.labels}
    frame = config.optics.frame
    return {"image": f"images/{sample.split}/{name}.jpg",
            "labels": f"labels/{sample.split}/{name}.txt",
            "index": sample.index, "seed": seed, "split": sample.split,
            "size_px": [frame.width, frame.height], "pixel_size_um": frame.pixel_size,
            "effects": effects.active(config.optics),
            "stats": sample.scene.stats,
            "cells": [dict(c.to_dict(), label=labels.get(c.index)) for c in sample.scene.cells],
            "config": config_dict(config)}


def write_sample(config: Config, seed: int, out: Path, keep_stages: bool, index: int
                 ) -> tuple[str, list[int]]:
    """Make image `index` and write its JPEG, YOLO labels and metadata (and, with `keep_stages`,
    the optical stages as float32 arrays in ``stages/SPLIT/NNNNNN.npz``); return its split and
    label class ids."""
    s = make_image(config, seed, index, keep_stages)
    name = f"{index:06d}"
    frame = config.optics.frame
    jpeg = s.image.jpeg  # the camera's own file, whose decoded pixels are s.image.rgb
    if jpeg is None:
        ok, jpeg = cv2.imencode(".jpg", s.image.rgb[:, :, ::-1],
                                [cv2.IMWRITE_JPEG_QUALITY, config.export.jpeg_quality])
        assert ok, "OpenCV failed to encode a JPEG"
    meta = json.dumps(metadata(config, seed, s, name), indent=1, sort_keys=True)
    write_atomic(out / "images" / s.split / f"{name}.jpg", bytes(jpeg))
    write_atomic(out / "labels" / s.split / f"{name}.txt",
                 yolo.label_text(s.labels, frame.width, frame.height).encode())
    write_atomic(out / "meta" / s.split / f"{name}.json", meta.encode())
    if keep_stages:
        buffer = io.BytesIO()
        np.savez_compressed(buffer, **s.image.stages)
        (out / "stages" / s.split).mkdir(parents=True, exist_ok=True)
        write_atomic(out / "stages" / s.split / f"{name}.npz", buffer.getvalue())
    return s.split, [lab.class_id for lab in s.labels]


def _single_threaded() -> None:
    """Keep each worker process on one core: OpenCV's own threads would fight the other workers.

    Workers are spawned, not forked: a child forked after OpenCV started its thread pool can
    deadlock.
    """
    cv2.setNumThreads(1)


@dataclass
class Summary:
    """What a job wrote."""

    out: Path
    images: int
    splits: dict[str, int]
    cells: dict[str, int]
    seconds: float

    def __str__(self) -> str:
        cells = ", ".join(f"{k} {v}" for k, v in self.cells.items() if v)
        rate = self.images / max(self.seconds, 1e-9)
        return (f"wrote {self.images} images ({', '.join(f'{k} {v}' for k, v in self.splits.items())}) "
                f"to {self.out} in {self.seconds:.1f} s ({rate:.1f} images/s); "
                f"labels: {cells}; dataset file: {self.out / 'data.yaml'}")


def generate(config: Config, count: int, out: str | Path, seed: int = 0,
             workers: int | None = None, overwrite: bool = False,
             keep_stages: bool = False) -> Summary:
    """Write a labelled dataset of `count` images to folder `out`.

    Parameters
    ----------
    config
        Resolved configuration (see :func:`export.config.load_config`).
    count
        Number of images.
    out
        Output folder; created if missing. Refused if it already holds a dataset, unless
        `overwrite`, which first removes only what smearsim writes there.
    seed
        Job seed; with `config` it fixes every output byte.
    workers
        Worker processes (default: all cores); the output does not depend on it.
    keep_stages
        Also write each image's optical stages (clean linear image and intermediates).

    Raises
    ------
    ConfigError
        Invalid count, workers, seed or output folder (checked before anything is written).
    """
    if count < 1:
        raise ConfigError(f"count = {count} must be at least 1")
    if seed < 0:
        raise ConfigError(f"seed = {seed} must be a non-negative integer")
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 1:
        raise ConfigError(f"workers = {workers} must be at least 1")
    out = Path(out)
    check_output(out, overwrite)
    start = time.perf_counter()
    if overwrite:
        clear_dataset(out)
    for sub in ("images", "labels", "meta"):
        for split in yolo.SPLITS:
            (out / sub / split).mkdir(parents=True, exist_ok=True)
    task = partial(write_sample, config, seed, out, keep_stages)
    if workers == 1:
        results = [task(i) for i in range(count)]
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                 initializer=_single_threaded) as pool:
            chunk = max(1, min(16, count // (4 * workers)))
            results = list(pool.map(task, range(count), chunksize=chunk))
    write_atomic(out / "config.toml", dump_config(config).encode())
    write_atomic(out / "data.yaml", yolo.data_yaml().encode())
    ids = Counter(i for _, labels in results for i in labels)
    splits = Counter(split for split, _ in results)
    return Summary(out, count, {s: splits[s] for s in yolo.SPLITS},
                   {c: ids[i] for i, c in enumerate(CLASSES)}, time.perf_counter() - start)
