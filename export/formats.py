"""Which files each annotation format adds, per image and per dataset.

One small module per format: :mod:`export.yolo` (``yolo``, ``yolo-seg``), :mod:`export.coco`,
:mod:`export.masks`, :mod:`export.crops`; the per-image metadata (``meta``, always on) is
:func:`export.job.metadata`. Paths are relative to the dataset folder, with ``/`` separators.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from export import coco, crops, masks, yolo
from export.config import Config
from export.splits import used

SEGMENTING = ("yolo-seg", "coco")
"""Formats that need each cell's polygons traced."""


def needs_polygons(config: Config) -> bool:
    """Whether the requested formats use polygons."""
    return any(f in SEGMENTING for f in config.export.format_list())


def label_path(config: Config, split: str, name: str) -> str | None:
    """Where the image's YOLO label file goes (None without a YOLO format)."""
    f = config.export.format_list()
    return f"labels/{split}/{name}.txt" if "yolo" in f or "yolo-seg" in f else None


def image_files(config: Config, sample, name: str, jpeg: bytes) -> dict[str, bytes]:
    """Every file of one image except its metadata: the JPEG, then each format's files.

    `sample` is an :class:`export.job.Sample`; `jpeg` its encoded image.
    """
    f = config.export.format_list()
    frame = config.optics.frame
    s = sample
    out = {f"images/{s.split}/{name}.jpg": jpeg}
    text = None
    if "yolo" in f:
        text = yolo.label_text(s.labels, frame.width, frame.height)
    elif "yolo-seg" in f:
        text = yolo.segment_text(s.labels, frame.width, frame.height)
    if text is not None:
        out[label_path(config, s.split, name)] = text.encode()
    if "masks" in f:
        out.update(masks.files(s.image.raster.owner, s.labels, len(s.scene.cells), s.split, name))
    if "crops" in f:
        out.update(crops.files(s.scene, s.labels, s.image.rgb, jpeg, s.split, name,
                               config.export.crop_margin, config.export.jpeg_quality,
                               config.export.label_ids()))
    return out


def dataset_files(config: Config, records: Callable[[str], Iterable[dict]], images: dict[str, int]
                  ) -> dict[str, bytes | Iterator[bytes]]:
    """Files describing the whole dataset (bytes, or byte chunks to be written in turn);
    ``records(split)`` yields the metadata records of a split's images in index order (only
    read for COCO), `images` the number of images in each split."""
    f = config.export.format_list()
    splits = used(config.export.split)
    out = {}
    if "yolo" in f or "yolo-seg" in f:
        out["data.yaml"] = yolo.data_yaml({s: images.get(s, 0) for s in splits}).encode()
    if "coco" in f:
        out.update(coco.files(records, splits))
    return out
