"""A gallery: every subject class rendered with several seeds, beside real reference images.

One row per class the configuration's subject mix draws (the eight PBC classes for the ``pbc``
preset; the leukaemic cells too for ``aml``, ``apl``, ``cll``, ``hcl``); synthetic tiles first,
then (if a reference folder with one subfolder per class is given) real images of the same
class, for a person to judge at a glance."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from export.config import Config, with_subject
from export.files import write_atomic
from export.imagefile import read_rgb
from export.job import make_image
from optics.codec import encode_png
from export.errors import ConfigError, InputError, OutputFolderError, option

CELL_TILE = 180
"""Side of one gallery tile, px."""


def _tile(rgb: np.ndarray, caption: str) -> np.ndarray:
    t = cv2.resize(rgb, (CELL_TILE, CELL_TILE), interpolation=cv2.INTER_AREA)
    cv2.putText(t, caption, (4, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.42, (0, 0, 0), 1, cv2.LINE_AA)
    return t


def _reference(folder: Path, kind: str, count: int) -> list[np.ndarray]:
    files = sorted((folder / kind).glob("*.jpg"))[:count]
    return [_tile(read_rgb(f), f"real {f.stem.split('_')[0]}") for f in files]


def gallery(config: Config, seeds: int = 5, reference: Path | None = None) -> np.ndarray:
    """The gallery image, RGB uint8: a row per class, `seeds` synthetic tiles then as many real
    ones from `reference/<class>/*.jpg`."""
    rows = []
    mix = config.sim.population.subject_mix
    for kind in [c for c in mix.options() if getattr(mix, c) > 0]:
        cfg = with_subject(config, kind)
        tiles = [_tile(make_image(cfg, seed, 0).image.rgb, f"sim {kind} {seed}")
                 for seed in range(seeds)]
        if reference is not None:
            real = _reference(reference, kind, seeds)
            tiles += real + [np.full_like(tiles[0], 255)] * (seeds - len(real))
        rows.append(np.hstack(tiles))
    return np.vstack(rows)


def write_gallery(config: Config, out: str | Path, seeds: int = 5,
                  reference: str | Path | None = None) -> Path:
    """Render the gallery and write it as PNG to `out`.

    Raises
    ------
    ConfigError
        If `out` is not a .png path, `seeds` is not 1–50, or `reference` is not a folder.
    """
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise OutputFolderError(f"{option('out')} {str(out)!r} must name a .png file")
    if not 1 <= seeds <= 50:
        raise ConfigError(f"{option('seeds')} {seeds} is out of range; allowed: 1 <= value <= 50")
    if reference is not None and not Path(reference).is_dir():
        raise InputError(f"{option('reference')} {str(reference)!r} is not a folder; give one "
                         "holding <class>/*.jpg")
    image = gallery(config, seeds, Path(reference) if reference else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(out, encode_png(image))
    return out
