"""Pass 2 of the packing: pressed cells become soft rings of nodes and settle, tile by tile.

Every red and white cell that touches a neighbour or a wall becomes a ring of nodes (unit-mass
Chipmunk bodies with a contact circle each, :mod:`sim.chipmunk`) held together by the springs,
bending and area term of :mod:`sim.softbody`, whose forces are computed for all rings at once
with numpy and handed to Chipmunk in one batch; Chipmunk resolves the contacts. A pressed cell
flattens against its neighbour and keeps its area. Platelets, and cells touching nothing, stay rigid
discs with their drawn outline. A pathological class may settle its own way
(:class:`sim.rare.Features`): a softer ring with more nodes, landing smaller and spreading round
its neighbours (the reactive lymphocyte, scalloped by red cells); rings of each node count are
computed together. The pass works through tiles of the field, holding the cells
around each tile fixed, so its cost grows linearly with the area.

The outline is the node ring pushed out by the node circle radius plus the overlap allowance
(less the worst case of the ring's discreteness, :func:`sim.contact.ring_offset`), so two
touching cells of a layer overlap by at most ``overlap`` × the sum of their radii.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from sim.classes import RED_CLASSES, RIGID_CLASSES
from sim.config import Packing
from sim.chipmunk import Space
from sim.contact import (TOUCH, contacts, feature, groups, hull, layer_filter, ring_nodes,
                         ring_offset, spreading, touching, walled_space)
from sim.population import Draft
from sim.softbody import NODE_OVERLAP, Rings, resample, signed_area

RELAX_TILE = 60.0
"""Side of the tiles the ring pass works through, µm (a PBC field is one tile)."""

BROKEN = 0.25
"""Relative change of a ring's node-polygon area beyond which the ring counts as broken (and is
replaced by its rest shape): settled rings change by a few per cent; only a ring with neither
stretch nor bending stiffness, crushed in a jam, goes further."""


@dataclass
class Settled:
    """Settled pose and outline of every cell, in the order of the drafts.

    Attributes
    ----------
    centre
        Area centroid, µm, (n, 2).
    angle
        Cell-frame angle, rad, (n,).
    radii
        Outline radii at uniform angles of the cell frame, µm, one array per cell.
    failed
        Rings that broke (NaN, inverted, escaped) and were replaced by their rest shape.
    kept
        Cells kept; the others found no room in any layer (see :func:`sim.packing.jammed`) and
        are left out.
    drafts
        The drafts as they settled (:func:`sim.packing.settle`): those lifted onto a higher
        layer are new drafts with their new `layer` and `stack` (:func:`sim.packing.lift`); None
        from :func:`settle_placed`, which lifts none.
    """

    centre: np.ndarray
    angle: np.ndarray
    radii: list[np.ndarray]
    failed: int
    kept: np.ndarray | None = None
    drafts: list[Draft] | None = None

    def __post_init__(self) -> None:
        if self.kept is None:
            self.kept = np.ones(len(self.centre), dtype=bool)


def detail(radii: np.ndarray, nodes: int) -> np.ndarray:
    """The part of outlines (radii at uniform angles, µm, shape (..., K)) finer than a ring of
    `nodes` nodes resolves: their Fourier modes above ``nodes // 2`` (spicules of crenated
    cells). The ring settles the smooth rest and the detail rides on it unchanged. Exactly zero
    for an outline with no detail above 1 pm (the FFT's round-off would otherwise change how
    smooth cells settle)."""
    f = np.fft.rfft(radii)
    f[..., :nodes // 2 + 1] = 0.0
    d = np.fft.irfft(f, radii.shape[-1])
    d[np.abs(d).max(axis=-1) <= 1e-6] = 0.0
    return d


def _rest_rings(drafts: list[Draft], centres: np.ndarray, nodes: int, overlap: float):
    """Rest node positions (C, N, 2) of the given cells at `centres`, their node angles (N,),
    ring offsets δ (C,), node circle radii (C,) and outline detail (:func:`detail`, (C, K))."""
    theta = np.linspace(0.0, 2 * np.pi, nodes, endpoint=False)
    radius = np.array([s.radius for s in drafts])
    delta = ring_offset(radius, nodes, overlap)
    node_r = NODE_OVERLAP * 2 * np.pi * (radius - delta) / nodes
    k = drafts[0].radii.size
    grid = np.linspace(0.0, 2 * np.pi, k, endpoint=False)
    fine = detail(np.stack([s.radii for s in drafts]), nodes)
    rho = np.stack([np.interp(theta, grid, s.radii - d, period=2 * np.pi)
                    for s, d in zip(drafts, fine)])
    rho -= delta[:, None]
    ang = theta[None] + np.array([s.angle for s in drafts])[:, None]
    p = centres[:, None] + (rho * np.stack([np.cos(ang), np.sin(ang)], 0)).transpose(1, 2, 0)
    return p, theta, delta, node_r, fine


@dataclass
class RingGroup:
    """The rings of one node count (:func:`sim.contact.ring_nodes`), at rest and at the start.

    Attributes
    ----------
    members
        Their indices in the ring pass's `ring` (its slots), (G,).
    nodes
        Node count of each ring.
    rings
        Their mechanics (:class:`sim.softbody.Rings`).
    rest, start
        Rest and starting node positions, µm, (G, N, 2): a spreading cell
        (:attr:`sim.rare.Features.spreading`) starts shrunk about its centre and spreads to its
        rest size against its neighbours.
    theta, delta, node_r, fine
        Node angles (N,), ring offsets (G,), node circle radii (G,), outline detail (G, K), as
        :func:`_rest_rings` gives them.
    """

    members: np.ndarray
    nodes: int
    rings: Rings
    rest: np.ndarray
    start: np.ndarray
    theta: np.ndarray
    delta: np.ndarray
    node_r: np.ndarray
    fine: np.ndarray

    @classmethod
    def build(cls, drafts: list[Draft], cfg: Packing, centre: np.ndarray, ring: np.ndarray,
              members: np.ndarray, nodes: int) -> "RingGroup":
        """The group of rings `ring[members]` (cells of `drafts` at `centre`, µm, (n, 2)) of
        `nodes` nodes: red cells as stiff as ``cfg.rbc_*``, white cells ``cfg.wbc_*`` times
        their class's ``stiffness``."""
        cells = ring[members]
        rs = [drafts[i] for i in cells]
        p0, theta, delta, node_r, fine = _rest_rings(rs, centre[cells], nodes, cfg.overlap)
        red = np.array([s.kind in RED_CLASSES for s in rs])
        give = feature(rs, "stiffness", 1.0)
        rings = Rings.at_rest(p0, np.where(red, cfg.rbc_stretch, cfg.wbc_stretch * give),
                              np.where(red, cfg.rbc_bending, cfg.wbc_bending * give),
                              cfg.pressure)
        start, spread = p0.copy(), spreading(rs)
        grow = spread > 0
        c = centre[cells[grow]][:, None]
        start[grow] = c + (p0[grow] - c) * (1.0 - spread[grow])[:, None, None]
        return cls(members, nodes, rings, p0, start, theta, delta, node_r, fine)


