"""Morphometry of the rare and leukaemic white cells beside their textbook description.

Usage::

    python tests/bench/rare_morphometry.py --count 30 [--gallery rare.png] [--red 6]

Renders `count` PBC-style images of each pathological class (``with_subject`` on the ``pbc``
preset, JPEG round trip like PBC's), measures them with the morphometry code of ``compare``
(:func:`export.realism.morphometry.measure_cell`: cell diameter, nucleus : cell area) and one
figure of the feature that identifies the class, and prints the median and quartiles beside the
textbook value. Textbook sizes are quoted ranges (B. J. Bain, *Blood Cells: A Practical Guide*,
5th ed. 2015; ASH Image Bank; pathologyoutlines.com); textbooks describe N:C ratios and most
features in words ("high", "abundant"), which the ranges below turn into numbers (marked ~).
A figure passes (``ok``) when its median lies in the range.

With ``--red N`` it then renders `N` fields of each red-cell kind (a sparse monolayer of that
kind alone) and measures every whole, unoverlapped cell: its diameter relative to normal red
cells measured the same way, the ratio of its central to its peak green OD (pallor), and the
figure that identifies the kind, beside the textbook's.
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
from sim.classes import PATHOLOGICAL_WHITE, RED_CLASSES

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
    p.add_argument("--red", type=int, default=0, metavar="N",
                   help="also measure N fields of each red-cell kind")
    p.add_argument("--red-kinds", default=",".join(RED_TEXTBOOK),
                   help="comma-separated red-cell kinds (default: normal and every kind)")
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
    if args.red:
        red_table(args.red, tuple(args.red_kinds.split(",")))


DOT_OD = 0.55
"""Summed R, G, B OD above which a pixel of a red cell belongs to a dark inclusion (normal red
cells: at most 0.35)."""

BLUE_RATIO = 0.8
"""Red / green OD above which a pixel of a red cell is counted as basophilic (azure)."""

ISOLATION_PX = 4
"""Clear margin around a red cell measured (no other cell within it), px."""

RED_TEXTBOOK = {  # kind: (diameter / normal, centre / peak OD, feature, range, words)
    "rbc": ((0.95, 1.05), (0.0, 0.7), "solidity", (0.95, 1.0), "7-8 µm disc, central pallor"),
    "spherocyte": ((0.6, 0.9), (0.85, 1.5), "solidity", (0.95, 1.0),
                   "smaller, dense, no central pallor"),
    "target_cell": ((0.9, 1.1), (0.7, 2.0), "centre / pallor-ring OD", (1.15, 5.0),
                    "a dense spot in the pallor"),
    "elliptocyte": ((0.9, 1.2), (0.0, 0.8), "short / long axis", (0.3, 0.85), "oval to elongated"),
    "stomatocyte": ((0.9, 1.1), (0.0, 1.5), "pallor short / long axis", (0.0, 0.5),
                    "slit-like pallor"),
    "dacrocyte": ((0.9, 1.2), (0.0, 0.8), "longest / mean radius", (1.3, 3.0), "one tail"),
    "schistocyte": ((0.4, 0.85), (0.0, 2.0), "straight-edge share", (0.1, 0.8),
                    "smaller fragment with straight edges"),
    "echinocyte": ((0.9, 1.2), (0.0, 0.9), "solidity", (0.75, 0.95), "10-30 regular spicules"),
    "acanthocyte": ((0.7, 1.0), (0.8, 2.0), "solidity", (0.7, 0.95),
                    "2-20 irregular spicules, dense"),
    "sickle_cell": ((0.9, 1.4), (0.7, 2.0), "short / long axis", (0.1, 0.4), "crescent, dense"),
    "macrocyte": ((1.1, 1.5), (0.0, 0.7), "solidity", (0.95, 1.0), "larger (MCV > 100 fl)"),
    "microcyte": ((0.6, 0.9), (0.0, 0.7), "solidity", (0.95, 1.0), "smaller (MCV < 80 fl)"),
    "hypochromic_cell": ((0.95, 1.05), (0.0, 0.4), "mean OD / normal", (0.4, 0.85),
                         "less haemoglobin, pallor over a third of the diameter"),
    "howell_jolly": ((0.95, 1.05), (0.0, 1.0), "dark dots", (1, 2), "one or two ~1 µm bodies"),
    "basophilic_stippling": ((0.95, 1.05), (0.0, 1.0), "blue share", (0.02, 0.3),
                             "fine blue dots all over"),
    "pappenheimer": ((0.95, 1.05), (0.0, 1.0), "blue share", (0.005, 0.1),
                     "a few small basophilic granules"),
    "pf_ring": ((0.9, 1.1), (0.0, 1.0), "blue share", (0.01, 0.12),
                "normal-sized cell; ring 1/5-1/3 of its diameter"),
    "pf_trophozoite": ((0.9, 1.1), (0.0, 1.5), "blue share", (0.05, 0.35),
                       "compact parasite up to half the cell, pigment"),
    "pf_schizont": ((0.9, 1.1), (0.0, 2.0), "blue share", (0.25, 0.75),
                    "8-24 merozoites filling 2/3 of the cell"),
    "pf_gametocyte": ((0.9, 1.4), (0.0, 2.0), "short / long axis", (0.2, 0.5),
                      "crescent, longer than a red cell"),
    "pv_ring": ((1.05, 1.5), (0.0, 1.0), "blue share", (0.03, 0.2),
                "enlarged cell; ring about 1/3 of its diameter; Schüffner's dots"),
    "pv_trophozoite": ((1.2, 1.6), (0.0, 1.5), "blue share", (0.1, 0.6),
                       "enlarged (to 1.5x); amoeboid parasite"),
    "pv_schizont": ((1.2, 1.6), (0.0, 2.0), "blue share", (0.4, 0.9),
                    "enlarged; 12-24 merozoites filling the cell"),
    "pv_gametocyte": ((1.2, 1.6), (0.0, 2.0), "blue share", (0.5, 1.0),
                      "enlarged; round parasite filling the cell"),
}


def red_cells(kind: str, fields: int) -> list[dict]:
    """Figures of every whole, unoverlapped red cell of `fields` sparse fields of `kind`."""
    config = load_config("field", overrides=[
        f"sim.population.red_mix.{k}={float(k == kind)}" for k in RED_CLASSES] + [
        "sim.population.rbc_coverage=0.25", "sim.population.white_cells=0",
        "sim.population.platelets=0", "sim.population.layers=1"])
    px = config.optics.frame.pixel_size
    out = []
    for seed in range(fields):
        s = make_image(config, seed, 0)
        od = relative_od(decode(encode_jpeg(s.image.rgb, 95)))
        owner = np.pad(s.image.raster.owner, ISOLATION_PX, constant_values=-1)
        for lab in s.labels:
            x0, y0, x1, y1 = lab.box
            near = owner[y0:y1 + 2 * ISOLATION_PX, x0:x1 + 2 * ISOLATION_PX]
            if lab.truncated or np.any((near != lab.cell) & (near >= 0)):
                continue  # cut by the border, or touching or overlapping another cell
            mask = (s.image.raster.owner[y0:y1, x0:x1] == lab.cell).astype(np.uint8)
            out.append(_red_figures(mask, od[y0:y1, x0:x1], px))
    return out


def _red_figures(mask: np.ndarray, rgb_od: np.ndarray, px: float) -> dict[str, float]:
    """Size, pallor, shape and content figures of one red cell's mask and OD (R, G, B)."""
    od = rgb_od[..., 1]  # haemoglobin absorbs green
    # azure (parasites, stippling) absorbs red light; haemoglobin mostly green (red / green OD
    # of normal red cells: 0.64-0.76)
    blue = (rgb_od[..., 0] > BLUE_RATIO * rgb_od[..., 1]) & (mask > 0)
    dark, n_dark = ndimage.label((rgb_od.sum(axis=2) > DOT_OD) & (mask > 0))
    area = float(mask.sum())
    ys, xs = np.nonzero(mask)
    cy, cx = ys.mean(), xs.mean()
    r = np.hypot(ys - cy, xs - cx)
    rmean = np.sqrt(area / np.pi)
    v = od[ys, xs]
    centre = float(v[r < 0.2 * rmean].mean()) if np.any(r < 0.2 * rmean) else float(v.mean())
    ring = v[(r >= 0.3 * rmean) & (r < 0.5 * rmean)]
    peak = float(np.percentile(v, 95))
    w = np.sqrt(np.linalg.eigvalsh(np.cov(np.stack([xs, ys]))))
    pale = (v < 0.6 * peak) & (r < 0.6 * rmean)
    pw = (np.sqrt(np.linalg.eigvalsh(np.cov(np.stack([xs[pale], ys[pale]]))))
          if pale.sum() > 5 else np.array([1.0, 1.0]))
    contour = max(cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)[0], key=len)
    hull = cv2.convexHull(contour)
    straight = cv2.approxPolyDP(contour, 0.6, True).reshape(-1, 2)
    seg = np.hypot(*np.diff(np.vstack([straight, straight[:1]]), axis=0).T)
    return {"diameter": 2 * rmean * px, "pallor": centre / max(peak, 1e-6),
            "solidity": cv2.contourArea(contour) / max(cv2.contourArea(hull), 1.0),
            "centre / pallor-ring OD": centre / max(float(ring.mean()) if ring.size else 1, 1e-6),
            "short / long axis": float(w[0] / w[1]),
            "pallor short / long axis": float(pw[0] / max(pw[1], 1e-6)),
            "longest / mean radius": float(r.max() / rmean),
            "straight-edge share": float(seg[seg > 0.5 * rmean].sum() / max(len(contour), 1)),
            "mean od": float(v.mean()), "blue share": float(blue.sum() / area),
            "dark dots": float(n_dark)}


