"""What both packing passes share: the walled pymunk space, collision layers, contact reach.

Nodes of one cell never collide with each other (one pymunk group per cell); cells collide only
with cells of their own stacking layer (one collision category per layer), so stacked cells
overlap freely while cells of one layer touch; a rouleau's cells share a group. A cell's contact
reach is how far its contact shapes extend: its rigid disc (:func:`hull`) or, for a ring, its
farthest node plus the node circle, the ring lying :func:`ring_offset` inside the outline.

Time is counted in steps of 1 (Chipmunk's time unit is one step): only the settled state matters.
"""

from __future__ import annotations

import numpy as np

from sim.chipmunk import Filter, Space
from sim.classes import RIGID_CLASSES
from sim.config import Packing
from sim.population import Draft
from sim.softbody import NODE_OVERLAP

SLOP = 0.01
"""Contact overlap Chipmunk leaves unresolved, µm (its default, 0.1 units, would be 0.1 µm)."""

TOUCH = 0.1
"""Growth of the contact reach, as a fraction of its radius, within which a neighbour or wall
makes a cell deformable in pass 2 (cells move little in pass 2: a few per cent of a radius)."""

WALL = 10.0
"""Half-thickness of the walls, µm: their inner faces bound the populated box; thick, so that
nothing pushed hard in one step can tunnel through."""

ALL = 0xFFFFFFFF
"""Every collision category (pymunk's ``ShapeFilter.ALL_CATEGORIES()``)."""


def walled_space(width: float, height: float, margin: float, damping: float, size: float,
                 count: int) -> Space:
    """An empty space walled around the field and its margin, indexed by a spatial hash for
    `count` shapes of diameter about `size` µm (Chipmunk's advice; much faster than its
    default tree for many equal shapes). Close it (or use it in a ``with`` block) to free it."""
    space = Space(damping, SLOP, size, max(2 * count, 64))
    x0, y0, x1, y1 = -margin - WALL, -margin - WALL, width + margin + WALL, height + margin + WALL
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    for a, b in zip(corners, corners[1:] + corners[:1]):
        space.segment(a, b, WALL, (0, ALL, ALL))
    return space


def layer_filter(layer: int, group: int = 0) -> Filter:
    """Collide only with shapes of the same `layer`, never with those of the same `group`."""
    return (group, 1 << layer, 1 << layer)


def groups(drafts: list[Draft]) -> np.ndarray:
    """Collision group of every cell: its own, or its rouleau's (cells of one rouleau overlap)."""
    n = len(drafts)
    return np.array([n + s.rouleau if s.rouleau else i + 1 for i, s in enumerate(drafts)], dtype=int)


def hull(draft: Draft, cfg: Packing) -> float:
    """Radius of a cell's rigid contact disc, µm: its largest outline radius less the overlap
    allowance (``overlap`` × its mean radius), so that its whole drawn outline keeps the
    allowance."""
    return float(draft.radii.max()) - cfg.overlap * draft.radius


def ring_offset(radius: np.ndarray, nodes: int | np.ndarray, overlap: float) -> np.ndarray:
    """Distance δ (µm) from the node ring out to the outline of cells of mean radius `radius`
    whose rings have `nodes` nodes (per cell, or one count for all).

    The node circle radius is r = NODE_OVERLAP · s for node spacing s = 2π (R − δ) / N. A
    neighbour touching the node circles can still sink into the valley between two of them, by
    at most ``r (1 − √(1 − (s/2r)²))`` (a vanishing circle: the worst case, e.g. a small
    platelet), and the outline, interpolated in angle between nodes, bulges out of a flat face
    by up to ``(R − δ)(2π/N)²/8``. The outline lies beyond the node circles by ``overlap · R``
    less both worst cases, so two touching cells overlap by at most ``overlap`` × the sum of
    their radii.
    """
    step = 2 * np.pi / nodes
    a = NODE_OVERLAP * step
    sink = NODE_OVERLAP * (1 - np.sqrt(1 - 0.25 / NODE_OVERLAP ** 2)) * step
    b = sink + step ** 2 / 8
    return radius * (a - b + overlap) / (1.0 + a - b)


