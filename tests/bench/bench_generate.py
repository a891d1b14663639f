"""Benchmark: CPU per image of ``smearsim generate``, per stage and end to end, in multiples of
the floor (prints figures; not a timed test).

Usage::

    python tests/bench/bench_generate.py --presets pbc,field --workers 1,2 --count 200
    python tests/bench/bench_generate.py --presets pbc --workers 2 --count 1000   # the 20 s target
    python tests/bench/bench_generate.py --stages --presets pbc,field --crowded 2048,4096 \
        --check-budget                                       # where time goes, against the budget

The floor (:mod:`floor`: the least work per 360×363 image, the computation of
``../shared/bench/floor.py``) is measured in the same run — one floor image after each image of
the stage timing, and before and after the whole runs; every figure is also printed as
a multiple of it (for a frame of another size, of the floor scaled by its area), a number that
does not depend on the machine or its load. ``--stages`` times every stage of the path
(:mod:`stages`: physics, morphology, raster, optics stages, labels, encoding, transfer, writing);
``--crowded`` makes one ``crowded`` image of each side and prints its CPU seconds and how the cost
grows with the area; ``--check-budget`` compares the multiples with ``budget.toml``
(:mod:`budget`), names every figure over its budget and exits with 1 if any is.

Each end-to-end run is one ``smearsim generate`` in a fresh process (imports and worker start-up
included, as a user runs it) writing a full dataset (``--formats``, default ``yolo``; metadata
always) to a temporary folder. CPU time counts that process and its pool (Dask workers are not
counted); "cores used" is CPU time over wall time — on a machine shared with other jobs
it shows how much of the cores a run actually got, so speed-ups can be read against it; "CPU
speed-up" is what the wall speed-up over the first run (of one worker) would be with every core
free: workers × its CPU per image / this run's, at most the worker count. Peak memory is
the largest resident set of any process of the runs so far (Linux ``ru_maxrss`` of the children:
with one worker, the process that makes the images). A ``crowded`` image is made in this
process.
"""

from __future__ import annotations

import argparse
import math
import resource
import subprocess
import sys
import tempfile
import time

from budget import BUDGET, report
from export import generate, load_config, make_image, presets
from export.parallel import single_threaded
from floor import AREA, Floor, floor_ms
from stages import path_times


def _cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def run(config, count: int, workers: int, scheduler: str | None) -> tuple[float, float, float]:
    """Wall seconds of one job in this process, its CPU seconds (this process and the pool's,
    start-up included), and the peak resident MB of any worker process so far."""
    with tempfile.TemporaryDirectory() as tmp:
        cpu, start = _cpu(), time.perf_counter()
        generate(config, count, tmp, seed=0, workers=workers, scheduler=scheduler)
        wall, cpu = time.perf_counter() - start, _cpu() - cpu
    who = resource.RUSAGE_SELF if workers == 1 and scheduler is None else resource.RUSAGE_CHILDREN
    return wall, cpu, resource.getrusage(who).ru_maxrss / 1024


def run_cli(name: str, overrides: list[str], count: int, workers: int, scheduler: str | None
            ) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds and peak resident MB (of the largest process so far) of one
    ``smearsim generate`` in a fresh process, as a user runs it: imports, worker start-up and the
    driver's writing included (Dask workers are not counted)."""
    children = resource.RUSAGE_CHILDREN
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "export.cli", "generate", "--preset", name, "--count",
               str(count), "--out", f"{tmp}/out", "--workers", str(workers),
               *sum((["--set", o] for o in overrides), []),
               *(["--scheduler", scheduler] if scheduler else [])]
        cpu, start = sum(resource.getrusage(children)[:2]), time.perf_counter()
        done = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode:  # the progress bar goes to stderr: show its last line, the error
            sys.exit(f"smearsim generate failed: {done.stderr.strip().splitlines()[-1:]}")
        wall, cpu = time.perf_counter() - start, sum(resource.getrusage(children)[:2]) - cpu
    return wall, cpu, resource.getrusage(children).ru_maxrss / 1024


def end_to_end(name: str, args) -> dict[str, float]:
    """Print the end-to-end runs of one preset (:func:`run_cli`); return its CPU ms per image by
    run."""
    figures, first, base = {}, None, None
    overrides = [f"export.formats={args.formats}"] + args.set
    for w in map(int, args.workers.split(",")):
        wall, cpu, rss = run_cli(name, overrides, args.count, w, args.scheduler)
        ms = 1e3 * cpu / args.count
        first, base = first or wall, base or ms
        figures[f"end to end, {args.count} images, {w} worker{'s' if w > 1 else ''}"] = ms
        print(f"{name:8s} {args.count:6d} images  {w} worker(s): {wall:7.2f} s wall  "
              f"{args.count / wall:6.1f} images/s  speed-up {first / wall:4.2f}x  CPU "
              f"{ms:5.1f} ms/image  CPU speed-up {min(w, w * base / ms):4.2f}x  cores used "
              f"{cpu / wall:4.2f}  peak RSS {rss:5.0f} MB", flush=True)
    return figures


