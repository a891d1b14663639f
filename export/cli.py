"""The ``smearsim`` command line.

Every mistake in the input — unknown preset, key or value out of range, unreadable config or
image, an output folder that already holds a dataset — ends with one line on stderr and exit
code 2, before anything is written (the kinds of error: :mod:`export.errors`). A write that
fails part-way (full disk) or a lost worker ends with one line and exit code 1; Ctrl-C and
SIGTERM with one line and 130 / 143. Every file written is complete, and ``generate --resume``
finishes the run.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

from export.realism import detection
from export.config import dump_config, load_config, presets
from export.errors import OutputError, SmearsimError
from export.fetch import SOURCES, fetch
from export.files import json_bytes
from export.parallel import single_threaded, tune_memory
from export.realism.gallery import write_gallery
from export.job import generate
from export.preview import contact_sheet
from optics import effects
from sim.schema import ConfigError

RESUME_HINT = "files written so far are complete: finish with the same command and --resume"
"""What a failed or stopped ``generate`` tells its user."""


class Stopped(Exception):
    """The process was asked to stop by a signal (SIGTERM; SIGINT arrives as KeyboardInterrupt)."""


def _stop(signum: int, frame) -> None:
    raise Stopped(signum)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line instead of usage + message
        self.exit(2, f"{self.prog}: error: {message}\n")


def _size(text: str) -> list[str]:
    m = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
    if not m:
        raise ConfigError(f"--size {text!r} must be WIDTHxHEIGHT in pixels, e.g. 640x480")
    return [f"optics.frame.width={m[1]}", f"optics.frame.height={m[2]}"]


def _split(text: str) -> list[str]:
    parts = text.split(",")
    try:
        shares = [float(v) for v in parts]
    except ValueError:
        shares = []
    if len(shares) != 3:
        raise ConfigError(f"--split {text!r} must be three shares TRAIN,VAL,TEST, e.g. 0.8,0.1,0.1")
    return [f"export.split=[{', '.join(map(repr, shares))}]"]


def _generate_overrides(args: argparse.Namespace) -> list[str]:
    """``generate`` options that are shorthands for config values."""
    out = _split(args.split) if args.split else []
    if args.formats is not None:
        out.append(f"export.formats={args.formats!r}".replace("'", '"'))
    return out


def _balanced(preset: str | None, file: str | None, overrides: list[str]) -> list[str]:
    """``--balanced``: every class the subject mix draws (a weight > 0 after the preset, the
    config file and the overrides) at weight 1."""
    mix = load_config(preset, file, overrides).sim.population.subject_mix
    return [f"sim.population.subject_mix.{c}=1.0" for c in mix.options() if getattr(mix, c) > 0]


def _add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--preset", default=None, help="preset name (default: pbc unless --config is given)")
    p.add_argument("--config", default=None, metavar="FILE", help="TOML file laid over the preset")
    p.add_argument("--size", default=None, metavar="WxH", help="image size in pixels, e.g. 640x480")
    p.add_argument("--set", action="append", default=[], metavar="KEY.PATH=VALUE",
                   help="override one value, e.g. sim.population.rbc_coverage=0.5 (repeatable)")
    p.add_argument("--ablate", default=None, metavar="EFFECT,...",
                   help=f"switch these optical effects off ({', '.join(effects.EFFECTS)})")
    p.add_argument("--only", default=None, metavar="EFFECT,...",
                   help="switch these optical effects on and every other one off")
    p.add_argument("--variation", default=None, metavar="LEVEL",
                   help="spread of stain, pH, white balance and focus from image to image: "
                   "'lab' (one laboratory, the default), 'wide' (towards the spread between "
                   "laboratories and cameras) or a number (optics.variation.level)")


def _names(text: str | None) -> list[str] | None:
    return None if text is None else [n.strip() for n in text.split(",") if n.strip()]


def _ablation(args: argparse.Namespace) -> list[str]:
    """Overrides switching off the effects named by --ablate / --only."""
    ablate, only = _names(getattr(args, "ablate", None)) or [], _names(getattr(args, "only", None))
    if not ablate and only is None:
        return []
    try:
        return [f"optics.{o}" for o in effects.overrides(ablate, only)]
    except ValueError as e:
        raise ConfigError(f"--ablate/--only: {e}") from None


VARIATION_LEVELS = {
    "lab": ["optics.variation.level=1.0"],
    "wide": ["optics.variation.level=3.0", "optics.variation.camera=[0.1, 0.06, 0.03]"]}
"""Named levels of ``--variation``: one laboratory's spread (the configured σ), or three times
it with camera-to-camera background colours whose ±2σ reach BCCD's from PBC's
(``optics.variation.level`` and ``camera``)."""


def _variation(text: str | None) -> list[str]:
    """``--variation`` as overrides of ``optics.variation`` (a number is its ``level``, whose
    range the config checks)."""
    if text is None:
        return []
    named = VARIATION_LEVELS.get(text.strip().lower())
    if named is not None:
        return named
    try:
        return [f"optics.variation.level={float(text)!r}"]
    except ValueError:
        raise ConfigError(f"--variation {text!r} is not a level; allowed: "
                          f"{', '.join(VARIATION_LEVELS)} or a number from 0 to 10") from None


def _resolve(args: argparse.Namespace):
    preset = args.preset or (None if args.config else "pbc")
    overrides = ((_size(args.size) if args.size else []) + args.set + _ablation(args)
                 + _variation(args.variation))
    if args.command == "generate":
        overrides = _generate_overrides(args) + overrides
        if args.balanced:
            overrides = _balanced(preset, args.config, overrides) + overrides
    return load_config(preset, args.config, overrides)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="smearsim", description="Synthetic stained blood-smear images with "
                     "exact labels, simulated from physics and optics.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    g = sub.add_parser("generate", help="write a labelled dataset")
    _add_config_args(g)
    g.add_argument("--count", type=int, required=True, help="number of images")
    g.add_argument("--out", required=True, metavar="DIR", help="output folder")
    g.add_argument("--seed", type=int, default=0, help="job seed (default 0)")
    g.add_argument("--workers", type=int, default=None, help="worker processes (default: all cores)")
    g.add_argument("--overwrite", action="store_true",
                   help="replace a dataset already in --out (only the files smearsim writes)")
    g.add_argument("--keep-stages", action="store_true",
                   help="also write each image's optical stages to stages/SPLIT/NNNNNN.npz")
    g.add_argument("--formats", default=None, metavar="LIST",
                   help="annotation formats, comma-separated: yolo (default), yolo-seg, coco, "
                   "masks, crops; per-image metadata is always written (export.formats)")
    g.add_argument("--split", default=None, metavar="TRAIN,VAL,TEST",
                   help="shares of the splits, e.g. 0.8,0.1,0.1 (export.split)")
    g.add_argument("--balanced", action="store_true",
                   help="draw the subject cell's class with equal weights: every class the "
                   "preset's mix draws (pbc: the PBC dataset's eight; sim.population.subject_mix)")
    g.add_argument("--resume", action="store_true",
                   help="finish an interrupted run in --out (give the same arguments)")
    g.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on Dask distributed: tcp://HOST:PORT, or 'local' for a "
                   "LocalCluster of --workers processes (needs smearsim[dask])")
    v = sub.add_parser("preview", help="draw a contact sheet of a dataset with its labels")
    v.add_argument("dir", metavar="DIR", help="dataset folder")
    v.add_argument("--out", required=True, metavar="PNG", help="sheet to write")
    v.add_argument("--count", type=int, default=16, help="images on the sheet (default 16)")
    v.add_argument("--columns", type=int, default=4, help="images per row (default 4)")
    gal = sub.add_parser("gallery", help="render every class with several seeds, beside real images")
    _add_config_args(gal)
    gal.add_argument("--out", required=True, metavar="FILE.png", help="PNG file to write")
    gal.add_argument("--seeds", type=int, default=5, help="synthetic images per class (default 5)")
    gal.add_argument("--reference", default=None, metavar="DIR",
                     help="real images in DIR/<class>/*.jpg, shown beside (e.g. ../shared/reference/pbc)")
    _add_compare(sub)
    detection.add_arguments(sub.add_parser(
        "detect", help="train a detector on a smearsim dataset, test it on real labelled fields"))
    cal = sub.add_parser("calibrate", help="fit a preset to a folder of real images")
    cal.add_argument("--real", required=True, metavar="DIR", help="real images (flat or per class)")
    cal.add_argument("--out", required=True, metavar="FILE.toml", help="preset file to write")
    cal.add_argument("--base-preset", default="pbc", help="preset to start from (default pbc)")
    cal.add_argument("--images", type=int, default=8,
                     help="synthetic images per trial (default 8; more: slower, steadier)")
    cal.add_argument("--overwrite", action="store_true", help="replace an existing --out file")
    sub.add_parser("presets", help="list the shipped presets")
    c = sub.add_parser("config", help="print the resolved configuration as TOML")
    _add_config_args(c)
    _add_fetch(sub)
    return parser


def _add_compare(sub) -> None:
    cmp = sub.add_parser("compare", help="distance between real and synthetic image folders")
    cmp.add_argument("--real", required=True, metavar="DIR", help="real images (flat or per class)")
    cmp.add_argument("--synthetic", required=True, metavar="DIR",
                     help="synthetic images, e.g. a dataset's images/ or crops/ folder")
    cmp.add_argument("--out", default=None, metavar="DIR", help="write report.json and report.png")
    cmp.add_argument("--transfer", default=None, choices=("features", "cnn", "both", "none"),
                     help="with class subfolders on both sides: train on synthetic, test on real "
                     "with these learners (default features; cnn needs smearsim[cnn])")
    cmp.add_argument("--epochs", type=int, default=20, help="CNN training epochs (default 20)")
    cmp.add_argument("--seed", type=int, default=0, help="seed of the learners (default 0)")


def _add_fetch(sub) -> None:
    f = sub.add_parser("fetch", help="download a public reference set (real images) into a cache")
    f.add_argument("name", choices=sorted(SOURCES), help="; ".join(
        f"{k}: {v.about}" for k, v in sorted(SOURCES.items())))
    f.add_argument("--cache", default=None, metavar="DIR",
                   help="cache folder (default $SMEARSIM_CACHE or ~/.cache/smearsim)")
    f.add_argument("--url", default=None, help="download from this mirror instead")
    f.add_argument("--sha256", default=None, metavar="HEX", help="expected SHA-256 of the archive")


def _run(args: argparse.Namespace) -> None:
    """Carry out the parsed command. The modules of ``compare`` and ``calibrate`` are imported
    when those commands run: they import SciPy (0.3 s of CPU), which ``generate`` and its
    spawned workers (each imports this module as its main) have no use for."""
    if args.command == "presets":
        for name, text in presets().items():
            print(f"{name:10s} {text}")
    elif args.command == "config":
        sys.stdout.write(dump_config(_resolve(args)))
    elif args.command == "preview":
        print(contact_sheet(args.dir, args.out, args.count, args.columns))
    elif args.command == "compare":
        from export.realism.compare import compare
        from export.realism.transfer import summary as transfer_summary
        report = compare(args.real, args.synthetic, args.out, args.seed, args.transfer,
                         args.epochs, sys.stderr)
        summary = {k: report["overall"][k] for k in ("images", "classifier_auc",
                                                     "sharpness_rel_diff", "noise_rel_diff")}
        if "transfer" in report:
            summary["transfer_balanced_accuracy"] = transfer_summary(report["transfer"])
        print(json_bytes(summary, indent=None).decode())
    elif args.command == "calibrate":
        from export.realism.calibrate import calibrate, check_out, write_preset
        out = Path(args.out)
        check_out(out, args.overwrite)
        if not 2 <= args.images <= 200:
            raise ConfigError(f"--images {args.images} is out of range; allowed: 2 <= value <= 200")
        config, report = calibrate(args.real, args.base_preset, args.images)
        print(f"wrote {write_preset(config, report, out)}")
    elif args.command == "gallery":
        print(f"wrote {write_gallery(_resolve(args), args.out, args.seeds, args.reference)}")
    elif args.command == "fetch":
        print(fetch(args.name, args.cache, args.url, args.sha256))
    elif args.command == "detect":
        sys.stdout.write(detection.run(args))
    else:
        # this process is smearsim's own: set it up as a worker is, on one core, so that
        # --workers counts the cores a job takes (one worker's OpenCV threads took 1.25 cores)
        tune_memory()
        single_threaded()
        summary = generate(_resolve(args), args.count, args.out, args.seed, args.workers,
                           args.overwrite, args.keep_stages, args.resume,
                           args.scheduler, sys.stderr)
        print(summary)


def _fail(command: str, message: str, resumable: bool) -> None:
    hint = f"; {RESUME_HINT}" if resumable and command == "generate" else ""
    print(f"smearsim: error: {message}{hint}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as e:  # --help, or a usage error already printed as one line
        return int(e.code or 0)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        _run(args)
    except (KeyboardInterrupt, Stopped) as e:
        signum = e.args[0] if isinstance(e, Stopped) else signal.SIGINT
        _fail(args.command, f"stopped by {signal.Signals(signum).name}", True)
        return 128 + signum
    except OutputError as e:
        _fail(args.command, e.cli(), True)
        return 1
    except SmearsimError as e:
        resumable = getattr(e, "resumable", False)
        _fail(args.command, e.cli(), resumable)
        return 1 if resumable else 2
    except Exception as e:  # a bug: one line, the traceback on request
        if os.environ.get("SMEARSIM_TRACEBACK"):
            raise
        first = str(e).splitlines()[0] if str(e) else ""
        _fail(args.command, f"internal error {type(e).__name__}: {first} (please report it; "
              "SMEARSIM_TRACEBACK=1 shows the traceback)", True)
        return 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