def feature(drafts: list[Draft], name: str, default: float) -> np.ndarray:
    """Packing feature `name` of every cell (:class:`sim.rare.Features`: ``spreading``,
    ``stiffness``, ``ring_nodes``), `default` for cells without features, shape (n,)."""
    return np.array([default if s.features is None else getattr(s.features, name)
                     for s in drafts], dtype=float)


def spreading(drafts: list[Draft]) -> np.ndarray:
    """How much smaller than drawn every cell lands, a fraction of its radius, shape (n,): its
    class's ``spreading``; 0 for pinned cells, which keep their drawn outline."""
    return np.where([s.pinned for s in drafts], 0.0, feature(drafts, "spreading", 0.0))


def ring_nodes(drafts: list[Draft], cfg: Packing) -> np.ndarray:
    """Nodes in every cell's ring, shape (n,): its class's own ``ring_nodes`` (a pathological
    cell's, when not 0) or ``cfg.ring_nodes``."""
    own = feature(drafts, "ring_nodes", 0.0).astype(int)
    return np.where(own > 0, own, cfg.ring_nodes)


def contacts(drafts: list[Draft], cfg: Packing) -> np.ndarray:
    """Radius of the disc each cell's contact shapes reach, µm, shape (n,): its rigid disc
    (platelets and the rigid red-cell kinds, :data:`sim.classes.RIGID_CLASSES`, :func:`hull`),
    or its farthest ring node plus the node circle (the ring's outline lies less far beyond its
    node circles than the allowance, see :func:`ring_offset`, so this is a little larger)."""
    radius = np.array([s.radius for s in drafts], dtype=float)
    far = np.array([s.radii.max() for s in drafts], dtype=float)
    rigid = far - cfg.overlap * radius
    nodes = ring_nodes(drafts, cfg)
    delta = ring_offset(radius, nodes, cfg.overlap)
    node = NODE_OVERLAP * 2 * np.pi * (radius - delta) / nodes
    keep = np.array([s.kind in RIGID_CLASSES for s in drafts], dtype=bool)
    return np.where(keep, rigid, np.maximum(far - delta + node, rigid))


def overlapping(centre: np.ndarray, r: np.ndarray, layer: np.ndarray, group: np.ndarray
                ) -> tuple[np.ndarray, ...]:
    """Pairs (a, b), a < b, in lexicographic order, of cells of one layer, not of one group,
    whose discs of radius `r` overlap, and the depth of their overlap, µm.

    The candidates are the pairs at most 2 max(`r`) apart in x (a sweep over the cells sorted
    by x; numpy, without a KD-tree, whose import cost each process 0.24 s), a superset of the
    overlapping ones.
    """
    n = len(centre)
    if n < 2:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    order = np.argsort(centre[:, 0], kind="stable")
    x = centre[order, 0]
    later = np.searchsorted(x, x + 2 * r.max(), side="right") - np.arange(1, n + 1)
    first = np.repeat(np.arange(n), later)
    second = first + 1 + np.arange(len(first)) - np.repeat(np.cumsum(later) - later, later)
    a, b = np.minimum(order[first], order[second]), np.maximum(order[first], order[second])
    depth = r[a] + r[b] - np.hypot(*(centre[a] - centre[b]).T)
    hit = (layer[a] == layer[b]) & (group[a] != group[b]) & (depth > 0)
    sort = np.lexsort((b[hit], a[hit]))
    return a[hit][sort], b[hit][sort], depth[hit][sort]


def touching(drafts: list[Draft], cfg: Packing, centre: np.ndarray, width: float, height: float,
             margin: float) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Which cells may deform: those whose contact reach, grown by ``TOUCH`` of its radius, meets
    that of a cell of its layer or a wall after the disc pass. The others lie free and keep
    their drawn outline, so they ride through pass 2 as rigid discs (a large saving at the
    feathered edge). Also the pairs (a, b) of cells whose grown reaches meet
    (:func:`overlapping`)."""
    r = contacts(drafts, cfg) * (1.0 + TOUCH)
    out = ((centre - r[:, None] < -margin) | (centre + r[:, None] > np.array([width, height]) + margin)
           ).any(axis=1)
    a, b, _ = overlapping(centre, r, np.array([s.layer for s in drafts]), groups(drafts))
    out[a] = out[b] = True
    return out, (a, b)
