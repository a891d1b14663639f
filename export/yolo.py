"""YOLO detection and segmentation labels and ``data.yaml`` in the Ultralytics dataset layout.

Layout: ``images/{train,val,test}/NAME.jpg`` with ``labels/{train,val,test}/NAME.txt`` beside,
one line per object, coordinates normalised to the image size: ``class x_centre y_centre width
height`` for detection (https://docs.ultralytics.com/datasets/detect/), ``class x1 y1 x2 y2 …``
(one polygon) for segmentation (https://docs.ultralytics.com/datasets/segment/).
"""

from __future__ import annotations

from export.labels import Label
from export.splits import SPLITS
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


def data_yaml(images: dict[str, int]) -> str:
    """``data.yaml``: split folders relative to the file itself, and the class names by id.

    `images` is the number of images in each split (``train``, ``val``, ``test``). Ultralytics
    requires ``train:`` and ``val:`` and stops on a folder without images (``FileNotFoundError:
    val: Error loading data``), so an empty ``train`` or ``val`` split (a zero share, or no image
    drawn into it) points at the first split in that order that holds images — with ``--split
    1,0,0`` validation figures come from the training images — and an empty ``test`` is left out.
    """
    names = "".join(f"  {i}: {name}\n" for i, name in enumerate(CLASSES))
    filled = [s for s in SPLITS if images.get(s, 0) > 0] or ["train"]
    folders = {s: s if s in filled else filled[0] for s in ("train", "val")}
    folders.update({"test": "test"} if "test" in filled else {})
    lines = "".join(f"{s}: images/{f}\n" for s, f in folders.items())
    notes = "".join(f"# the {s} split holds no image: {s} reads images/{f}\n"
                    for s, f in folders.items() if s != f)
    return (f"# smearsim dataset (Ultralytics YOLO layout)\n"
            f"{notes}{lines}nc: {len(CLASSES)}\nnames:\n{names}")
