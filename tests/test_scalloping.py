"""Reactive lymphocytes scalloped by their red neighbours (issue 11): the cell lands smaller,
spreads round the red cells already lying there, and its soft, finely noded ring yields to
them, so its outline sinks below its convex hull where red cells touch it; a lymphocyte's stays
convex. Measured on the packing's settled outlines (before the ruffling of the margin, which
dents a lymphocyte's outline at random), over seeds, at the field preset's red-cell coverage."""

import numpy as np
import pytest
from scipy.spatial import ConvexHull

from export import load_config
from sim import packing, population
from sim.classes import RED_CLASSES

WIDTH, HEIGHT = 48.0, 36.0
"""The field preset's frame, µm (640 × 480 px at 0.075 µm/px)."""

TOUCH = 0.3
"""Outline points within this distance of a red cell's outline touch it, µm."""

SLACK = 0.05
"""Interpenetration tolerated beyond the packing's allowance, µm (as tests/test_softbody.py)."""


def _field(kind: str, seed: int):
    """A field-preset field whose further white cells are all of class `kind`, settled: its
    configuration, drafts and settled poses and outlines."""
    mix = [f"sim.population.white_mix.{k}={float(k == kind)}"
           for k in ("neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte", kind)]
    cfg = load_config("field", overrides=[*mix, "sim.population.white_cells=0.4"]).sim
    drafts, _ = population.draw(cfg, WIDTH, HEIGHT, np.random.default_rng(seed))
    settled = packing.settle(drafts, cfg.packing, WIDTH, HEIGHT, cfg.population.margin,
                             cfg.population.layers)
    return cfg, settled


def _points(settled, i: int) -> np.ndarray:
    """Outline of settled cell `i` in the field frame, µm, (K, 2), counter-clockwise."""
    r = settled.radii[i]
    theta = np.linspace(0.0, 2 * np.pi, r.size, endpoint=False) + settled.angle[i]
    return settled.centre[i] + r[:, None] * np.stack([np.cos(theta), np.sin(theta)], axis=1)


def hull_depth(p: np.ndarray) -> np.ndarray:
    """Distance of every point of a star-shaped outline `p` (K, 2) inside its convex hull, µm:
    0 on the hull, the depth of a dent (a concave stretch) elsewhere."""
    v = np.sort(ConvexHull(p).vertices)
    at = np.searchsorted(v, np.arange(len(p)), side="right") - 1
    a, b = p[v[at % len(v)]], p[v[(at + 1) % len(v)]]
    edge = (b - a) / np.linalg.norm(b - a, axis=1, keepdims=True)
    d = p - a
    return np.abs(edge[:, 0] * d[:, 1] - edge[:, 1] * d[:, 0])


def _inside(p: np.ndarray, settled, j: int) -> np.ndarray:
    """Signed distance of points `p` (K, 2) outside settled cell `j`'s outline along its radius,
    µm (negative: inside)."""
    q = p - settled.centre[j]
    theta = (np.arctan2(q[:, 1], q[:, 0]) - settled.angle[j]) % (2 * np.pi)
    r = settled.radii[j]
    grid = np.linspace(0.0, 2 * np.pi, r.size, endpoint=False)
    return np.hypot(q[:, 0], q[:, 1]) - np.interp(theta, grid, r, period=2 * np.pi)


def dents(kind: str, seeds) -> tuple[list[float], list[float]]:
    """Over fields of `seeds`: for every cell of class `kind` touching a red cell, the deepest
    dent of its outline where red cells touch it (µm); and for every such red neighbour, how
    far the two outlines overlap beyond the packing's allowance (µm)."""
    depth, excess = [], []
    for seed in seeds:
        cfg, s = _field(kind, seed)
        for i, d in enumerate(s.drafts):
            if d.kind != kind or not s.kept[i]:
                continue
            p, touch = _points(s, i), np.zeros(s.radii[i].size, dtype=bool)
            for j, e in enumerate(s.drafts):
                if (e.kind in RED_CLASSES and e.layer == d.layer and s.kept[j]
                        and np.hypot(*(s.centre[j] - s.centre[i]))
                        < s.radii[i].max() + s.radii[j].max()):
                    gap = _inside(p, s, j)
                    touch |= gap < TOUCH
                    allowed = cfg.packing.overlap * (s.radii[i].mean() + s.radii[j].mean())
                    excess.append(float(-gap.min() - allowed))
            if touch.any():
                depth.append(float(hull_depth(p)[touch].max()))
    return depth, excess


def test_hull_depth_is_zero_on_a_convex_outline_and_the_dent_of_a_concave_one():
    theta = np.linspace(0.0, 2 * np.pi, 64, endpoint=False)
    disc = np.stack([np.cos(theta), np.sin(theta)], axis=1) * 5.0
    assert hull_depth(disc).max() < 1e-9
    dented = disc.copy()
    dented[10] *= 4.0 / 5.0  # pulled 1 µm in: below the chord between its neighbours by
    depth = hull_depth(dented)  # 5 cos(2π / 64) − 4
    assert depth[10] == pytest.approx(5.0 * np.cos(2 * np.pi / 64) - 4.0)
    assert np.delete(depth, 10).max() < 1e-9


def test_reactive_lymphocytes_are_scalloped_by_red_cells_and_lymphocytes_are_not():
    seeds = range(24)
    reactive, excess = dents("reactive_lymphocyte", seeds)
    normal, _ = dents("lymphocyte", seeds)
    assert len(reactive) >= 20 and len(normal) >= 20
    assert np.median(reactive) > 0.25 and np.median(normal) < 0.05
    assert np.median(reactive) > 5 * np.median(normal)
    assert np.mean(np.array(reactive) > 0.15) > 0.6
    assert max(excess) <= SLACK
