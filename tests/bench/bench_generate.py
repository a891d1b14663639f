"""Benchmark: images per second of ``smearsim generate`` (prints figures; not a timed test).

Usage::

    python tests/bench/bench_generate.py --preset pbc --count 200 --workers 1
"""

from __future__ import annotations

import argparse
import tempfile
import time

import numpy as np

from export import generate, load_config, make_image
from optics import illumination, isp, psf, sensor, stain
from optics.raster import rasterize
from sim import simulate


def stage_times(config, count: int) -> dict[str, float]:
    """Mean milliseconds per image of each stage, measured in this process."""
    times = dict.fromkeys(["physics+morphology", "raster", "stain", "illumination", "psf",
                           "sensor", "isp"], 0.0)
    cfg, frame = config.optics, config.optics.frame
    for i in range(count):
        rng = np.random.default_rng(i)
        t0 = time.perf_counter()
        scene = simulate(config.sim, frame.width * frame.pixel_size,
                         frame.height * frame.pixel_size, rng)
        t1 = time.perf_counter()
        raster = rasterize(scene, frame)
        t2 = time.perf_counter()
        light = stain.transmittance(raster.density, cfg)
        t3 = time.perf_counter()
        light = illumination.illuminate(light, cfg, rng)
        t4 = time.perf_counter()
        light = psf.blur(light, cfg)
        t5 = time.perf_counter()
        raw = sensor.capture(sensor.mosaic(light) if cfg.bayer.enabled else light,
                             illumination.electrons_per_unit(cfg), cfg.sensor, rng)
        t6 = time.perf_counter()
        isp.process(raw, cfg)
        t7 = time.perf_counter()
        for key, dt in zip(times, np.diff([t0, t1, t2, t3, t4, t5, t6, t7])):
            times[key] += dt * 1e3 / count
    return times


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--preset", default="pbc")
    p.add_argument("--count", type=int, default=200)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--set", action="append", default=[])
    args = p.parse_args()
    config = load_config(args.preset, overrides=args.set)
    make_image(config, 0, 0)  # warm caches (texture tiles) outside the timing
    for name, ms in stage_times(config, min(args.count, 50)).items():
        print(f"{name:20s} {ms:7.2f} ms/image")
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        generate(config, args.count, tmp, seed=0, workers=args.workers)
        wall = time.perf_counter() - start
    print(f"{args.preset}: {args.count} images, {args.workers} worker(s): {wall:.2f} s wall, "
          f"{args.count / wall:.1f} images/s")


if __name__ == "__main__":
    main()
