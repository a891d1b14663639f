"""Detection transfer: train a detector on smearsim fields, measure it on real labelled fields.

A YOLOv8n detector (Ultralytics; Jocher et al. 2023, https://github.com/ultralytics/ultralytics)
is trained from scratch on CPU — architecture from ``yolov8n.yaml``, no pretrained weights, no
download — on a smearsim dataset whose labels are mapped onto the real set's classes, then
evaluated on a real folder in YOLO layout (``DIR/images/…jpg`` with ``DIR/labels/….txt``
beside, same relative path): mAP50 and mAP50-95 per class, as Ultralytics' validator computes
them (COCO-style 101-point interpolated AP; IoU thresholds 0.50:0.05:0.95).

Nothing is written into either input folder: each is seen through a *view* in a work folder —
symbolic links to its images and a derived copy of its labels with the class ids mapped —
because Ultralytics writes a ``labels.cache`` file beside every labels folder it reads.

Needs the optional ``detect`` extra (``pip install 'smearsim[detect]'``: ultralytics, torch).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

from sim.classes import CLASS_ID, RED_CLASSES, WHITE_CLASSES
from export.errors import InputError, OutputFolderError
from sim.schema import ConfigError, option

REAL_CLASSES: tuple[str, ...] = ("WBC", "RBC", "Platelets")
"""Class names of the real set by label id: TXL-PBC's (lugan113/TXL-PBC_Dataset, 2024), which
BCCD's three classes also match."""

TO_REAL: dict[int, int] = {**{CLASS_ID[c]: 0 for c in WHITE_CLASSES},
                           CLASS_ID["platelet"]: 2, **{CLASS_ID[c]: 1 for c in RED_CLASSES}}
"""smearsim label id → :data:`REAL_CLASSES` id: every nucleated cell (the white-cell classes,
normal and pathological, and the erythroblast) is a WBC, as TXL-PBC's annotators box it;
platelet → Platelets; every red cell → RBC."""

REAL_IDENTITY: dict[int, int] = {i: i for i in range(len(REAL_CLASSES))}
"""The real set's ids kept as they are (its labels are checked against them)."""

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff")
"""Image files a view takes (the formats Ultralytics reads)."""


@dataclass(frozen=True)
class Training:
    """How the detector is trained and evaluated (Ultralytics ``train`` / ``val`` arguments).

    The defaults fit a few hundred 360×363 fields on two CPU cores: from scratch a detector
    needs optimiser steps: trained on 180 ``pbc`` fields, 10 epochs at batch 16 (120 steps,
    imgsz 352) left YOLOv8n at mAP50 0.01 on real TXL-PBC fields, 20 epochs at batch 8 (460
    steps, imgsz 320) reached 0.47 (issue 15).

    Attributes
    ----------
    epochs
        Passes over the training images.
    imgsz
        Square network input side, px (a multiple of 32, the network's stride); images are
        letterboxed to it.
    batch
        Images per optimiser step.
    seed
        Seed of Ultralytics' generators (weights, augmentation, sampling); deterministic mode on.
    workers
        Data-loading processes (0: in the calling process).
    """

    epochs: int = 20
    imgsz: int = 320
    batch: int = 8
    seed: int = 0
    workers: int = 0

    def check(self) -> None:
        """Raise :class:`ConfigError` naming the first value out of its allowed range."""
        limits = {"epochs": (1, 1000), "imgsz": (32, 2048), "batch": (1, 512),
                  "seed": (0, 2**31 - 1), "workers": (0, 64)}
        for name, (lo, hi) in limits.items():
            value = getattr(self, name)
            if not lo <= value <= hi:
                raise ConfigError(f"{option(name)} {value} is out of range; "
                                  f"allowed: {lo} <= value <= {hi}")
        if self.imgsz % 32:
            raise ConfigError(f"{option('imgsz')} {self.imgsz} must be a multiple of 32 "
                              f"(the network's stride)")


def map_labels(text: str, mapping: dict[int, int], source: str = "labels") -> str:
    """A YOLO label file with each line's class id replaced by ``mapping[id]``.

    Coordinates are kept as written; blank lines are dropped. An id missing from `mapping`
    raises :class:`InputError` naming `source` (the file) and the ids allowed.
    """
    out = []
    for line in text.splitlines():
        head, _, rest = line.strip().partition(" ")
        if not head:
            continue
        if not head.isdigit() or int(head) not in mapping:
            raise InputError(f"{source}: class id {head!r} is not one of {sorted(mapping)}")
        out.append(f"{mapping[int(head)]} {rest}")
    return "".join(line + "\n" for line in out)


