"""What a field holds, from its YOLO boxes: real labelled fields against a smearsim dataset.

Usage (from the project root)::

    python tests/bench/field_stats.py --real ../shared/reference/txl_pbc_fields \\
        --synthetic data/pbc

For each of the three detection classes (WBC, RBC, Platelets; smearsim ids mapped as in
:data:`export.realism.detection.TO_REAL`) prints the count per field (median, mean, quartiles),
the box side in px (median and quartiles of the geometric mean of width and height), for red
cells the share of boxes that touch no other red-cell box (free-standing, with 2 px of slack)
and of boxes cut by the frame, and for platelets the share that touch another platelet box
(clumped) and the size of their clumps, for both the share of boxes that cover over
:data:`OVERLAP` of another's (overlapping cells) and the long / short side of the uncut
boxes. Boxes are read from ``labels/**.txt`` beside
``images/**``; both sides are measured by the same code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from export.realism.detection import TO_REAL

NAMES = ("WBC", "RBC", "Platelets")

OVERLAP = 0.4
"""Share of the smaller box two boxes must have in common to count as overlapping cells."""

EDGE = 2.0
"""A box within this many px of the frame is cut by it (TXL-PBC's annotators stop a box of a cut
cell 0–1.5 px short of the frame edge as often as on it)."""


def read_fields(folder: Path, mapped: bool) -> list[tuple[np.ndarray, np.ndarray]]:
    """(class ids, boxes x0 y0 x1 y1 in px) of every labelled image under `folder`."""
    out = []
    for img in sorted((folder / "images").rglob("*")):
        if img.suffix.lower() not in (".jpg", ".png"):
            continue
        lab = folder / "labels" / img.relative_to(folder / "images").with_suffix(".txt")
        w, h = Image.open(img).size
        rows = np.loadtxt(lab, ndmin=2) if lab.exists() and lab.stat().st_size else np.zeros((0, 5))
        cls = rows[:, 0].astype(int)
        if mapped:
            cls = np.array([TO_REAL.get(int(c), -1) for c in cls], dtype=int)
        cx, cy, bw, bh = rows[:, 1] * w, rows[:, 2] * h, rows[:, 3] * w, rows[:, 4] * h
        boxes = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], axis=1)
        frame = np.array([w, h], dtype=float)
        out.append((cls, np.concatenate([boxes, np.broadcast_to(frame, (len(rows), 2))], 1)))
    return out


def touching(b: np.ndarray, slack: float = 2.0) -> np.ndarray:
    """(n, n) bool: boxes that overlap or lie within `slack` px of each other."""
    lo = np.maximum(b[:, None, :2], b[None, :, :2])
    hi = np.minimum(b[:, None, 2:4], b[None, :, 2:4])
    t = np.all(hi - lo > -slack, axis=2)
    np.fill_diagonal(t, False)
    return t


def overlapping(b: np.ndarray, least: float = OVERLAP) -> np.ndarray:
    """(n,) bool: boxes whose intersection with another box covers more than `least` of the
    smaller of the two (two touching discs' boxes share at most 0.09 of one: more is an
    overlap of the cells)."""
    lo = np.maximum(b[:, None, :2], b[None, :, :2])
    hi = np.minimum(b[:, None, 2:4], b[None, :, 2:4])
    inter = np.prod(np.clip(hi - lo, 0.0, None), axis=2)
    area = np.prod(b[:, 2:4] - b[:, :2], axis=1)
    share = inter / np.minimum(area[:, None], area[None, :])
    np.fill_diagonal(share, 0.0)
    return (share > least).any(axis=1)


def clumps(t: np.ndarray) -> list[int]:
    """Sizes of the connected groups of a touching matrix."""
    seen, sizes = np.zeros(len(t), bool), []
    for i in range(len(t)):
        if seen[i]:
            continue
        stack, n = [i], 0
        seen[i] = True
        while stack:
            j = stack.pop()
            n += 1
            for k in np.flatnonzero(t[j] & ~seen):
                seen[k] = True
                stack.append(k)
        sizes.append(n)
    return sizes


def summary(fields: list) -> dict:
    """The figures of the module docstring for one side."""
    res = {}
    for c, name in enumerate(NAMES):
        counts = [int((cls == c).sum()) for cls, _ in fields]
        boxes = [b[cls == c] for cls, b in fields]
        allb = np.concatenate(boxes) if boxes else np.zeros((0, 6))
        side = np.sqrt((allb[:, 2] - allb[:, 0]) * (allb[:, 3] - allb[:, 1]))
        cut = (allb[:, 0] <= EDGE) | (allb[:, 1] <= EDGE) | (allb[:, 2] >= allb[:, 4] - EDGE) \
            | (allb[:, 3] >= allb[:, 5] - EDGE)
        whole = side[~cut]
        q1, q3 = np.percentile(counts, [25, 75])
        r = {"per field": f"median {np.median(counts):.0f}, mean {np.mean(counts):.2f}, "
                          f"quartiles {q1:.0f}-{q3:.0f}",
             "side px (uncut)": f"median {np.median(whole):.1f}, quartiles "
                                f"{np.percentile(whole, 25):.1f}-{np.percentile(whole, 75):.1f}"
             if len(whole) else "-",
             "cut by frame": f"{cut.mean():.2f}" if len(cut) else "-",
             "uncut per field": f"{(~cut).sum() / len(fields):.2f}"}
        if len(whole):
            wh = np.stack([allb[~cut, 2] - allb[~cut, 0], allb[~cut, 3] - allb[~cut, 1]], 1)
            aspect = wh.max(axis=1) / wh.min(axis=1)
            r["aspect (uncut)"] = (f"median {np.median(aspect):.2f}, upper quartile "
                                   f"{np.percentile(aspect, 75):.2f}")
        if name != "WBC":
            sizes = [s for b in boxes for s in clumps(touching(b))]
            alone = sum(s == 1 for s in sizes) / max(sum(sizes), 1)
            r["free-standing"] = f"{alone:.2f}"
            r["overlapping"] = (f"{np.mean(np.concatenate([overlapping(b) for b in boxes])):.2f}"
                                if len(allb) else "-")
            big = [s for s in sizes if s > 1]
            r["groups >1"] = (f"{len(big) / len(fields):.2f}/field, sizes median "
                              f"{np.median(big):.0f}, max {max(big)}" if big else "none")
        res[name] = r
    return res


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", type=Path, required=True)
    p.add_argument("--synthetic", type=Path, required=True, help="a smearsim dataset folder")
    a = p.parse_args()
    for label, folder, mapped in (("real", a.real, False), ("synthetic", a.synthetic, True)):
        fields = read_fields(folder, mapped)
        print(f"== {label}: {len(fields)} fields ({folder})")
        for name, r in summary(fields).items():
            print(f"  {name:9s} " + "; ".join(f"{k} {v}" for k, v in r.items()))


if __name__ == "__main__":
    main()
