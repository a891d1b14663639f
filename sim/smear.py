"""Smear zones: how densely red cells lie, from the feathered edge to the thick body of a wedge smear.

A wedge smear thins from its body to its feathered edge. Along that axis the red-cell coverage
(red-cell area / field area) rises from a few per cent at the feathered edge (cells round and
isolated) through the monolayer (cells touching, the zone where differential counts and the PBC
images are taken) to well above one in the thick body, where cells overlap, stack and form
rouleaux (Bain, *Blood Cells*, 5th ed., 2015, ch. 1; Houwen, Lab. Hematol. 6:1, 2000).

Here the coverage varies along x across the field as ``c(x) = c₀ exp(g (x − W/2) / W)`` (feathered
edge towards −x for g > 0). One layer of cells holds at most ``monolayer`` coverage; the excess
stacks in further layers, each a monolayer of its own (cells of one layer touch, cells of
different layers overlap). Some stacked cells line up as rouleaux: short rows of cells each lying
partly over the one before, like a fallen stack of coins.
"""

from __future__ import annotations

import numpy as np

ROULEAU_STEP = (0.3, 0.5)
"""Centre spacing of neighbouring cells in a rouleau, in red-cell diameters (range drawn from):
the overlapping-coin look of rouleaux in thick smear areas (Bain 2015, fig. 3.12)."""

ROULEAU_WOBBLE = 0.15
"""Random turn between successive cells of a rouleau, rad."""


def coverage(c0: float, gradient: float, x: np.ndarray, width: float) -> np.ndarray:
    """Local red-cell coverage at positions `x` (µm) of a field `width` µm wide."""
    return c0 * np.exp(gradient * (np.asarray(x) - width / 2) / width)


def mean_coverage(c0: float, gradient: float, lo: float, hi: float, width: float) -> float:
    """Mean of :func:`coverage` over ``lo ≤ x ≤ hi`` (µm)."""
    if abs(gradient) < 1e-9:
        return c0
    a, b = gradient * (lo - width / 2) / width, gradient * (hi - width / 2) / width
    return c0 * (np.exp(b) - np.exp(a)) / (b - a)


def draw_x(n: int, gradient: float, lo: float, hi: float, width: float,
           rng: np.random.Generator) -> np.ndarray:
    """`n` positions in ``[lo, hi]`` (µm) with density proportional to :func:`coverage`
    (inverse of its cumulative distribution)."""
    u = rng.random(n)
    if abs(gradient) < 1e-9:
        return lo + u * (hi - lo)
    a, b = gradient * (lo - width / 2) / width, gradient * (hi - width / 2) / width
    return width / 2 + width / gradient * np.log(np.exp(a) + u * (np.exp(b) - np.exp(a)))


def layers(local: np.ndarray, monolayer: float, rng: np.random.Generator) -> np.ndarray:
    """Stacking layer of cells at local coverage `local`: each layer takes up to `monolayer`
    coverage, so a cell where the coverage is c lies in layer ``floor(u · c / monolayer)``
    (u uniform) once c exceeds one layer, else in layer 0."""
    share = np.maximum(np.asarray(local) / monolayer, 1.0)
    return np.floor(rng.random(share.shape) * share).astype(int)


def rouleau(start: np.ndarray, count: int, diameter: float, rng: np.random.Generator
            ) -> np.ndarray:
    """Centres (µm, (count, 2)) of a rouleau of `count` cells starting at `start`."""
    heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0.0, ROULEAU_WOBBLE, count))
    step = diameter * rng.uniform(*ROULEAU_STEP, count)
    step[0] = 0.0
    offs = np.cumsum(step[:, None] * np.stack([np.cos(heading), np.sin(heading)], 1), axis=0)
    return start + offs