UNTANGLE = 0.75
"""How far, in node circle radii, a ring's node circles may start beyond the radical line of its
cell and a neighbour's (:func:`clear_starts`): two rings whose node circles overlap by 1.5 radii
are pushed apart, by 2 (node centres meeting on the line) they can interlock (two 4.8 × 3.3 µm
ovals pressed tip to tip did)."""


def clear_starts(drafts: list[Draft], centre: np.ndarray, ring: np.ndarray,
                 parts: list["RingGroup"], pairs: tuple[np.ndarray, np.ndarray]) -> None:
    """Pull back, towards their cell's centre, the starting nodes of every ring (`parts`, their
    cells `ring` of `drafts` at `centre`, µm) whose node circles reach more than
    :data:`UNTANGLE` of their radius beyond the radical line of their cell and a touching
    neighbour (`pairs` of cell indices, :func:`sim.contact.touching`; the line of the discs of
    their mean radii); updates each group's `start`. A pinned cell keeps its drawn outline.

    The disc pass keeps neighbouring discs apart but does not orient the outlines within them:
    two ovals pointing at each other can start with nodes inside each other's ring, where
    contacts push them on through, and the rings interlock (a crowded field: two red cells
    3.4 µm deep where 0.56 is allowed). Measured before this clip over the touching pairs of
    100 ``pbc``, 10 ``field`` and 5 ``crowded`` fields, node circles reach 0.1 (median) and
    0.7 (99th percentile) of their radius beyond the line; that interlocked pair's 1.03 and 1.15.
    """
    radius = np.array([s.radius for s in drafts])
    pinned = np.array([s.pinned for s in drafts], dtype=bool)
    p, q = np.concatenate(pairs), np.concatenate(pairs[::-1])
    for g in parts:
        row = np.full(len(drafts), -1)
        row[ring[g.members]] = np.arange(len(g.members))
        mine = (row[p] >= 0) & ~pinned[p]
        pp, qq = p[mine], q[mine]
        d = centre[qq] - centre[pp]
        far = np.hypot(*d.T)
        line = (far ** 2 + radius[pp] ** 2 - radius[qq] ** 2) / (2 * far)
        limit = (line - (1.0 - UNTANGLE) * g.node_r[row[pp]])[:, None]
        out = g.start[row[pp]] - centre[pp][:, None]
        s = np.einsum("mnk,mk->mn", out, d / far[:, None])
        scale = np.ones(g.start.shape[:2])
        pull = (s > limit) & (limit > 0)
        np.minimum.at(scale, row[pp], np.where(pull, limit / np.where(pull, s, 1.0), 1.0))
        c = centre[ring[g.members]][:, None]
        g.start = c + (g.start - c) * scale[..., None]


