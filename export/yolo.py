"""YOLO detection and segmentation labels and ``data.yaml`` in the Ultralytics dataset layout.

Layout: ``images/{train,val,test}/NAME.jpg`` with ``labels/{train,val,test}/NAME.txt`` beside,
one line per object, coordinates normalised to the image size: ``class x_centre y_centre width
height`` for detection (https://docs.ultralytics.com/datasets/detect/), ``class x1 y1 x2 y2 …``
(one polygon) for segmentation (https://docs.ultralytics.com/datasets/segment/).
"""

from __future__ import annotations

from export.labels import Label
from sim.classes import CLASSES


def label_text(labels: list[Label], width: int, height: int) -> str:
    """The YOLO detection label file for one image of `width` × `height` px (visible boxes)."""
    lines = []
    for lab in labels:
        x0, y0, x1, y1 = lab.box
        lines.append(f"{lab.class_id} {(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} "
                     f"{(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}")
    return "".join(line + "\n" for line in lines)


def segment_text(labels: list[Label], width: int, height: int) -> str:
    """The YOLO segmentation label file: each cell's largest visible piece as one polygon
    (a format line holds a single polygon; the other pieces of a cell split by an overlying cell
    are in the COCO and mask outputs)."""
    lines = []
    for lab in labels:
        poly = lab.polygons[0]
        xy = " ".join(f"{v / (width if k % 2 == 0 else height):.6f}" for k, v in enumerate(poly))
        lines.append(f"{lab.class_id} {xy}")
    return "".join(line + "\n" for line in lines)


def data_yaml(splits: tuple[str, ...]) -> str:
    """``data.yaml``: split folders relative to the file itself, and the class names by id."""
    names = "".join(f"  {i}: {name}\n" for i, name in enumerate(CLASSES))
    folders = "".join(f"{s}: images/{s}\n" for s in splits)
    return (f"# smearsim dataset (Ultralytics YOLO layout)\n"
            f"{folders}nc: {len(CLASSES)}\nnames:\n{names}")