def labelled_images(folder: str | Path) -> list[tuple[Path, Path]]:
    """Every image under ``folder/images`` with the label file at the same relative path under
    ``folder/labels`` (``.txt``; a missing one means no object), sorted by path."""
    folder = Path(folder)
    images = sorted(p for p in (folder / "images").rglob("*")
                    if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not images:
        raise InputError(f"{str(folder)!r} holds no images/ folder with images; expected YOLO "
                          f"layout DIR/images/NAME.jpg with DIR/labels/NAME.txt")
    rel = [p.relative_to(folder / "images") for p in images]
    return [(p, (folder / "labels" / r).with_suffix(".txt")) for p, r in zip(images, rel)]


def write_view(pairs: list[tuple[Path, Path]], mapping: dict[int, int], into: Path) -> Path:
    """A YOLO folder `into` seeing `pairs` (image, label file): ``images/`` links to the images,
    ``labels/`` their labels with class ids mapped by `mapping`; returns ``into/images``.

    Images keep their path relative to their own ``images`` folder, so splits do not collide.
    Every label is mapped (and checked) before anything is written.
    """
    files = []
    for image, label in pairs:
        rel = image.relative_to(next(p for p in image.parents if p.name == "images"))
        text = label.read_text() if label.exists() else ""
        files.append((image, rel, map_labels(text, mapping, str(label))))
    for image, rel, text in files:
        link, txt = into / "images" / rel, (into / "labels" / rel).with_suffix(".txt")
        link.parent.mkdir(parents=True, exist_ok=True)
        txt.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(image.resolve())
        txt.write_text(text)
    return into / "images"


def write_data_yaml(path: Path, train: Path, val: Path, names: tuple[str, ...]) -> Path:
    """An Ultralytics ``data.yaml`` at `path` naming image folders `train`, `val` (absolute)."""
    lines = [f"train: {train.resolve()}", f"val: {val.resolve()}", f"nc: {len(names)}", "names:"]
    lines += [f"  {i}: {n}" for i, n in enumerate(names)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(line + "\n" for line in lines))
    return path


def _yolo():
    """Ultralytics' ``YOLO`` class, offline; a clear :class:`ConfigError` when it is missing."""
    os.environ.setdefault("YOLO_OFFLINE", "1")  # no hub checks, no downloads
    try:
        from ultralytics import YOLO
    except ImportError:
        raise ConfigError("detection needs the detect extra: pip install 'smearsim[detect]' "
                          "(ultralytics, torch)") from None
    try:
        import torchvision  # noqa: F401  (Ultralytics' validator imports it)
    except (ImportError, RuntimeError) as e:
        import torch
        raise ConfigError(f"torchvision cannot be loaded ({str(e).splitlines()[-1]}): install "
                          f"the torchvision build that matches torch {torch.__version__}") from None
    return YOLO


def train(data_yaml: str | Path, work: str | Path, training: Training = Training(),
          name: str = "train") -> Path:
    """Train YOLOv8n from scratch on CPU on the dataset `data_yaml` describes; return the
    weights of the last epoch (``work/name/weights/last.pt``).

    Ultralytics validates after the last epoch on the ``val:`` images of `data_yaml`; no plots.
    """
    model = _yolo()("yolov8n.yaml")
    model.train(data=str(data_yaml), epochs=training.epochs, imgsz=training.imgsz,
                batch=training.batch, seed=training.seed, workers=training.workers,
                device="cpu", pretrained=False, amp=False, plots=False, val=False,
                project=str(Path(work).resolve()), name=name, exist_ok=True, verbose=False)
    return Path(model.trainer.last)


def evaluate(weights: str | Path, data_yaml: str | Path, work: str | Path,
             training: Training = Training(), name: str = "val") -> dict:
    """mAP50 and mAP50-95 of the detector `weights` on the ``val:`` images of `data_yaml`.

    Returns ``{"classes": {name: {"instances", "map50", "map50_95"}}, "all": {…}}``;
    a class without instances in those images has None figures and is not in ``all`` (the mean
    over the classes present, as Ultralytics reports it).
    """
    metrics = _yolo()(str(weights)).val(
        data=str(data_yaml), split="val", imgsz=training.imgsz, batch=training.batch,
        workers=training.workers, device="cpu", plots=False, verbose=False,
        project=str(Path(work).resolve()), name=name, exist_ok=True)
    box, counts = metrics.box, metrics.nt_per_class
    classes = {n: {"instances": int(counts[i]), "map50": None, "map50_95": None}
               for i, n in metrics.names.items()}
    for k, c in enumerate(box.ap_class_index):
        classes[metrics.names[int(c)]].update(map50=float(box.ap50[k]), map50_95=float(box.ap[k]))
    return {"classes": classes,
            "all": {"instances": int(counts.sum()), "map50": float(box.map50),
                    "map50_95": float(box.map)}}


def transfer(train_pairs: list[tuple[Path, Path]], test_pairs: list[tuple[Path, Path]],
             work: str | Path, training: Training = Training(),
             train_mapping: dict[int, int] = TO_REAL, name: str = "synthetic") -> dict:
    """Train on `train_pairs` (labels mapped by `train_mapping` onto :data:`REAL_CLASSES`), test
    on `test_pairs` (real labels, ids of :data:`REAL_CLASSES`); the report of :func:`evaluate`
    with the training settings and image counts.

    Views and Ultralytics runs go to ``work/name``; the trainer's closing validation uses the
    training images, so the detector never sees a test image before it is tested.
    """
    training.check()
    _yolo()  # a missing extra is reported before anything is written
    work = Path(work) / name
    train_images = write_view(train_pairs, train_mapping, work / "train")
    test_images = write_view(test_pairs, REAL_IDENTITY, work / "test")
    fit = write_data_yaml(work / "train.yaml", train_images, train_images, REAL_CLASSES)
    test = write_data_yaml(work / "test.yaml", train_images, test_images, REAL_CLASSES)
    weights = train(fit, work / "runs", training)
    report = evaluate(weights, test, work / "runs", training)
    return {"trained_on": len(train_pairs), "tested_on": len(test_pairs),
            "training": asdict(training), **report}


def table(report: dict) -> str:
    """The report as a text table: instances, mAP50 and mAP50-95 per class and for all."""
    rows = [("class", "instances", "mAP50", "mAP50-95")]
    for cls, r in [*report["classes"].items(), ("all", report["all"])]:
        rows.append((cls, str(r["instances"]), *("-" if r[k] is None else f"{r[k]:.3f}"
                                                 for k in ("map50", "map50_95"))))
    return "".join(f"{a:<10s}{b:>10s}{c:>8s}{d:>10s}\n" for a, b, c, d in rows)


def add_arguments(p) -> None:
    """The options of ``smearsim detect`` on the argparse parser `p`."""
    p.add_argument("--synthetic", required=True, metavar="DIR",
                   help="smearsim dataset to train on (every split; labels mapped to "
                   "WBC, RBC, Platelets)")
    p.add_argument("--real", required=True, metavar="DIR",
                   help="real fields to test on: DIR/images/*.jpg, DIR/labels/*.txt "
                   "(0 WBC, 1 RBC, 2 Platelets), e.g. ../shared/reference/txl_pbc_fields")
    p.add_argument("--work", default=None, metavar="DIR",
                   help="new or empty folder kept for views, weights and report.json "
                   "(default: a temporary one, removed)")
    for name, text in [("epochs", "training epochs"), ("imgsz", "input side, px, a multiple of 32"),
                       ("batch", "batch size"), ("seed", "training seed")]:
        default = getattr(Training, name)
        p.add_argument(f"--{name}", type=int, default=default, help=f"{text} (default {default})")


def run(args) -> str:
    """``smearsim detect``: train on ``args.synthetic``, test on ``args.real``; the table."""
    training = Training(args.epochs, args.imgsz, args.batch, args.seed)
    training.check()
    train_pairs, test_pairs = labelled_images(args.synthetic), labelled_images(args.real)
    if args.work is None:
        with tempfile.TemporaryDirectory(prefix="smearsim-detect-") as work:
            return table(transfer(train_pairs, test_pairs, work, training))
    work = Path(args.work)
    if work.exists() and (not work.is_dir() or any(work.iterdir())):
        raise OutputFolderError(f"{option('work')} {str(work)!r} must be a new or empty folder")
    report = transfer(train_pairs, test_pairs, work, training)
    (work / "report.json").write_text(json.dumps(report, indent=1) + "\n")
    return table(report) + f"wrote {work / 'report.json'}\n"
