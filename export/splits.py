"""Train / val / test splits: each image drawn into one by its own random stream."""

from __future__ import annotations

import numpy as np

SPLITS = ("train", "val", "test")
"""Split names, in the order of the ``export.split`` shares."""


def draw(shares: tuple[float, ...], rng: np.random.Generator) -> str:
    """One split name, drawn with probabilities proportional to `shares` (train, val, test)."""
    edges = np.cumsum(shares) / np.sum(shares)
    return SPLITS[min(int(np.searchsorted(edges, rng.random(), side="right")), len(SPLITS) - 1)]


def used(shares: tuple[float, ...]) -> tuple[str, ...]:
    """Splits a dataset lays out folders for: train and val always (Ultralytics needs both),
    test when its share is above zero."""
    return tuple(s for s, w in zip(SPLITS, shares) if w > 0 or s != "test")
