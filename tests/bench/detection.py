"""Detection transfer (issue 15): a detector trained on smearsim fields against one trained on
as many real fields, both tested on the same held-out real fields.

Splits the real folder (sorted names, shuffled with `--seed`) into `--real-train` training fields
and `--test` held-out ones, generates `--synthetic` fields of `--preset` (or takes `--dataset`),
then trains YOLOv8n from scratch on each (``export.realism.detection``) and prints mAP50 and
mAP50-95 per class for both, with the CPU seconds each took. The synthetic model never sees a
real image; the real-trained one is the diagnostic reference (same detector, same settings).

Usage (from the project root)::

    nice .venv/bin/python tests/bench/detection.py --real ../shared/reference/txl_pbc_fields \\
        --synthetic 180 --real-train 180 --test 100 --epochs 20 --imgsz 320 \\
        --batch 8 --work /tmp/det

Needs the ``detect`` extra. A torchvision wheel built for another torch (its compiled ops fail
to load: ``operator torchvision::nms does not exist``) is made importable here, and only here,
by :func:`shim_torchvision`.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
from pathlib import Path

import numpy as np

from export import generate, load_config
from export.realism import detection

_SHIM = []  # keeps the torch.library registration alive


def shim_torchvision() -> None:
    """Make a torchvision whose compiled ops cannot be loaded importable: declare its two NMS
    operators (its import registers shape functions for them) and let ``torchvision.ops.nms``,
    which Ultralytics' validator calls, be Ultralytics' own pure-torch ``TorchNMS.nms``.
    No-op when torchvision imports."""
    try:
        import torchvision  # noqa: F401
        return
    except RuntimeError:
        for m in [k for k in sys.modules if k.startswith("torchvision")]:
            del sys.modules[m]
    import torch
    from ultralytics.utils.nms import TorchNMS
    lib = torch.library.Library("torchvision", "DEF")
    for op in ("nms", "qnms"):
        lib.define(f"{op}(Tensor dets, Tensor scores, float iou_threshold) -> Tensor")
    _SHIM.append(lib)
    import torchvision
    torchvision.ops.nms = TorchNMS.nms


def cpu_seconds() -> float:
    """CPU time of this process and its finished children, s."""
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def real_split(folder: Path, train: int, test: int, seed: int):
    """`train` and `test` disjoint (image, label) pairs of the real `folder`, drawn at random."""
    pairs = detection.labelled_images(folder)
    if train + test > len(pairs):
        sys.exit(f"--real-train {train} + --test {test} exceeds the {len(pairs)} real fields")
    order = np.random.default_rng(seed).permutation(len(pairs))
    return [pairs[i] for i in order[test:test + train]], [pairs[i] for i in order[:test]]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--real", required=True, type=Path)
    p.add_argument("--work", required=True, type=Path, help="new folder for datasets and runs")
    p.add_argument("--preset", default="pbc")
    p.add_argument("--dataset", type=Path, default=None,
                   help="train on this smearsim dataset instead of generating one")
    p.add_argument("--synthetic", type=int, default=180, help="synthetic fields to generate")
    p.add_argument("--real-train", type=int, default=180, help="real fields for the reference "
                   "(0: no reference run; its figures depend only on the real folder, --test "
                   "and the training settings)")
    p.add_argument("--test", type=int, default=100, help="held-out real fields")
    for name in ("epochs", "imgsz", "batch", "seed"):
        p.add_argument(f"--{name}", type=int, default=getattr(detection.Training, name))
    a = p.parse_args()
    shim_torchvision()
    training = detection.Training(a.epochs, a.imgsz, a.batch, a.seed)
    real_train, test = real_split(a.real, a.real_train, a.test, a.seed)
    t = cpu_seconds()
    dataset = a.dataset or a.work / "synthetic_set"
    if a.dataset is None:
        generate(load_config(a.preset), a.synthetic, dataset, seed=a.seed, workers=1)
    print(f"synthetic set: {dataset} ({cpu_seconds() - t:.0f} s CPU)", flush=True)
    runs = {"synthetic": detection.labelled_images(dataset), "real": real_train}
    if not real_train:
        del runs["real"]
    reports = {}
    for name, pairs in runs.items():
        t = cpu_seconds()
        reports[name] = detection.transfer(pairs, test, a.work, training, name=name,
                                           train_mapping=detection.TO_REAL if name == "synthetic"
                                           else detection.REAL_IDENTITY)
        reports[name]["cpu_s"] = round(cpu_seconds() - t, 1)
        print(f"\ntrained on {len(pairs)} {name} fields, tested on {len(test)} held-out real "
              f"fields ({reports[name]['cpu_s']:.0f} s CPU)\n{detection.table(reports[name])}",
              flush=True)
    (a.work / "detection.json").write_text(json.dumps(reports, indent=1) + "\n")


if __name__ == "__main__":
    main()
