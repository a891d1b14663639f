"""YOLO detection labels and ``data.yaml`` in the Ultralytics dataset layout.

Layout: ``images/{train,val}/NAME.jpg`` with ``labels/{train,val}/NAME.txt`` beside, one line
``class x_centre y_centre width height`` per object, coordinates normalised to the image size
(https://docs.ultralytics.com/datasets/detect/).
"""

from __future__ import annotations

from export.labels import Label
from sim.classes import CLASSES

SPLITS = ("train", "val")


def label_text(labels: list[Label], width: int, height: int) -> str:
    """The YOLO label file for one image of `width` × `height` px."""
    lines = []
    for lab in labels:
        x0, y0, x1, y1 = lab.box
        lines.append(f"{lab.class_id} {(x0 + x1) / 2 / width:.6f} {(y0 + y1) / 2 / height:.6f} "
                     f"{(x1 - x0) / width:.6f} {(y1 - y0) / height:.6f}")
    return "".join(line + "\n" for line in lines)


def data_yaml() -> str:
    """``data.yaml``: split folders relative to the file itself, and the class names by id."""
    names = "".join(f"  {i}: {name}\n" for i, name in enumerate(CLASSES))
    return (f"# smearsim dataset (Ultralytics YOLO layout)\n"
            f"train: images/train\nval: images/val\nnc: {len(CLASSES)}\nnames:\n{names}")
