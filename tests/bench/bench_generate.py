"""Benchmark: images per second of ``smearsim generate`` (prints figures; not a timed test).

Usage::

    python tests/bench/bench_generate.py --presets pbc,field --workers 1,2 --count 200
    python tests/bench/bench_generate.py --presets pbc --workers 2 --count 1000   # the 20 s target
    python tests/bench/bench_generate.py --stages --presets pbc --count 50        # where time goes

Each run writes a full dataset (``--formats``, default ``yolo``; metadata always) to a temporary
folder. CPU time counts this process and the pool's (start-up included; Dask workers are not
counted); "cores used" is CPU time over wall time — on a machine shared with other jobs it shows
how much of the cores a run actually got, so speed-ups can be read against it. Peak memory of a worker is the largest resident set of any pool process (Linux
``ru_maxrss`` of the children); with one worker the images are made in this process.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time

import numpy as np

from export import generate, load_config, make_image, presets
from export.parallel import tune_memory
from optics import illumination, isp, psf, sensor, stain
from optics.raster import rasterize
from sim import simulate


def stage_times(config, count: int) -> dict[str, float]:
    """Mean CPU milliseconds per image of each stage, measured in this process (set up as a pool
    worker is: :func:`export.parallel.tune_memory`)."""
    tune_memory()
    times = dict.fromkeys(["physics+morphology", "raster", "stain", "illumination", "psf",
                           "sensor", "isp"], 0.0)
    cfg, frame = config.optics, config.optics.frame
    for i in range(count):
        rng = np.random.default_rng(i)
        t0 = time.process_time()
        scene = simulate(config.sim, frame.width * frame.pixel_size,
                         frame.height * frame.pixel_size, rng)
        t1 = time.process_time()
        raster = rasterize(scene, frame)
        t2 = time.process_time()
        light = stain.transmittance(raster.density, cfg)
        t3 = time.process_time()
        light = illumination.illuminate(light, cfg, rng, out=light)
        t4 = time.process_time()
        light = psf.blur(light, cfg)
        t5 = time.process_time()
        raw = sensor.capture(sensor.mosaic(light) if cfg.bayer.enabled else light,
                             illumination.electrons_per_unit(cfg), cfg.sensor, rng)
        t6 = time.process_time()
        isp.process(raw, cfg)
        t7 = time.process_time()
        for key, dt in zip(times, np.diff([t0, t1, t2, t3, t4, t5, t6, t7])):
            times[key] += dt * 1e3 / count
    return times


def _cpu() -> float:
    """CPU seconds of this process and of its finished children."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                  resource.getrusage(resource.RUSAGE_CHILDREN)))


def run(config, count: int, workers: int, scheduler: str | None) -> tuple[float, float, float]:
    """Wall seconds of one job, its CPU seconds (this process and the pool's, start-up
    included), and the peak resident MB of any worker process so far."""
    with tempfile.TemporaryDirectory() as tmp:
        cpu, start = _cpu(), time.perf_counter()
        generate(config, count, tmp, seed=0, workers=workers, scheduler=scheduler)
        wall, cpu = time.perf_counter() - start, _cpu() - cpu
    who = resource.RUSAGE_SELF if workers == 1 and scheduler is None else resource.RUSAGE_CHILDREN
    return wall, cpu, resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--presets", default="pbc,field",
                   help=f"comma list (shipped: {', '.join(presets())})")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--workers", default="1,2", help="comma list of worker counts")
    p.add_argument("--formats", default="yolo")
    p.add_argument("--scheduler", default=None, help="run on Dask: local or tcp://HOST:PORT")
    p.add_argument("--stages", action="store_true", help="also time each stage in-process")
    p.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    for name in args.presets.split(","):
        config = load_config(name, overrides=[f"export.formats={args.formats}"] + args.set)
        make_image(config, 0, 0)  # warm caches (texture tiles) outside the timing
        if args.stages:
            for stage, ms in stage_times(config, min(args.count, 50)).items():
                print(f"{name:8s} {stage:20s} {ms:7.2f} ms CPU/image")
        first = None
        for w in map(int, args.workers.split(",")):
            wall, cpu, rss = run(config, args.count, w, args.scheduler)
            first = first or wall
            print(f"{name:8s} {args.count:6d} images  {w} worker(s): {wall:7.2f} s wall  "
                  f"{args.count / wall:6.1f} images/s  speed-up {first / wall:4.2f}x  "
                  f"CPU {1e3 * cpu / args.count:5.1f} ms/image  cores used {cpu / wall:4.2f}  "
                  f"peak worker RSS {rss:5.0f} MB",
                  flush=True)


if __name__ == "__main__":
    main()