def crowded(sides: list[int], args) -> dict[str, tuple[float, int, None]]:
    """Print the CPU seconds of one ``crowded`` image of each side (px) and the exponent of its
    growth with the area; return its CPU ms and area (px) by side."""
    figures, seconds = {}, []
    for side in sides:
        config = load_config("crowded", overrides=[f"optics.frame.width={side}",
                                                   f"optics.frame.height={side}"] + args.set)
        _, cpu, rss = run(config, 1, 1, None)
        seconds.append(cpu)
        figures[f"{side}x{side} image"] = (1e3 * cpu, side * side, None)
        exponent = (math.log(cpu / seconds[-2]) / math.log(side / sides[-2]) / 2
                    if len(seconds) > 1 else None)
        growth = f"  cost ∝ area^{exponent:.2f}" if exponent is not None else ""
        print(f"crowded  {side}x{side}: {cpu:6.2f} s CPU  peak RSS {rss:5.0f} MB{growth}",
              flush=True)
    return figures


def measure(name: str, args) -> dict[str, tuple[float, int, float | None]]:
    """CPU ms per image of every stage (``--stages``) and end-to-end run of preset `name`, each
    with the frame's area (px) and, for the stages, the floor measured interleaved with them."""
    config = load_config(name, overrides=[f"export.formats={args.formats}"] + args.set)
    make_image(config, 0, 0)  # warm caches (texture tiles) outside the timing
    area = config.optics.frame.width * config.optics.frame.height
    figures = {}
    if args.stages:
        floor = Floor()
        times = path_times(config, args.stage_count, floor=floor)
        floor.close()
        times["all stages"] = sum(times.values())
        figures = {stage: (ms, area, floor.ms) for stage, ms in times.items()}
        print(f"{name:8s} floor interleaved with the stages: {floor.ms:.2f} ms CPU/image")
    if args.workers != "none":
        figures |= {run: (ms, area, None) for run, ms in end_to_end(name, args).items()}
    return figures


def table(name: str, figures: dict[str, tuple[float, int, float | None]], floor: float
          ) -> dict[str, float]:
    """Print `figures` (CPU ms per image, frame area px, own floor or None for `floor`) beside
    their multiples of the floor scaled to the frame's area; return the multiples."""
    multiples = {}
    for figure, (ms, area, own) in figures.items():
        multiples[figure] = ms / ((own or floor) * area / AREA)
        print(f"{name:8s} {figure:34s} {ms:9.2f} ms CPU/image {multiples[figure]:7.3f}x floor")
    return multiples


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--presets", default="pbc,field",
                   help=f"comma list (shipped: {', '.join(presets())}; none: only --crowded)")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--workers", default="1,2", help="comma list of worker counts (none: no "
                   "end-to-end run)")
    p.add_argument("--formats", default="yolo")
    p.add_argument("--scheduler", default=None, help="run on Dask: local or tcp://HOST:PORT")
    p.add_argument("--stages", action="store_true", help="also time each stage in-process")
    p.add_argument("--stage-count", type=int, default=50, help="images timed per stage")
    p.add_argument("--crowded", default=None, help="comma list of sides (px) of one crowded "
                   "image each, e.g. 2048,4096")
    p.add_argument("--floor-count", type=int, default=300, help="images of the floor")
    p.add_argument("--check-budget", nargs="?", const=BUDGET, default=None, metavar="TOML",
                   help=f"compare with a budget (default {BUDGET.name}); exit 1 if over")
    p.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    single_threaded()  # as a pool worker: one OpenCV thread, whatever the worker count
    floors = [floor_ms(args.floor_count)]
    ms = {}
    for name in ([] if args.presets == "none" else args.presets.split(",")):
        ms[name] = measure(name, args)
    if args.crowded:
        ms["crowded"] = ms.get("crowded", {}) | crowded([int(s) for s in args.crowded.split(",")],
                                                        args)
    floors.append(floor_ms(args.floor_count))
    floor = float(sum(floors) / 2)
    print(f"floor    {floor:9.2f} ms CPU/image (tests/bench/floor.py, 360x363; "
          f"{floors[0]:.2f} before, {floors[1]:.2f} after; stages: their interleaved floor)")
    multiples = {name: table(name, figures, floor) for name, figures in ms.items()}
    if args.check_budget is not None:
        sys.exit(report(multiples, args.check_budget))


if __name__ == "__main__":
    main()
