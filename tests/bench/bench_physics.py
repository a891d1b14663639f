"""Benchmark: soft-body physics per PBC field, and physics + rendering of crowded fields by size
(prints figures; not a timed test). Also compares the PBC red-cell count and box sizes with the
TXL-PBC reference labels.

Usage::

    python tests/bench/bench_physics.py --fields 200 --sizes 1024 2048 4096

Times are CPU seconds of this process (``time.process_time``) and wall seconds; on a shared
machine the CPU figure is the one that estimates a free core.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

from export import load_config, make_image
from export.parallel import tune_memory
from optics import render
from sim import packing, population, simulate

from penetration import excess_penetration  # tests/bench/penetration.py

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"


def clock() -> tuple[float, float]:
    return time.process_time(), time.perf_counter()


def pbc_physics(fields: int) -> None:
    """Milliseconds per PBC field of the packing (disc + ring passes), population drawn apart."""
    cfg = load_config("pbc")
    f, sim = cfg.optics.frame, cfg.sim
    w, h = f.width * f.pixel_size, f.height * f.pixel_size
    cpu, wall = [], []
    for i in range(fields):
        drafts, _ = population.draw(sim, w, h, np.random.default_rng(i))
        c0, w0 = clock()
        packing.settle(drafts, sim.packing, w, h, sim.population.margin, sim.population.layers)
        c1, w1 = clock()
        cpu.append(c1 - c0)
        wall.append(w1 - w0)
    print(f"pbc physics: {fields} fields, median {np.median(cpu) * 1e3:.1f} ms CPU "
          f"(mean {np.mean(cpu) * 1e3:.1f}, p90 {np.percentile(cpu, 90) * 1e3:.1f}), "
          f"median {np.median(wall) * 1e3:.1f} ms wall")


def crowded(sizes: list[int], repeats: int) -> None:
    """Seconds of physics (simulate) and rendering of crowded fields of each size; fitted
    exponent of total CPU time against area. The process is set up for memory as ``generate``
    sets up its workers (:func:`export.parallel.tune_memory`)."""
    tune_memory()
    totals = []
    for n in sizes:
        cfg = load_config("crowded", overrides=[f"optics.frame.width={n}",
                                                f"optics.frame.height={n}"])
        f = cfg.optics.frame
        w, h = f.width * f.pixel_size, f.height * f.pixel_size
        sim_t, ren_t, wall_t = [], [], []
        for r in range(repeats):
            c0, w0 = clock()
            scene = simulate(cfg.sim, w, h, np.random.default_rng(r))
            c1, _ = clock()
            render(scene, cfg.optics, np.random.default_rng(r))
            c2, w2 = clock()
            sim_t.append(c1 - c0)
            ren_t.append(c2 - c1)
            wall_t.append(w2 - w0)
        total = np.median(np.add(sim_t, ren_t))
        totals.append(total)
        layers = cfg.sim.population.layers
        layer = np.array([c.stack if c.stack < layers else -1 - c.index for c in scene.cells])
        excess = excess_penetration(scene.cells, layer, cfg.sim.packing.overlap)
        print(f"crowded {n}x{n}: {len(scene.cells)} cells, physics {np.median(sim_t):.2f} s + "
              f"render {np.median(ren_t):.2f} s = {total:.2f} s CPU ({np.median(wall_t):.2f} s "
              f"wall); coverage {scene.stats['coverage']}, overlap "
              f"{scene.stats['overlap_fraction']}, |area change| mean "
              f"{scene.stats['area_change_mean']} max {scene.stats['area_change_max']}, "
              f"deepest interpenetration beyond the allowance {excess:+.3f} µm")
    if len(sizes) > 1:
        slope = np.polyfit(np.log(np.square(sizes, dtype=float)), np.log(totals), 1)[0]
        print(f"cost ~ area^{slope:.2f} over {sizes[0]}²…{sizes[-1]}²")


def nearest(centres: np.ndarray, inside: np.ndarray) -> np.ndarray:
    """Distance (px) from each red cell not cut by the border to the nearest other red-cell box
    centre of its field."""
    if inside.sum() == 0 or len(centres) < 2:
        return np.zeros(0)
    return cKDTree(centres).query(centres[inside], 2)[0][:, 1]


def pbc_reference(images: int) -> None:
    """Red cells labelled per PBC field, median box sides and the spacing of red cells (nearest
    box centre, in uncut red-cell box sides: clumping and gaps), ours against TXL-PBC."""
    sizes = {}
    for line in (REFERENCE / "txl_pbc_fields" / "image_sizes.csv").read_text().split()[1:]:
        name, w, h = line.split(",")
        sizes[name] = (int(w), int(h))
    counts, wbc, rbc, gaps = [], [], [], []
    for f in sorted((REFERENCE / "txl_pbc_fields" / "labels").glob("*.txt")):
        width, height = sizes.get(f.stem, (360, 363))
        rows = [r.split() for r in f.read_text().splitlines() if r.strip()]
        counts.append(sum(r[0] == "1" for r in rows))
        centres, uncut = [], []
        for k, x, y, bw, bh in ((r[0], *map(float, r[1:])) for r in rows):
            side = (bw * width + bh * height) / 2
            if k == "0":
                wbc.append(side)
            inside = min(x - bw / 2, y - bh / 2) > 0.003 and max(x + bw / 2, y + bh / 2) < 0.997
            if k == "1":
                centres.append((x * width, y * height))
                uncut.append(inside)
                if inside:
                    rbc.append(side)
        gaps.extend(nearest(np.array(centres), np.array(uncut, dtype=bool)))
    cfg = load_config("pbc")
    width, height = cfg.optics.frame.width, cfg.optics.frame.height
    ours, owbc, orbc, ogaps = [], [], [], []
    for i in range(images):
        labels = make_image(cfg, 0, i).labels
        ours.append(sum(lab.class_id == 8 for lab in labels))
        centres, uncut = [], []
        for lab in labels:
            x0, y0, x1, y1 = lab.box
            side = (x1 - x0 + y1 - y0) / 2
            if lab.class_id < 7:
                owbc.append(side)
            if lab.class_id == 8:
                inside = x0 > 0 and y0 > 0 and x1 < width and y1 < height
                centres.append(((x0 + x1) / 2, (y0 + y1) / 2))
                uncut.append(inside)
                if inside:
                    orbc.append(side)
        ogaps.extend(nearest(np.array(centres), np.array(uncut, dtype=bool)))
    q = lambda v: "/".join(f"{p:g}" for p in np.percentile(v, [25, 50, 75]))
    print(f"RBC labels per PBC field (quartiles): TXL-PBC {q(counts)} ({len(counts)} fields), "
          f"smearsim {q(ours)} ({images} fields)")
    print(f"median box side (mean of w, h), px: WBC TXL-PBC {np.median(wbc):.0f} / smearsim "
          f"{np.median(owbc):.0f}; RBC not cut by the border TXL-PBC {np.median(rbc):.0f} / "
          f"smearsim {np.median(orbc):.0f}")
    d = lambda v, side: "/".join(f"{p:.2f}" for p in np.percentile(v, [10, 25, 50, 75, 90]) / side)
    print(f"nearest red-cell centre, in uncut red-cell box sides (p10/25/50/75/90): TXL-PBC "
          f"{d(gaps, np.median(rbc))} / smearsim {d(ogaps, np.median(orbc))}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--fields", type=int, default=200, help="PBC fields for the physics timing")
    p.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4096])
    p.add_argument("--repeats", type=int, default=1, help="crowded fields per size")
    p.add_argument("--images", type=int, default=100, help="PBC images for the reference check")
    args = p.parse_args()
    make_image(load_config("pbc"), 0, 0)  # warm caches (texture tiles) outside the timing
    pbc_physics(args.fields)
    pbc_reference(args.images)
    crowded(args.sizes, args.repeats)


if __name__ == "__main__":
    main()