def red_table(fields: int, kinds: tuple[str, ...] = tuple(RED_TEXTBOOK)) -> None:
    """Print the red-cell table (see the module docstring) for `kinds`."""
    normal = red_cells("rbc", fields)
    d0 = np.median([c["diameter"] for c in normal])
    od0 = np.median([c["mean od"] for c in normal])
    fails = total = 0
    print(f"\nred cells (normal diameter {d0:.2f} µm)\n{'kind':18s}{'n':>4s}  {'figure':26s}"
          f"{'median':>8s}  textbook")
    for kind in kinds:
        size, pallor, name, frange, words = RED_TEXTBOOK[kind]
        cells = normal if kind == "rbc" else red_cells(kind, fields)
        print(f"{kind:18s}{len(cells):4d}  {words}")
        feature_values = ([c["mean od"] / od0 for c in cells] if name == "mean OD / normal"
                          else [c[name] for c in cells])
        for label, values, want in (("diameter / normal", [c["diameter"] / d0 for c in cells],
                                     size),
                                    ("centre / peak OD", [c["pallor"] for c in cells], pallor),
                                    (name, feature_values, frange)):
            med = float(np.median(values)) if values else float("nan")
            ok = want[0] <= med <= want[1]
            fails += not ok
            total += 1
            print(f"{'':22s}{label:26s}{med:8.2f}  {want[0]:g} – {want[1]:g} "
                  f"{'ok' if ok else 'X'}")
    print(f"{total - fails}/{total} red-cell figures within the textbook range")


if __name__ == "__main__":
    main()
