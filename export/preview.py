"""A contact sheet of a dataset: its first images with the labels drawn over them.

Read back from the files on disk (images and per-image metadata), so it shows what a user of the
dataset gets: each labelled cell's visible box in its class colour, its polygons when the dataset
has them, the amodal box dotted where it differs, and the class name of every cell but red cells.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from export.errors import ConfigError, InputError, option
from export.files import write_atomic
from export.imagefile import read_rgb
from optics.codec import encode_png
from sim.classes import CLASSES

THUMB_WIDTH = 320
"""Width of one image on the sheet, px."""

MAX_IMAGES = 400
"""Most images on one sheet (20 × 20 tiles of 320 px: a 6400 px wide PNG, ~0.4 GB in memory at
the tallest tiles allowed)."""

MAX_SHEET_PIXELS = 1 << 27
"""Largest sheet, px (128 Mpx, 384 MiB as RGB)."""

MAX_META_BYTES = 64 << 20
"""Largest per-image metadata file read, bytes."""

COLOURS = ((255, 128, 0), (0, 64, 255), (160, 0, 200), (0, 180, 0), (0, 200, 200),
           (255, 0, 160), (140, 70, 0), (0, 0, 0), (150, 150, 150)) + tuple(
    tuple(int(v) for v in cv2.cvtColor(np.uint8([[[hue, 255, 190]]]), cv2.COLOR_HSV2RGB)[0, 0])
    for hue in np.linspace(0, 180, len(CLASSES) - 9, endpoint=False).astype(np.uint8))
"""Drawing colour of each class id (RGB): the nine base classes' own, then hues spaced around
the colour circle."""


def _dotted_rect(img: np.ndarray, box, colour, step: int = 6) -> None:
    x0, y0, x1, y1 = box
    for x in range(x0, x1, step):
        img[[y0, y1 - 1], x: x + step // 2] = colour
    for y in range(y0, y1, step):
        img[y: y + step // 2, [x0, x1 - 1]] = colour


def tile(folder: Path, meta: dict) -> np.ndarray:
    """One image of the dataset (RGB) with its labels drawn, scaled to :data:`THUMB_WIDTH` px wide."""
    rgb = read_rgb(folder / meta["image"])
    scale = THUMB_WIDTH / rgb.shape[1]
    img = np.ascontiguousarray(cv2.resize(rgb, None, fx=scale, fy=scale,
                                          interpolation=cv2.INTER_AREA))
    for cell in sorted(meta["cells"], key=lambda c: c["z"]):  # labels of upper cells on top
        lab = cell["label"]
        if lab is None:
            continue
        colour = COLOURS[lab.get("class_id", cell["class_id"])]  # the id written (merged or not)
        box = np.round(np.array(lab["box_px"]) * scale).astype(int)
        amodal = np.round(np.array(lab["amodal_box_px"]) * scale).astype(int)
        if np.any(amodal != box):
            _dotted_rect(img, np.clip(amodal, 0, [img.shape[1], img.shape[0]] * 2), colour)
        for poly in lab.get("polygons_px", []):
            pts = np.round(np.array(poly).reshape(-1, 2) * scale).astype(np.int32)
            cv2.polylines(img, [pts], True, colour, 1, cv2.LINE_AA)
        cv2.rectangle(img, tuple(box[:2].tolist()), tuple((box[2:] - 1).tolist()), colour, 1)
        if cell["class"] != "rbc":
            cv2.putText(img, cell["class"], (int(box[0]) + 2, int(box[1]) + 12),
                        cv2.FONT_HERSHEY_SIMPLEX, 0.4, colour, 1, cv2.LINE_AA)
    cv2.putText(img, Path(meta["image"]).name, (4, img.shape[0] - 6), cv2.FONT_HERSHEY_SIMPLEX,
                0.4, (0, 0, 0), 1, cv2.LINE_AA)
    return img


def _read_meta(path: Path) -> dict:
    """One image's metadata, refused with one line if it is not what smearsim writes."""
    try:
        if path.stat().st_size > MAX_META_BYTES:
            raise ValueError(f"larger than {MAX_META_BYTES >> 20} MiB")
        meta = json.loads(path.read_bytes())
        if not isinstance(meta, dict) or not isinstance(meta.get("cells"), list):
            raise ValueError("not a smearsim image record")
        meta["image"] = str(meta["image"])
        return meta
    except (OSError, ValueError, KeyError, RecursionError) as e:
        raise InputError(f"cannot read the metadata {str(path)!r}: {e}") from None


def contact_sheet(folder: str | Path, out: str | Path, count: int = 16, columns: int = 4) -> str:
    """Draw the first `count` images of the dataset in `folder` on a grid of `columns`; write it
    as PNG to `out` and return a one-line description.

    Raises
    ------
    ConfigError
        Bad `count` / `columns`, or a sheet larger than :data:`MAX_SHEET_PIXELS`.
    InputError
        No dataset in `folder`, or one of its files unreadable.
    """
    for name, value in (("count", count), ("columns", columns)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_IMAGES:
            raise ConfigError(f"{option(name)} = {value!r} is out of range; allowed: "
                              f"1 <= value <= {MAX_IMAGES}")
    folder = Path(folder)
    metas = sorted((folder / "meta").glob("*/*.json"), key=lambda p: p.name)[:count]
    if not metas:
        raise InputError(f"{str(folder)!r} holds no smearsim dataset (no meta/SPLIT/*.json)")
    tiles = [tile(folder, _read_meta(p)) for p in metas]
    h = max(t.shape[0] for t in tiles)
    columns = min(columns, len(tiles))
    rows = -(-len(tiles) // columns)
    if rows * (h + 4) * columns * (THUMB_WIDTH + 4) > MAX_SHEET_PIXELS:
        raise ConfigError(f"a sheet of {len(tiles)} images {h} px tall would exceed "
                          f"{MAX_SHEET_PIXELS:,} px; show fewer images ({option('count')})")
    sheet = np.full((rows * (h + 4) + 4, columns * (THUMB_WIDTH + 4) + 4, 3), 255, np.uint8)
    for k, t in enumerate(tiles):
        r, c = divmod(k, columns)
        sheet[4 + r * (h + 4): 4 + r * (h + 4) + t.shape[0], 4 + c * (THUMB_WIDTH + 4): 4 + c * (THUMB_WIDTH + 4)
              + THUMB_WIDTH] = t
    write_atomic(Path(out), encode_png(sheet))
    return f"wrote {out}: {len(tiles)} images of {folder} with their labels"
