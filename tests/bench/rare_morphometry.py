"""Morphometry of the rare and leukaemic white cells beside their textbook description.

Usage::

    python tests/bench/rare_morphometry.py --count 30 [--gallery rare.png]

Renders `count` PBC-style images of each pathological class (``with_subject`` on the ``pbc``
preset, JPEG round trip like PBC's), measures them with the morphometry code of ``compare``
(:func:`export.realism.morphometry.measure_cell`: cell diameter, nucleus : cell area) and one
figure of the feature that identifies the class, and prints the median and quartiles beside the
textbook value. Textbook sizes are quoted ranges (B. J. Bain, *Blood Cells: A Practical Guide*,
5th ed. 2015; ASH Image Bank; pathologyoutlines.com); textbooks describe N:C ratios and most
features in words ("high", "abundant"), which the ranges below turn into numbers (marked ~).
A figure passes (``ok``) when its median lies in the range.
"""

from __future__ import annotations

import argparse

import cv2
import numpy as np
from scipy import ndimage

from export import load_config, make_image
from export.config import with_subject
from export.realism.morphometry import measure_cell
from export.realism.segmentation import disc, regions, relative_od, subject
from export.realism.segmentation import nucleus as chromatin
from optics.codec import decode, encode_jpeg
from sim.classes import PATHOLOGICAL_WHITE

RIM_UM = 1.2
"""Width of the outer rim of the cell (edge basophilia) and of the ring around it (hairs), µm."""

FRINGE_OD = 0.05
"""Summed R, G, B OD above which a pixel of the ring around a cell counts as stained."""

GRANULE_AREA = (0.03, 1.5)
"""Area of a blob counted as a granule, µm²."""

TEXTBOOK = {  # class: (diameter µm, nucleus / cell area, feature name, feature range, words)
    "myeloblast": ((15, 20), (0.65, 0.9), "share with rods", (0.05, 0.5),
                   "15-20 µm; high N:C; fine chromatin, 1-4 nucleoli; Auer rods in some"),
    "lymphoblast": ((10, 15), (0.75, 0.95), "share with rods", (0.0, 0.0),
                    "about 2 red cells; scant cytoplasm (~very high N:C); never Auer rods"),
    "apl_promyelocyte": ((15, 25), None, "od_cytoplasm/myeloblast", (1.5, 9.0),
                         "large; heavy granules hiding the nucleus; bilobed; Auer rods, faggots"),
    "hairy_cell": ((10, 16), (0.25, 0.5), "stained ring share", (0.3, 1.0),
                   "10-14 µm body, 1.5-2x small lymphocyte; moderate pale cytoplasm; hairs"),
    "reactive_lymphocyte": ((15, 30), (0.15, 0.45), "rim / inner blueness", (1.1, 4.0),
                            "large, abundant cytoplasm deepening to blue at the margin"),
    "large_granular_lymphocyte": ((12, 16), (0.3, 0.55), "granules counted", (2, 20),
                                  "larger than a lymphocyte; a few coarse azurophilic granules"),
    "plasma_cell": ((8, 15), (0.2, 0.45), "nucleus offset / radius", (0.25, 0.8),
                    "oval; eccentric clock-face nucleus; deep blue; pale Golgi zone"),
    "smudge_cell": ((8, 18), None, "chromatin-hue share", (0.7, 1.0),
                    "ruptured cell: shapeless chromatin smear, no cytoplasm"),
}


def _rim(cell: np.ndarray, pixel_size: float) -> np.ndarray:
    return cell & ~ndimage.binary_erosion(cell, disc(RIM_UM, pixel_size))


