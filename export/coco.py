"""COCO object-detection / instance-segmentation JSON, one file per split (``coco/SPLIT.json``).

Built from the per-image metadata records (see :func:`export.job.metadata`), so a resumed run
writes the same bytes as an uninterrupted one. Following the COCO format
(https://cocodataset.org/#format-data): ``bbox`` is ``[x, y, width, height]`` of the visible box
in px, ``segmentation`` the visible pieces' polygons, ``area`` the visible pixel count,
``iscrowd`` 0. Image ids are the image index + 1, category ids the fixed label ids of
:mod:`sim.classes`; ``file_name`` is relative to ``images/SPLIT/``.
"""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Callable, Iterable, Iterator

from sim.classes import CLASSES


def _image(rec: dict) -> dict:
    w, h = rec["size_px"]
    return {"id": rec["index"] + 1, "file_name": PurePosixPath(rec["image"]).name,
            "width": w, "height": h}


def _annotations(rec: dict, first_id: int) -> list[dict]:
    """The annotations of one image, numbered from `first_id`."""
    out = []
    for cell in rec["cells"]:
        lab = cell["label"]
        if lab is None:
            continue
        x0, y0, x1, y1 = lab["box_px"]
        out.append({"id": first_id + len(out), "image_id": rec["index"] + 1,
                    "category_id": lab["class_id"], "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "segmentation": lab.get("polygons_px", []),
                    "area": lab["area_px"], "iscrowd": 0,
                    "smearsim": {"cell": cell["index"], "truncated": lab["truncated"],
                                 "amodal_bbox": _xywh(lab["amodal_box_px"])}})
    return out


INFO = {"description": "smearsim synthetic blood smear dataset"}

CATEGORIES = [{"id": i, "name": name, "supercategory": "cell"} for i, name in enumerate(CLASSES)]


def document(records: list[dict]) -> dict:
    """The COCO dataset of the images described by `records` (metadata dicts, index order)."""
    annotations = []
    for rec in records:
        annotations += _annotations(rec, len(annotations) + 1)
    return {"info": INFO, "images": [_image(r) for r in records], "annotations": annotations,
            "categories": CATEGORIES}


def _xywh(box: list[int]) -> list[int]:
    x0, y0, x1, y1 = box
    return [x0, y0, x1 - x0, y1 - y0]


def _dump(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def stream(records: Callable[[], Iterable[dict]]) -> Iterator[bytes]:
    """The bytes of ``json.dumps(document(list(records())), separators=(",", ":"))``, made
    piece by piece: `records` is called twice (images, then annotations) and each record is
    dropped once encoded, so memory does not grow with the number of images."""
    yield f'{{"info":{_dump(INFO)},"images":['.encode()
    for k, rec in enumerate(records()):
        yield (("," if k else "") + _dump(_image(rec))).encode()
    yield b'],"annotations":['
    n = 0
    for rec in records():
        pieces = _annotations(rec, n + 1)
        if pieces:
            yield (("," if n else "") + ",".join(map(_dump, pieces))).encode()
        n += len(pieces)
    yield f'],"categories":{_dump(CATEGORIES)}}}'.encode()


def files(records: Callable[[str], Iterable[dict]], splits: tuple[str, ...]
          ) -> dict[str, Iterator[bytes]]:
    """``coco/SPLIT.json`` for every split, as byte chunks; ``records(split)`` yields the
    metadata records of the split's images in index order."""
    return {f"coco/{s}.json": stream(lambda s=s: records(s)) for s in splits}
