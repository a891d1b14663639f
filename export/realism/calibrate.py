"""Fit the simulator to a laboratory's real images and write the result as a preset.

Measured on the real images with the code of :mod:`export.realism.compare` (the segmentation of
:mod:`export.realism.segmentation`), then fitted, in order
(synthetic images are rendered in memory with fixed seeds, so successive trials differ only by
the parameters):

1. Image size: the most common size among the real images; with one subfolder per subject
   class (PBC layout) the images are single-cell ones: one subject cell centred
   (``sim.population.subject``), no further white cells, and ``sim.population.subject_mix``
   takes the folders' image counts.
2. Background colour → ``optics.illumination.background``: the median background colour (a
   channel at 255 is over-exposed: :data:`OVER_EXPOSED`).
3. Pixel size → ``optics.frame.pixel_size``: until synthetic red cells have the real median
   diameter (circle Hough transform, :func:`~export.realism.segmentation.rbc_diameters`); red
   cells are 7.82 µm across (Evans & Fung 1972), so this is the lab's µm per pixel.
4. Colours, in turn: red-cell density ``sim.population.rbc_coverage`` to the real fraction of
   red-cell pixels; the spectral components of ``optics.stains.haemoglobin`` and the depth
   of the central pallor ``sim.cells.rbc.centre_thickness`` to the mean red-cell optical density
   in R, G and B and the 10th percentile of stained pixels' OD (the pale centres); the two
   components of ``optics.stains.chromatin`` and the camera's colour saturation
   ``optics.colour.saturation`` to the R, G, B OD of the nuclei (mean) and of the darkest 1 % of
   pixels (nuclear cores), i.e. to the nuclear hue. The stain OD
   vectors of the real images (Macenko et al., ISBI 2009) are reported. Then density and red
   cells once more.
5. Sharpness and noise → ``optics.psf.defocus``, ``optics.sharpen.amount``,
   ``optics.sensor.photons`` and ``optics.sensor.prnu``, together, to the real median variance
   of the Laplacian and background noise (the full well and gain follow the photon count, so the
   empty slide fills :data:`EXPOSURE_HEADROOM` of the well). Camera software sharpens
   (CellaVision) or not, so the unsharp mask is fitted, not only the focus; and it may correct
   the pixels' gain pattern by a flat field (then the residual PRNU is small), which sets the
   noise floor that more light cannot lower.

6. Spreads → ``optics.variation``: a real set is taken from many slides, so its per-image
   figures spread more than those of images made under one set of conditions. The σ of the log
   of a figure over the real images (robust: 10th to 90th percentile) beyond that of synthetic
   images made with the variation off gives the staining variation of red cells (from their
   OD) and of nuclei, and the white-balance variation (from the background colour), added in
   quadrature; the focus error is found by bisection on the spread of the sharpness. Then the
   photon count and the red-cell coverage are fitted once more to the noise and the red-cell
   area on images made with the variation on (its exposure factor, at most 1, and focus error
   make them noisier than step 5 left them and move what the segmentation counts as red cell).

Each fit of a median is a Levenberg damped least-squares fit of log parameters with
finite-difference Jacobians, on images made with the variation off (so that trials differ only
by the parameters); it stops once the figures are within the sampling error of the medians
(:func:`sampling_error`), so that a preset already right for the lab stays as it is.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from functools import reduce
from pathlib import Path

import numpy as np
from scipy.stats import norm

from export.realism.compare import analyse, image_files
from export.config import Config, dump_config, load_config, with_subject
from export.files import write_atomic
from export.imagefile import read_rgb
from export.job import make_image
from export.realism.segmentation import regions, relative_od
from export.realism.stainvectors import macenko
from sim.classes import STAINS, SUBJECT_CLASSES
from export.errors import OutputFolderError, option
from sim.schema import build, to_dict

EXPOSURE_HEADROOM = 0.9
"""Fraction of the full well the empty slide fills."""

EXPOSURE_KEY = "optics.sensor.photons"
"""The knob whose fitted value also sets the sensor's full well and gain (so the empty slide
fills :data:`EXPOSURE_HEADROOM` of the well); every other knob changes only its own key."""

OVER_EXPOSED = 1.01
"""Background level given to a channel that is at full scale in the real images: its true level
is only known to be at least 1, and 1.01 keeps it clipped under the noise."""

OD_FLOOR = 0.05
"""Optical density added before taking logs in the fit: without it a channel the stain hardly
absorbs (BCCD nuclei absorb OD 0.003 of blue) would outweigh the ones that make its hue."""

STEP = 0.1
"""Finite-difference step of the log parameters."""

SPREAD = {"rbc_od_g": f"optics.variation.stain.{STAINS.index('haemoglobin')}",
          "nuc_od_g": f"optics.variation.stain.{STAINS.index('chromatin')}",
          "bg_r": "optics.variation.white_balance.0", "bg_g": "optics.variation.white_balance.1",
          "bg_b": "optics.variation.white_balance.2"}
"""Per-image figure whose spread (σ of its log) each variation σ adds to one for one (a factor on
a thin stain's density is the same factor on its OD; one on the background colour is that
factor on the background)."""


DAMPING = (0.01, 0.1, 1.0, 10.0)
"""Damping λ tried in turn in each step (relative to the mean diagonal of JᵀJ)."""

MAX_STEP = 1.5
"""Largest change of a log parameter in one Gauss–Newton step (a factor e^1.5 ≈ 4.5); a longer
step is shortened as a whole, so it keeps its direction."""


@dataclass(frozen=True)
class Knob:
    """One fitted scalar: a configuration key, or one element of a tuple-valued key."""

    key: str
    index: int | None
    lo: float
    hi: float


def _get(config: Config, knob: Knob) -> float:
    value = reduce(getattr, knob.key.split("."), config)
    return float(abs(value if knob.index is None else value[knob.index]))


def _set(config: Config, knobs: list[Knob], values: np.ndarray) -> Config:
    data = to_dict(config)
    for knob, v in zip(knobs, values):
        v = np.clip(v, knob.lo, knob.hi)  # a value fitted in log space may round past a bound
        *path, last = knob.key.split(".")
        node = reduce(dict.__getitem__, path, data)
        if knob.index is None:
            node[last] = float(v)
        else:
            node[last][knob.index] = float(v)
    if any(knob.key == EXPOSURE_KEY for knob in knobs):
        # a fitted photon count is an exposure: the camera's full well and gain follow it
        sensor = data["optics"]["sensor"]
        sensor["full_well"] = sensor["photons"] * sensor["quantum_efficiency"] / EXPOSURE_HEADROOM
        sensor["gain"] = (2 ** sensor["adc_bits"] - 1) / sensor["full_well"]
    return build(Config, data)


def _median(stats: list[dict[str, float]]) -> dict[str, float]:
    """Median of each feature over images (NaN where an image lacks it is skipped)."""
    return {k: float(np.nanmedian([s[k] for s in stats])) for k in stats[0]}


def _stratified(config: Config, images: int) -> list[Config]:
    """One configuration per trial image. With a subject cell, the subject classes are dealt to
    the images in proportion to the class mix (largest remainders), as the real set holds them:
    a few trial images drawn at random would each time hold another mix, and the medians would
    move with it more than with the parameters."""
    population = config.sim.population
    weights = population.subject_mix.weights()
    if population.subject != "centre" or weights.sum() <= 0:
        return [config] * images
    share = weights / weights.sum() * images
    counts = np.floor(share).astype(int)
    counts[np.argsort(counts - share)[:images - counts.sum()]] += 1
    return [with_subject(config, c) for c, n in zip(SUBJECT_CLASSES, counts) for _ in range(n)]


def _stats(config: Config, images: int) -> list[dict[str, float]]:
    """Features (:data:`export.realism.compare.FEATURES`) of synthetic trial images 0…images−1
    (:func:`_stratified`)."""
    return [analyse(make_image(c, 0, i).image.rgb).features
            for i, c in enumerate(_stratified(config, images))]


def _features(config: Config, images: int) -> dict[str, float]:
    """Median features (:data:`export.realism.compare.FEATURES`) of synthetic images 0…images−1."""
    return _median(_stats(config, images))


def _sigma(values: np.ndarray, q: float) -> float:
    """σ of a normal spread estimated from the range between the q-th and (100 − q)-th
    percentiles of `values` (1.349 σ for q = 25, 2.563 σ for q = 10)."""
    lo, hi = np.percentile(values, [q, 100 - q])
    return float((hi - lo) / (2 * norm.ppf(1 - q / 100)))


def _log(v: float, key: str) -> float:
    """The log of figure `key` the fit compares (features named log_* are logs already; optical
    densities are offset by :data:`OD_FLOOR` first)."""
    if key.startswith("log_"):
        return v
    return float(np.log(max(v + (OD_FLOOR if "_od_" in key else 0.0), 1e-6)))


def _residual(found: dict[str, float], target: dict[str, float], keys: list[str]) -> np.ndarray:
    """Differences of the log figures (:func:`_log`)."""
    return np.array([_log(found[k], k) - _log(target[k], k) for k in keys])


def sampling_error(real: list[dict[str, float]], images: int) -> dict[str, float]:
    """Standard error, in the fit's log units, of the difference between the median of a figure
    over the `real` images and its median over `images` synthetic ones (each median's error
    1.2533 σ/√n for a normal spread, σ from the real images' interquartile range): a residual
    within it is sampling noise, and fitting it would move the preset at random."""
    out = {}
    for key in real[0]:
        v = np.array([_log(s[key], key) for s in real if np.isfinite(s[key])])
        if len(v) < 5:
            out[key] = 0.0
            continue
        out[key] = float(1.2533 * _sigma(v, 25) * np.sqrt(1 / len(v) + 1 / images))
    return out


def fit(config: Config, knobs: list[Knob], target: dict[str, float], keys: list[str],
        images: int, iterations: int, noise: dict[str, float] | None = None) -> Config:
    """Levenberg's damped least squares on log `knobs` so that the features `keys` reach
    `target`: each step solves (JᵀJ + λ m I) δ = −Jᵀr (m the mean of diag JᵀJ; the knobs are
    all log values, so one λ suits them all) with the smallest λ of :data:`DAMPING` that lowers
    the residual: a knob the figures hardly feel takes a small step, not a huge one that would
    shorten the whole step. With `noise` (:func:`sampling_error` by key) it stops once every
    residual is within its sampling error."""
    keys = [k for k in keys if np.isfinite(target[k])]
    if not keys:
        return config
    x = np.log([max(_get(config, k), k.lo) for k in knobs])
    lo, hi = np.log([k.lo for k in knobs]), np.log([k.hi for k in knobs])

    def residual(v: np.ndarray) -> np.ndarray:
        r = _residual(_features(_set(config, knobs, np.exp(v)), images), target, keys)
        return np.nan_to_num(r, nan=10.0)

    r = residual(x)
    tolerance = np.array([noise.get(k, 0.0) for k in keys]) if noise else np.zeros(len(keys))
    for _ in range(iterations):
        if np.all(np.abs(r) <= tolerance):
            break
        jac = np.stack([(residual(x + STEP * e) - r) / STEP for e in np.eye(len(x))], axis=1)
        normal, grad = jac.T @ jac, jac.T @ r
        scale = np.trace(normal) / len(x) + 1e-12
        for damping in DAMPING:
            dx = np.linalg.solve(normal + damping * scale * np.eye(len(x)), -grad)
            dx *= min(1.0, MAX_STEP / max(np.abs(dx).max(), 1e-12))  # shorten, keep direction
            trial = np.clip(x + dx, lo, hi)
            rt = residual(trial)
            if rt @ rt < r @ r:
                x, r = trial, rt
                break
        else:
            break
    return _set(config, knobs, np.exp(x))


def spread(stats: list[dict[str, float]], key: str) -> float:
    """Robust σ of the log of figure `key` over images, from its 10th–90th percentile range
    (:func:`_sigma`; ``log_*`` figures are logs already; images lacking it are skipped)."""
    v = np.array([s[key] for s in stats], dtype=float)
    v = v[np.isfinite(v) & ((v > 0) | key.startswith("log_"))]
    if len(v) < 5:
        return float("nan")
    return _sigma(v if key.startswith("log_") else np.log(v), 10)


def fit_spreads(config: Config, real: list[dict[str, float]], images: int,
                steps: int = 5) -> Config:
    """``optics.variation`` fitted so that synthetic per-image figures spread as the `real` ones
    do (see the module's step 6); `config` is made with the variation off, `images` synthetic
    images measure each spread. Returns the config with the variation on."""
    base = _stats(config, images)
    data = to_dict(config)
    v = data["optics"]["variation"]
    v["enabled"] = True
    for key, target in SPREAD.items():
        *_, name, index = target.split(".")
        excess = spread(real, key) ** 2 - spread(base, key) ** 2
        v[name][int(index)] = float(np.sqrt(excess)) if np.isfinite(excess) and excess > 0 else 0.0
    goal = spread(real, "log_sharpness")
    lo, hi = 0.0, 1.0  # µm: a focus error beyond a micrometre would blur PBC-like images away
    v["defocus"] = 0.0
    if np.isfinite(goal) and spread(base, "log_sharpness") < goal:
        for _ in range(steps):
            v["defocus"] = (lo + hi) / 2
            found = spread(_stats(build(Config, data), images), "log_sharpness")
            lo, hi = (v["defocus"], hi) if found < goal else (lo, v["defocus"])
        v["defocus"] = (lo + hi) / 2
    return build(Config, data)


def measure_real(folder: Path, limit: int = 120) -> tuple[dict[str, float], dict]:
    """Median features of up to `limit` images of `folder`, and figures for the report (the
    per-image features among them, under ``"features"``)."""
    groups = image_files(folder)
    files = [f for group in groups.values() for f in group]
    files = files[::max(1, len(files) // limit)][:limit]
    images = [read_rgb(f) for f in files]
    features = [analyse(im).features for im in images]
    target = _median(features)
    stained = []
    for im in images:
        od = relative_od(im)
        stained.append(od[~regions(od)["background"]][::7])
    size = Counter((im.shape[1], im.shape[0]) for im in images).most_common(1)[0][0]
    mix = {k: len(v) for k, v in groups.items() if k in SUBJECT_CLASSES}
    return target, {"images": len(images), "size_px": list(size), "class_counts": mix,
                    "features": features,
                    "stain_vectors_macenko": np.round(macenko(np.vstack(stained)), 3).tolist()}


def _fit_pixel_size(config: Config, target: dict[str, float], images: int) -> Config:
    """Pixel size by which synthetic red cells have the target diameter in pixels (to which
    it is inversely proportional), in two fixed-point steps."""
    for _ in range(2):
        found = _features(config, 2 * images)["rbc_diameter_px"]
        if np.isfinite(found) and np.isfinite(target["rbc_diameter_px"]):
            size = config.optics.frame.pixel_size * found / target["rbc_diameter_px"]
            config = _set(config, [Knob("optics.frame.pixel_size", None, 0.01, 2.0)],
                          np.array([np.clip(size, 0.01, 2.0)]))
    return config


def _stain_knobs(config: Config, stain: str) -> list[Knob]:
    n = len(getattr(config.optics.stains, stain))
    return [Knob(f"optics.stains.{stain}", k, 1e-4, 9.0) for k in range(n)]


def calibrate(real: str | Path, base: str = "pbc", images: int = 8,
              iterations: int = 3) -> tuple[Config, dict]:
    """A configuration fitted to the real images in folder `real`, starting from preset `base`.

    Returns the configuration and a report: the lab's figures, and the median features of the
    real images (target) and of synthetic ones before and after fitting.
    """
    target, lab = measure_real(Path(real))
    width, height = lab["size_px"]
    bg = ", ".join(f"{OVER_EXPOSED if target[f'bg_{c}'] >= 254.5 else target[f'bg_{c}'] / 255:.4f}"
                   for c in "rgb")
    size = [f"optics.frame.width={width}", f"optics.frame.height={height}"]
    before = _features(load_config(base, overrides=size), images)
    # medians are fitted under one set of conditions, the spreads last
    overrides = size + [f"optics.illumination.background=[{bg}]",
                        "optics.variation.enabled=false"]
    if lab["class_counts"]:
        # a folder per subject class: single-cell images, each centred on a cell of its
        # folder's class (PBC layout), in the lab's class mix (classes it lacks get none)
        overrides += ["sim.population.subject=centre", "sim.population.white_cells=0"]
        overrides += [f"sim.population.subject_mix.{c}={lab['class_counts'].get(c, 0)}"
                      for c in SUBJECT_CLASSES]
    config = _fit_pixel_size(load_config(base, overrides=overrides), target, images)
    steps = [
        # below a monolayer (coverage 1): beyond it no background is left to measure OD
        # against, the measured red-cell share falls again and the fit can run away to the bound
        ([Knob("sim.population.rbc_coverage", None, 0.05, 1.0)], ["rbc_area"]),
        # all four absorbers of the red cells (a lab's cells may hold more or less haemoglobin
        # for their size, its camera see more or less of the Soret band); the depth of the
        # central pallor sets how faint the faintest stained pixels are
        (_stain_knobs(config, "haemoglobin") +
         [Knob("sim.cells.rbc.centre_thickness", None, 0.02, 3.0)],
         ["rbc_od_r", "rbc_od_g", "rbc_od_b", "od_p10"]),
        # nuclear hue, by the mean over the nuclei and their darkest cores: two components fix
        # red and green, the camera's colour matrix how much blue a purple pixel keeps
        (_stain_knobs(config, "chromatin") + [Knob("optics.colour.saturation", None, 0.2,
                                                       3.0)],
         [f"{region}_od_{c}" for region in ("dark", "nuc") for c in "rgb"]),
    ]
    # the red cells once more: the colour matrix moved their colour and what the segmentation
    # counts as red cell
    noise = sampling_error(lab["features"], images)
    for knobs, keys in steps + steps[:2]:
        config = fit(config, knobs, target, keys, images, iterations, noise)
    config = fit(config, [Knob("optics.psf.defocus", None, 0.005, 5.0),
                          Knob("optics.sharpen.amount", None, 0.01, 5.0),
                          Knob("optics.sensor.photons", None, 100.0, 5e6),
                          Knob("optics.sensor.prnu", None, 1e-4, 0.05)],
                 target, ["log_sharpness", "log_noise"], images, iterations, noise)
    config = fit_spreads(config, lab.pop("features"), 3 * images)
    # the light and the red cells once more, on images made as the preset will make them: the
    # variation's exposure (never above the configured light) and focus error leave them
    # noisier than the fit under one set of conditions did, and move what the segmentation
    # counts as red cell (PBC subset of tests/test_calibrate.py, lab 0.319: red-cell area 0.381
    # or 0.224 without this fit, depending on the white cells' look, 0.334 or 0.284 with it)
    config = fit(config, [Knob("optics.sensor.photons", None, 100.0, 5e6),
                          Knob("sim.population.rbc_coverage", None, 0.05, 1.0)], target,
                 ["log_noise", "rbc_area"], images, iterations, noise)
    return config, {"real": lab, "target": target, "before": before,
                    "after": _features(config, images)}


def check_out(out: Path, overwrite: bool = False) -> None:
    """Refuse an output that is not a .toml path, or that exists (unless `overwrite`)."""
    if out.suffix.lower() != ".toml":
        raise OutputFolderError(f"{option('out')} {str(out)!r} must name a .toml file")
    if out.exists() and not overwrite:
        raise OutputFolderError(f"{option('out')} {str(out)!r} exists; choose a new file or "
                                f"pass {option('overwrite')}")
    if not out.parent.is_dir():
        raise OutputFolderError(f"{option('out')} {str(out)!r}: folder {str(out.parent)!r} does "
                                "not exist")


def write_preset(config: Config, report: dict, out: str | Path) -> Path:
    """Write the fitted configuration as TOML, headed by what was measured."""
    out = Path(out)
    lab = report["real"]
    head = [f"# calibrated by smearsim on {lab['images']} real images",
            f"# Macenko stain OD vectors (R, G, B): {lab['stain_vectors_macenko']}"]
    for key in ("bg_r", "bg_g", "bg_b", "rbc_od_g", "dark_od_g", "rbc_area", "rbc_diameter_px",
                "log_sharpness", "log_noise"):
        head.append(f"# {key}: real {report['target'][key]:.3f}, before "
                    f"{report['before'][key]:.3f}, fitted {report['after'][key]:.3f}")
    write_atomic(out, ("\n".join(head) + "\n" + dump_config(config)).encode())
    return out