@dataclass
class RingPass:
    """The state of the ring pass over one field, which its tiles update in turn.

    Attributes
    ----------
    drafts, cfg
        The cells and the packing configuration.
    box
        Field width, height and populated margin, µm.
    ring
        Indices of the cells that are rings.
    groups
        The rings by node count (:class:`RingGroup`).
    centre
        Centre of every cell (n, 2), µm; updated for disc cells.
    nodes
        Node positions of every ring, (N, 2) arrays in µm, in the order of `ring`; updated.
    node_r, part, local
        Per ring: node circle radius, µm, its group and its row in that group's mechanics.
    is_ring, slot, group
        Per cell: whether it is a ring, its index in `ring` (−1 if not), its collision group.
    """

    drafts: list[Draft]
    cfg: Packing
    box: tuple[float, float, float]
    ring: np.ndarray
    groups: list[RingGroup]
    centre: np.ndarray
    nodes: list[np.ndarray] = field(init=False)
    node_r: np.ndarray = field(init=False)
    part: np.ndarray = field(init=False)
    local: np.ndarray = field(init=False)
    is_ring: np.ndarray = field(init=False)
    slot: np.ndarray = field(init=False)
    group: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        n, r = len(self.drafts), len(self.ring)
        self.is_ring = np.zeros(n, dtype=bool)
        self.is_ring[self.ring] = True
        self.slot = np.full(n, -1)
        self.slot[self.ring] = np.arange(r)
        self.group = groups(self.drafts)
        self.nodes, self.node_r = [np.empty(0)] * r, np.zeros(r)
        self.part, self.local = np.zeros(r, dtype=int), np.zeros(r, dtype=int)
        for k, g in enumerate(self.groups):
            self.part[g.members], self.local[g.members] = k, np.arange(len(g.members))
            self.node_r[g.members] = g.node_r
            for m, p in zip(g.members, g.start):
                self.nodes[m] = p.copy()

    def tiles(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """``(active, fixed)`` cell indices of every tile of about :data:`RELAX_TILE` µm that
        holds a ring: the cells in the tile, and those within reach of it, held fixed."""
        width, height, margin = self.box
        span = np.array([width + 2 * margin, height + 2 * margin])
        count = np.maximum(np.round(span / RELAX_TILE), 1).astype(int)
        tile = np.clip(((self.centre + margin) / span * count).astype(int), 0, count - 1)
        reach = contacts(self.drafts, self.cfg) * (1 + TOUCH)
        for tx in range(count[0]):
            for ty in range(count[1]):
                lo = np.array([tx, ty]) * span / count - margin
                hi = lo + span / count
                active = np.flatnonzero((tile[:, 0] == tx) & (tile[:, 1] == ty))
                if not np.any(self.is_ring[active]):
                    continue
                halo = (reach + reach[active].max())[:, None]
                near = np.all((self.centre > lo - halo) & (self.centre < hi + halo), axis=1)
                near[active] = False
                yield active, np.flatnonzero(near)

    def _hold(self, space: Space, fixed: np.ndarray) -> None:
        """One immovable body per held cell: its disc, or for a ring the convex hull of its node
        circles (one rounded polygon instead of N circles; settled rings are convex but for
        shallow dents)."""
        for i in fixed:
            s = self.drafts[i]
            where = layer_filter(s.layer, int(self.group[i]))
            if self.is_ring[i]:
                k = self.slot[i]
                space.held("poly", self.nodes[k].tolist(), float(self.node_r[k]), where)
            else:
                space.held("circle", tuple(self.centre[i]), hull(s, self.cfg), where)

    def _free(self, space: Space, cells: np.ndarray) -> None:
        """Movable bodies of `cells`: one per node of a ring, one per disc cell."""
        for i in cells:
            s = self.drafts[i]
            where = layer_filter(s.layer, int(self.group[i]))
            ring, k = self.is_ring[i], self.slot[i]
            points = self.nodes[k] if ring else self.centre[i:i + 1]
            radius = float(self.node_r[k] if ring else hull(s, self.cfg))
            space.circles(points.tolist(), radius, where)

    def relax_tile(self, active: np.ndarray, fixed: np.ndarray) -> None:
        """Ring pass over one tile: the `active` cells move, the `fixed` ones around them (and
        pinned cells) are held where they are. Updates :attr:`nodes` and :attr:`centre`.

        Working tile by tile keeps each Chipmunk space small, and with it the cost of its
        contact cache: the cost grows linearly with the field.
        """
        drafts = self.drafts
        fixed = np.concatenate([fixed, [i for i in active if drafts[i].pinned]]).astype(int)
        cells = np.array([i for i in active if not drafts[i].pinned], dtype=int)
        soft, slot = self.is_ring[cells], self.slot[cells]
        size = np.ones(len(cells), dtype=int)
        size[soft] = [len(self.nodes[k]) for k in slot[soft]]
        first = np.cumsum(np.concatenate([[0], size]))[:-1]
        # the tile's rings of each group: their mechanics, node count and body rows
        parts = []
        for k, g in enumerate(self.groups):
            mine = soft & (self.part[slot] == k)
            if mine.any():
                rows = (first[mine][:, None] + np.arange(g.nodes)).ravel()
                parts.append((g.rings.subset(self.local[slot[mine]]), g.nodes, rows))
        ends = np.cumsum([0] + [len(rows) for _, _, rows in parts])
        with walled_space(*self.box, self.cfg.ring_damping, 2 * float(self.node_r.mean()),
                          int(size.sum() + len(fixed))) as space:
            self._hold(space, fixed)
            self._free(space, cells)

            def push(at: np.ndarray) -> np.ndarray:
                return np.concatenate([sub.forces(at[a:b].reshape(-1, n, 2)).reshape(-1, 2)
                                       for (sub, n, _), a, b in zip(parts, ends, ends[1:])])

            rows = np.concatenate([rows for _, _, rows in parts]) if parts else None
            for _ in range(self.cfg.ring_steps if parts else 0):
                space.step(rows, push)
            pos = space.positions()
        for k, i in enumerate(cells):
            if self.is_ring[i]:
                self.nodes[self.slot[i]] = pos[first[k]:first[k] + size[k]]
            else:
                self.centre[i] = pos[first[k]]


def settle_placed(drafts: list[Draft], cfg: Packing, centre: np.ndarray, width: float,
                  height: float, margin: float) -> Settled:
    """Pass 2 (rings) for cells whose discs settled at `centre` (µm, (n, 2)); the arguments are
    left as they were. Rings of each node count are one :class:`RingGroup`."""
    centre = centre.copy()
    angle = np.array([s.angle for s in drafts], dtype=float)
    radii = [s.radii for s in drafts]
    pressed, pairs = touching(drafts, cfg, centre, width, height, margin)
    ring = np.array([i for i, s in enumerate(drafts) if s.kind not in RIGID_CLASSES and pressed[i]],
                    dtype=int)
    if cfg.ring_steps == 0 or not len(ring):
        return Settled(centre, angle, radii, 0)
    count = ring_nodes([drafts[i] for i in ring], cfg)
    parts = [RingGroup.build(drafts, cfg, centre, ring, np.flatnonzero(count == n), int(n))
             for n in np.unique(count)]
    clear_starts(drafts, centre, ring, parts, pairs)
    state = RingPass(drafts, cfg, (width, height, margin), ring, parts, centre)
    for active, fixed in state.tiles():
        state.relax_tile(active, fixed)
    lo, hi = np.array([-margin, -margin]), np.array([width + margin, height + margin])
    failed = 0
    for g in parts:
        nodes = np.stack([state.nodes[k] for k in g.members])
        ok = (np.all(np.isfinite(nodes), axis=(1, 2))
              & (np.abs(signed_area(nodes) / g.rings.area - 1.0) < BROKEN)
              & np.all((nodes >= lo) & (nodes <= hi), axis=(1, 2)))
        nodes[~ok] = g.rest[~ok]
        failed += int(np.count_nonzero(~ok))
        cells = ring[g.members]
        c, a, r = resample(nodes, g.theta, angle[cells], g.delta, radii[0].size)
        for j, i in enumerate(cells):
            if not drafts[i].pinned:
                centre[i], angle[i] = c[j], a[j]
                radii[i] = r[j] + g.fine[j]
    return Settled(centre, angle, radii, failed)
