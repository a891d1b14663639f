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

from sim.classes import CLASSES


def document(records: list[dict]) -> dict:
    """The COCO dataset of the images described by `records` (metadata dicts, index order)."""
    images, annotations = [], []
    for rec in records:
        w, h = rec["size_px"]
        image_id = rec["index"] + 1
        images.append({"id": image_id, "file_name": PurePosixPath(rec["image"]).name,
                       "width": w, "height": h})
        for cell in rec["cells"]:
            lab = cell["label"]
            if lab is None:
                continue
            x0, y0, x1, y1 = lab["box_px"]
            annotations.append({"id": len(annotations) + 1, "image_id": image_id,
                                "category_id": cell["class_id"], "bbox": [x0, y0, x1 - x0, y1 - y0],
                                "segmentation": lab.get("polygons_px", []),
                                "area": lab["area_px"], "iscrowd": 0,
                                "smearsim": {"cell": cell["index"], "truncated": lab["truncated"],
                                             "amodal_bbox": _xywh(lab["amodal_box_px"])}})
    return {"info": {"description": "smearsim synthetic blood smear dataset"},
            "images": images, "annotations": annotations,
            "categories": [{"id": i, "name": name, "supercategory": "cell"}
                           for i, name in enumerate(CLASSES)]}


def _xywh(box: list[int]) -> list[int]:
    x0, y0, x1, y1 = box
    return [x0, y0, x1 - x0, y1 - y0]


def files(records: list[dict], splits: tuple[str, ...]) -> dict[str, bytes]:
    """``coco/SPLIT.json`` for every split, from the records of all images."""
    return {f"coco/{s}.json": json.dumps(document([r for r in records if r["split"] == s]),
                                         separators=(",", ":")).encode()
            for s in splits}
