"""A small convolutional network trained from scratch on whole single-cell images (PyTorch, CPU).

The learner of :mod:`export.realism.transfer` that sees pixels rather than figures. Every image,
real or synthetic, goes through one pipeline: the whole frame (PBC: 360 × 363 px) is resized to
96 × 96 px (:func:`export.realism.transfer.thumbnail`), scaled to [0, 1] and standardised by the
training set's per-channel mean and spread. The network has four blocks of 3 × 3 convolution,
batch normalisation, ReLU and 2 × 2 max pooling (:data:`WIDTHS` channels), global average
pooling, dropout and one linear layer. Training: AdamW (I. Loshchilov, F. Hutter, "Decoupled
weight decay regularization", ICLR 2019) with a cosine learning-rate decay, cross-entropy
weighted by inverse class frequency, each batch augmented by a random element of the dihedral
group (flips and quarter turns: a cell on a slide has no up or left).

Seeded: weights and dropout from ``torch.manual_seed(seed)``, batch order and augmentation from
``numpy.random.default_rng(seed)``.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, TextIO

import numpy as np
import torch
from torch import nn

from export.progress import Progress

WIDTHS = (16, 32, 64, 128)
"""Output channels of the four convolution blocks."""

BATCH = 32
"""Images per training batch."""

LEARNING_RATE = 2e-3
"""Initial AdamW learning rate."""

WEIGHT_DECAY = 1e-4
"""AdamW decoupled weight decay."""

DROPOUT = 0.3
"""Dropout probability before the linear layer."""

THREADS = 1
"""PyTorch threads while training and predicting: results then do not depend on the machine's
core count (float sums are ordered by thread), and on a shared 2-core machine one thread trains
in less than half the CPU time of two (16 s against 37 s per 1,600 images)."""


@contextmanager
def _threads(n: int) -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


class SmallCNN(nn.Module):
    """Four convolution blocks, global average pooling, dropout, a linear classifier.

    The input standardisation (per-channel `mean` and `sd` of the training images, on the [0, 1]
    scale) is part of the model, so a test image goes through the same arithmetic.
    """

    def __init__(self, classes: int, mean: np.ndarray, sd: np.ndarray) -> None:
        super().__init__()
        layers, inp = [], 3
        for width in WIDTHS:
            layers += [nn.Conv2d(inp, width, 3, padding=1, bias=False), nn.BatchNorm2d(width),
                       nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            inp = width
        self.features = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(DROPOUT),
                                  nn.Linear(inp, classes))
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32).view(1, 3, 1, 1))
        self.register_buffer("sd", torch.tensor(sd, dtype=torch.float32).view(1, 3, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits of a float batch (N, 3, H, W) on the [0, 1] scale."""
        return self.head(self.features((x - self.mean) / self.sd))


def _tensor(thumbs: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.ascontiguousarray(thumbs.transpose(0, 3, 1, 2))).float() / 255.0


def dihedral(x: torch.Tensor, codes: np.ndarray) -> torch.Tensor:
    """Each image ``x[i]`` (N, C, H, W with H = W) turned by ``codes[i] % 4`` quarter turns,
    after a left-right flip when ``codes[i] >= 4``."""
    out = x.clone()
    for code in np.unique(codes):
        sel = torch.from_numpy(np.flatnonzero(codes == code))
        part = x[sel].flip(-1) if code >= 4 else x[sel]
        out[sel] = torch.rot90(part, int(code) % 4, (-2, -1))
    return out


def train(thumbs: np.ndarray, labels: np.ndarray, classes: int, epochs: int, seed: int,
          stream: TextIO | None = None) -> tuple[SmallCNN, list[float]]:
    """Train a :class:`SmallCNN` on `thumbs` (N, H, W, 3 uint8) with integer `labels`.

    Returns the trained model (in evaluation mode) and the mean training loss of every epoch.
    A progress bar (:class:`export.progress.Progress`, images seen) goes to `stream`.
    """
    with _threads(THREADS):
        return _train(thumbs, labels, classes, epochs, seed, stream)


def _train(thumbs: np.ndarray, labels: np.ndarray, classes: int, epochs: int, seed: int,
           stream: TextIO | None) -> tuple[SmallCNN, list[float]]:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    x = _tensor(thumbs)
    model = SmallCNN(classes, x.mean(dim=(0, 2, 3)).numpy(), x.std(dim=(0, 2, 3)).numpy() + 1e-6)
    counts = np.bincount(labels, minlength=classes).astype(np.float64)
    weight = np.where(counts > 0, len(labels) / (classes * np.maximum(counts, 1)), 0.0)
    loss_fn = nn.CrossEntropyLoss(weight=torch.tensor(weight, dtype=torch.float32))
    opt = torch.optim.AdamW(model.parameters(), lr=LEARNING_RATE, weight_decay=WEIGHT_DECAY)
    steps = epochs * -(-len(labels) // BATCH)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    y = torch.from_numpy(labels.astype(np.int64))
    progress = Progress(epochs * len(labels), stream=stream)
    losses = []
    model.train()
    for _ in range(epochs):
        total = 0.0
        order = rng.permutation(len(labels))
        for start in range(0, len(order), BATCH):
            idx = torch.from_numpy(order[start:start + BATCH])
            xb = dihedral(x[idx], rng.integers(0, 8, len(idx)))
            loss = loss_fn(model(xb), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
            total += loss.item() * len(idx)
            progress.update(len(idx))
        losses.append(total / len(labels))
    progress.close()
    return model.eval(), losses


@torch.no_grad()
def predict(model: SmallCNN, thumbs: np.ndarray, batch: int = 256) -> np.ndarray:
    """Predicted class index of every image of `thumbs`."""
    x = _tensor(thumbs)
    with _threads(THREADS):
        return np.concatenate([model(x[i:i + batch]).argmax(dim=1).numpy()
                               for i in range(0, len(x), batch)])