def feature(kind: str, rgb: np.ndarray, pixel_size: float, morph: dict) -> float:
    """The identifying figure of one image of class `kind` (see :data:`TEXTBOOK`); `morph` is
    the subject cell's metadata morphology (the truth, for Auer rods: whether there are any)."""
    od = relative_od(rgb)
    cell, nuc, _ = subject(od, pixel_size)
    if kind in ("myeloblast", "lymphoblast"):
        return float(len(morph.get("rods", [])) > 0)
    cyto = cell & ~ndimage.binary_dilation(nuc, disc(1.0, pixel_size))
    rim = _rim(cell, pixel_size) & cyto
    if kind == "hairy_cell":  # faint projections in a ring around the segmented cell
        ring = (ndimage.binary_dilation(cell, disc(RIM_UM, pixel_size)) & ~cell
                & ~regions(od)["rbc"])
        return float((od.sum(axis=2)[ring] > FRINGE_OD).mean())
    if kind == "reactive_lymphocyte":  # blueness: red-light OD over green-light OD
        blue = od[..., 0] / np.maximum(od[..., 1], 1e-3)
        stained = regions(od)["cytoplasm"]
        return float(np.median(blue[rim & stained]) / np.median(blue[cyto & ~rim & stained]))
    if kind == "large_granular_lymphocyte":  # purple dots in the cytoplasm
        cyto = cell & ~ndimage.binary_dilation(nuc, disc(0.5, pixel_size))
        dots, n = ndimage.label(chromatin(od) & cyto)
        area = np.bincount(dots.ravel())[1:] * pixel_size ** 2
        return float(((area >= GRANULE_AREA[0]) & (area <= GRANULE_AREA[1])).sum())
    if kind == "plasma_cell":
        c_cell, c_nuc = (np.argwhere(m).mean(axis=0) for m in (cell, nuc))
        return float(np.hypot(*(c_nuc - c_cell)) / np.sqrt(cell.sum() / np.pi))
    if kind == "smudge_cell":
        return float((chromatin(od) & cell).sum() / max(cell.sum(), 1))
    return float("nan")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--count", type=int, default=30)
    p.add_argument("--gallery", default=None, help="also write a PNG of 6 images per class")
    p.add_argument("--classes", default=",".join(PATHOLOGICAL_WHITE),
                   help="comma-separated classes (default: every pathological white class)")
    args = p.parse_args()
    config = load_config("pbc")
    px = config.optics.frame.pixel_size
    rows, tiles, myeloblast_od = [], [], None
    print(f"{'class':26s}{'figure':25s}{'median':>8s}{'q25':>8s}{'q75':>8s}  {'textbook':>12s}")
    for kind in args.classes.split(","):
        cfg = with_subject(config, kind)
        figs = {"diameter µm": [], "nucleus/cell": [], "od_cytoplasm": [], "feature": []}
        row = []
        for seed in range(args.count):
            s = make_image(cfg, seed, 0)
            rgb = decode(encode_jpeg(s.image.rgb, 95))
            m = measure_cell(rgb, px)
            morph = next(c for c in s.scene.cells if c.subject).morphology
            figs["diameter µm"].append(m["cell_diameter_um"])
            figs["nucleus/cell"].append(m["nc_ratio"] / (1 + m["nc_ratio"]))
            figs["od_cytoplasm"].append(m["od_cytoplasm"])
            figs["feature"].append(feature(kind, rgb, px, morph.to_dict()))
            if len(row) < 6:
                row.append(cv2.resize(s.image.rgb, (200, 200), interpolation=cv2.INTER_AREA))
        tiles.append(np.hstack(row))
        size, nc, name, frange, words = TEXTBOOK[kind]
        if kind == "myeloblast":
            myeloblast_od = np.nanmedian(figs["od_cytoplasm"])
        if name == "share with rods":  # a share: the mean, not the median, of 0s and 1s
            figs["feature"] = [np.mean(figs["feature"])] * 3
        if kind == "apl_promyelocyte":
            figs["feature"] = list(np.array(figs["od_cytoplasm"]) / (myeloblast_od or np.nan))
        print(f"{kind:26s}{words}")
        for label, values, want in (("diameter µm", figs["diameter µm"], size),
                                    ("nucleus/cell area ~", figs["nucleus/cell"], nc),
                                    (name + " ~", figs["feature"], frange)):
            q25, med, q75 = np.nanpercentile(values, [25, 50, 75])
            if want is None:  # dense granules or pale chromatin defeat the nucleus segmentation
                print(f"{'':26s}{label:25s}{med:8.2f}{q25:8.2f}{q75:8.2f}  (not measurable)")
                continue
            ok = want[0] <= med <= want[1]
            rows.append(ok)
            print(f"{'':26s}{label:25s}{med:8.2f}{q25:8.2f}{q75:8.2f}  {want[0]:5g} – "
                  f"{want[1]:<5g} {'ok' if ok else 'X'}")
    print(f"{sum(rows)}/{len(rows)} figures within the textbook range")
    if args.gallery:
        cv2.imwrite(args.gallery, cv2.cvtColor(np.vstack(tiles), cv2.COLOR_RGB2BGR))


if __name__ == "__main__":
    main()
