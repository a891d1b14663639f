"""Where cells settle: pymunk (Chipmunk2D) relaxation of the drawn cells, rigid then soft.

Two passes in a walled box (the field plus its populated margin):

1. **Discs.** Every cell is a rigid disc a little smaller than its contact reach, pushed apart from
   its random starting point by contact impulses. This cheap pass removes the large overlaps of
   random placement, so that the rings of pass 2 start untangled. Discs still jammed after it
   have no room in their layer: red cells among them are lifted onto the layer above and the
   pass repeated; cells with no room in any layer are left out (and counted).
2. **Rings.** Every red and white cell that touches a neighbour or a wall becomes a ring of nodes
   (unit-mass pymunk bodies with a contact circle each) held together by the springs, bending
   and area term of :mod:`sim.softbody`, whose forces are computed for all rings at once with
   numpy and handed to Chipmunk through :mod:`pymunk.batch`; Chipmunk resolves the contacts. A
   pressed cell flattens against its neighbour and keeps its area. Platelets, and cells touching
   nothing, stay rigid discs with their drawn outline. The pass works through tiles of the
   field, holding the cells around each tile fixed, so its cost grows linearly with the area.

Nodes of one cell never collide with each other (one pymunk group per cell); cells collide only
with cells of their own stacking layer (one collision category per layer), so stacked cells
overlap freely while cells of one layer touch; a rouleau's cells share a group and lie in a
layer of their own over the film. The outline is the node ring pushed out by the node circle
radius plus the overlap allowance (less the worst case of the ring's discreteness, see
:func:`ring_offset`), so two touching cells of a layer overlap by at most ``overlap`` × the sum
of their radii. The subject cell (and a pinned clump) is kinematic: it does not move, so the
field stays centred on it.

Time is counted in steps of 1 (Chipmunk's time unit is one step): only the settled state matters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymunk
import pymunk.batch
from scipy.spatial import cKDTree

from sim.config import Packing
from sim.population import Draft
from sim.softbody import NODE_OVERLAP, Rings, resample, signed_area

PRESQUEEZE = 0.1
"""Discs of pass 1 are this fraction smaller than the cells' contact reach (:func:`contacts`), so
that they separate where cells fit by deforming a little (which pass 2 then does); where even
they jam, a ring would have to shrink."""

SLOP = 0.01
"""Contact overlap Chipmunk leaves unresolved, µm (its default, 0.1 units, would be 0.1 µm)."""

TOUCH = 0.1
"""Growth of the contact reach, as a fraction of its radius, within which a neighbour or wall
makes a cell deformable in pass 2 (cells move little in pass 2: a few per cent of a radius)."""

JAM = 0.05
"""Overlap of two discs after the disc pass, as a fraction of their summed radii, beyond which
they are jammed (a converged disc pass leaves about 0.01)."""

RELAX_TILE = 60.0
"""Side of the tiles the ring pass works through, µm (a PBC field is one tile)."""

BROKEN = 0.25
"""Relative change of a ring's node-polygon area beyond which the ring counts as broken (and is
replaced by its rest shape): settled rings change by a few per cent; only a ring with neither
stretch nor bending stiffness, crushed in a jam, goes further."""

WALL = 10.0
"""Half-thickness of the walls, µm: their inner faces bound the populated box; thick, so that
nothing pushed hard in one step can tunnel through."""

ALL = pymunk.ShapeFilter.ALL_CATEGORIES()


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
        Cells kept; the others found no room in any layer (see :func:`jammed`) and are left out.
    """

    centre: np.ndarray
    angle: np.ndarray
    radii: list[np.ndarray]
    failed: int
    kept: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.kept is None:
            self.kept = np.ones(len(self.centre), dtype=bool)


def _space(width: float, height: float, margin: float, damping: float, size: float, count: int
           ) -> pymunk.Space:
    """An empty space walled around the field and its margin, indexed by a spatial hash for
    `count` shapes of diameter about `size` µm (Chipmunk's advice; much faster than its
    default tree for many equal shapes)."""
    space = pymunk.Space()
    space.use_spatial_hash(size, max(2 * count, 64))
    space.damping = damping
    space.collision_slop = SLOP
    x0, y0, x1, y1 = -margin - WALL, -margin - WALL, width + margin + WALL, height + margin + WALL
    corners = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    for a, b in zip(corners, corners[1:] + corners[:1]):
        wall = pymunk.Segment(space.static_body, a, b, WALL)
        wall.filter = pymunk.ShapeFilter(categories=ALL, mask=ALL)
        space.add(wall)
    return space


def _body(pinned: bool) -> pymunk.Body:
    """A unit-mass body that does not rotate, kinematic (immovable) if `pinned`."""
    if pinned:
        return pymunk.Body(body_type=pymunk.Body.KINEMATIC)
    return pymunk.Body(1.0, float("inf"))


def _filter(layer: int, group: int = 0) -> pymunk.ShapeFilter:
    """Collide only with shapes of the same `layer`, never with those of the same `group`."""
    return pymunk.ShapeFilter(group=group, categories=1 << layer, mask=1 << layer)


def _groups(drafts: list[Draft]) -> np.ndarray:
    """Collision group of every cell: its own, or its rouleau's (cells of one rouleau overlap)."""
    n = len(drafts)
    return np.array([n + s.rouleau if s.rouleau else i + 1 for i, s in enumerate(drafts)], dtype=int)


def hull(draft: Draft, cfg: Packing) -> float:
    """Radius of a cell's rigid contact disc, µm: its largest outline radius less the overlap
    allowance (``overlap`` × its mean radius), so that its whole drawn outline keeps the
    allowance."""
    return float(draft.radii.max()) - cfg.overlap * draft.radius


def contacts(drafts: list[Draft], cfg: Packing) -> np.ndarray:
    """Radius of the disc each cell's contact shapes reach, µm, shape (n,): its rigid disc
    (platelets, :func:`hull`), or its farthest ring node plus the node circle (the ring's outline
    lies less far beyond its node circles than the allowance, see :func:`ring_offset`, so this is
    a little larger)."""
    radius = np.array([s.radius for s in drafts], dtype=float)
    far = np.array([s.radii.max() for s in drafts], dtype=float)
    rigid = far - cfg.overlap * radius
    delta = ring_offset(radius, cfg.ring_nodes, cfg.overlap)
    node = NODE_OVERLAP * 2 * np.pi * (radius - delta) / cfg.ring_nodes
    platelet = np.array([s.kind == "platelet" for s in drafts], dtype=bool)
    return np.where(platelet, rigid, np.maximum(far - delta + node, rigid))


def discs(drafts: list[Draft], cfg: Packing, width: float, height: float, margin: float,
          start: np.ndarray | None = None) -> np.ndarray:
    """Pass 1: relax rigid discs from their drawn positions (or `start`, µm, (n, 2)); return
    their centres (µm), shape (n, 2)."""
    reach = contacts(drafts, cfg)
    radius = reach * (1.0 - PRESQUEEZE)
    group = _groups(drafts)
    space = _space(width, height, margin, cfg.damping,
                   2 * float(radius.max()) if len(drafts) else 2.0, len(drafts))
    # drawn positions are moved in so that each cell's reach fits inside the box; at the end, a
    # disc that a jam has pushed into a wall is put back on its inner face
    pinned = np.array([s.pinned for s in drafts], dtype=bool)[:, None]
    box = np.array([width, height]) + margin

    def inside(centre: np.ndarray, room: np.ndarray) -> np.ndarray:
        room = np.where(pinned, 0.0, np.minimum(room, 0.5 * min(width, height) + margin)[:, None])
        return np.clip(centre, room - margin, box - room)

    at = np.array([s.position for s in drafts] if start is None else start, dtype=float)
    at = inside(at.reshape(-1, 2), reach)
    bodies = []
    for s, r, g, (x, y) in zip(drafts, radius.tolist(), group.tolist(), at.tolist()):
        body = _body(s.pinned)
        body.position = (x, y)
        shape = pymunk.Circle(body, r)
        shape.filter = _filter(s.layer, g)
        space.add(body, shape)
        bodies.append(body)
    for _ in range(cfg.steps):
        space.step(1.0)
    return inside(np.array([tuple(b.position) for b in bodies], dtype=float).reshape(-1, 2),
                  radius)


def _pairs(centre: np.ndarray, r: np.ndarray, layer: np.ndarray, group: np.ndarray
           ) -> tuple[np.ndarray, ...]:
    """Pairs (a, b) of cells of one layer, not of one group, whose discs of radius `r` overlap,
    and the depth of their overlap, µm."""
    if len(centre) < 2:
        return np.zeros(0, int), np.zeros(0, int), np.zeros(0)
    pairs = np.array(sorted(cKDTree(centre).query_pairs(2 * r.max())), dtype=int).reshape(-1, 2)
    a, b = pairs.T
    depth = r[a] + r[b] - np.hypot(*(centre[a] - centre[b]).T)
    hit = (layer[a] == layer[b]) & (group[a] != group[b]) & (depth > 0)
    return a[hit], b[hit], depth[hit]


def jammed(drafts: list[Draft], cfg: Packing, centre: np.ndarray) -> list[int]:
    """Cells with no room in their layer after the disc pass: of each pair of discs of one
    layer still overlapping by more than ``JAM`` of their summed radii (there is no room for
    them even before they grow to full size), the later drawn one that is not pinned, a red
    cell if the pair has one."""
    r = contacts(drafts, cfg) * (1.0 - PRESQUEEZE)
    a, b, depth = _pairs(centre, r, np.array([s.layer for s in drafts]), _groups(drafts))
    out = []
    for i, j in zip(a[depth > JAM * (r[a] + r[b])], b[depth > JAM * (r[a] + r[b])]):
        pick = [k for k in (max(i, j), min(i, j)) if not drafts[k].pinned]
        pick.sort(key=lambda k: drafts[k].kind != "rbc")
        if pick and pick[0] not in out:
            out.append(int(pick[0]))
    return out


def lift(drafts: list[Draft], cells: list[int], layers: int) -> bool:
    """Lift the given red cells onto the layer above (in place), as an excess cell lies on the
    monolayer in a thick smear; cells already in the top layer (and white cells) stay. Returns
    whether any cell was lifted."""
    moved = False
    for k in cells:
        s = drafts[k]
        if s.kind == "rbc" and s.layer + 1 < layers:
            s.layer += 1
            s.stack += 1
            moved = True
    return moved


def touching(drafts: list[Draft], cfg: Packing, centre: np.ndarray, width: float, height: float,
             margin: float) -> np.ndarray:
    """Which cells may deform: those whose contact reach, grown by ``TOUCH`` of its radius, meets
    that of a cell of its layer or a wall after the disc pass. The others lie free and keep
    their drawn outline, so they ride through pass 2 as rigid discs (a large saving at the
    feathered edge)."""
    r = contacts(drafts, cfg) * (1.0 + TOUCH)
    out = ((centre - r[:, None] < -margin) | (centre + r[:, None] > np.array([width, height]) + margin)
           ).any(axis=1)
    a, b, _ = _pairs(centre, r, np.array([s.layer for s in drafts]), _groups(drafts))
    out[a] = out[b] = True
    return out


def ring_offset(radius: np.ndarray, nodes: int, overlap: float) -> np.ndarray:
    """Distance δ (µm) from the node ring out to the outline of cells of mean radius `radius`.

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


def _rest_rings(drafts: list[Draft], centres: np.ndarray, nodes: int, overlap: float):
    """Rest node positions (C, N, 2) of the given cells at `centres`, their node angles (N,),
    ring offsets δ (C,) and node circle radii (C,)."""
    theta = np.linspace(0.0, 2 * np.pi, nodes, endpoint=False)
    radius = np.array([s.radius for s in drafts])
    delta = ring_offset(radius, nodes, overlap)
    node_r = NODE_OVERLAP * 2 * np.pi * (radius - delta) / nodes
    k = drafts[0].radii.size
    grid = np.linspace(0.0, 2 * np.pi, k, endpoint=False)
    rho = np.stack([np.interp(theta, grid, s.radii, period=2 * np.pi) for s in drafts])
    rho -= delta[:, None]
    ang = theta[None] + np.array([s.angle for s in drafts])[:, None]
    p = centres[:, None] + (rho * np.stack([np.cos(ang), np.sin(ang)], 0)).transpose(1, 2, 0)
    return p, theta, delta, node_r


def settle(drafts: list[Draft], cfg: Packing, width: float, height: float, margin: float,
           layers: int) -> Settled:
    """Settle `drafts` in the `width` × `height` µm field with a populated `margin` (µm) and at
    most `layers` stacked layers.

    Red cells use ``cfg.rbc_stretch`` and ``cfg.rbc_bending``, nucleated cells the ``wbc_``
    ones; pinned cells keep their drawn pose and outline. Jammed red cells are lifted a layer (see :func:`lift`; this
    changes their `layer` and `stack`); cells jammed even so are left out (`kept`). The ring
    pass runs tile by tile (see :func:`_relax`).
    """
    centre = discs(drafts, cfg, width, height, margin)
    for _ in range(layers):
        if not lift(drafts, jammed(drafts, cfg, centre), layers):
            break
        centre = discs(drafts, cfg, width, height, margin, start=centre)
    kept = np.ones(len(drafts), dtype=bool)
    kept[jammed(drafts, cfg, centre)] = False
    inner = settle_placed([s for s, k in zip(drafts, kept) if k], cfg, centre[kept],
                          width, height, margin)
    centre[kept] = inner.centre
    angle = np.array([s.angle for s in drafts], dtype=float)
    angle[kept] = inner.angle
    radii = [s.radii for s in drafts]
    for i, r in zip(np.flatnonzero(kept), inner.radii):
        radii[i] = r
    return Settled(centre, angle, radii, inner.failed, kept)


def settle_placed(drafts: list[Draft], cfg: Packing, centre: np.ndarray, width: float,
                  height: float, margin: float) -> Settled:
    """Pass 2 (rings) for cells whose discs settled at `centre` (µm, (n, 2))."""
    centre = centre.copy()
    angle = np.array([s.angle for s in drafts], dtype=float)
    radii = [s.radii for s in drafts]
    pressed = touching(drafts, cfg, centre, width, height, margin)
    ring = np.array([i for i, s in enumerate(drafts) if s.kind != "platelet" and pressed[i]], dtype=int)
    if cfg.ring_steps == 0 or not len(ring):
        return Settled(centre, angle, radii, 0)

    rs = [drafts[i] for i in ring]
    p0, theta, delta, node_r = _rest_rings(rs, centre[ring], cfg.ring_nodes, cfg.overlap)
    red = np.array([s.kind == "rbc" for s in rs])
    rings = Rings.at_rest(p0, np.where(red, cfg.rbc_stretch, cfg.wbc_stretch),
                          np.where(red, cfg.rbc_bending, cfg.wbc_bending), cfg.pressure)
    nodes = p0.copy()
    is_ring = np.zeros(len(drafts), dtype=bool)
    is_ring[ring] = True
    slot = np.full(len(drafts), -1)
    slot[ring] = np.arange(len(ring))

    # tiles of about RELAX_TILE µm, relaxed in turn; cells within `halo` of a tile are held fixed
    span = np.array([width + 2 * margin, height + 2 * margin])
    count = np.maximum(np.round(span / RELAX_TILE), 1).astype(int)
    tile = np.clip(((centre + margin) / span * count).astype(int), 0, count - 1)
    reach = contacts(drafts, cfg) * (1 + TOUCH)
    for tx in range(count[0]):
        for ty in range(count[1]):
            lo = np.array([tx, ty]) * span / count - margin
            hi = lo + span / count
            active = np.flatnonzero((tile[:, 0] == tx) & (tile[:, 1] == ty))
            if not np.any(is_ring[active]):
                continue
            halo = (reach + reach[active].max())[:, None]
            near = np.all((centre > lo - halo) & (centre < hi + halo), axis=1)
            near[active] = False
            _relax(drafts, cfg, active, np.flatnonzero(near), is_ring, slot, rings, nodes, node_r,
                   centre, (width, height, margin))

    lo, hi = np.array([-margin, -margin]), np.array([width + margin, height + margin])
    ok = (np.all(np.isfinite(nodes), axis=(1, 2))
          & (np.abs(signed_area(nodes) / rings.area - 1.0) < BROKEN)
          & np.all((nodes >= lo) & (nodes <= hi), axis=(1, 2)))
    nodes[~ok] = p0[~ok]
    c, a, r = resample(nodes, theta, angle[ring], delta, radii[0].size)
    for j, i in enumerate(ring):
        if not drafts[i].pinned:
            centre[i], angle[i], radii[i] = c[j], a[j], r[j]
    return Settled(centre, angle, radii, int(np.count_nonzero(~ok)))


def _relax(drafts: list[Draft], cfg: Packing, active: np.ndarray, fixed: np.ndarray,
           is_ring: np.ndarray, slot: np.ndarray, rings: Rings, nodes: np.ndarray,
           node_r: np.ndarray, centre: np.ndarray, box: tuple[float, float, float]) -> None:
    """Ring pass over one tile: the `active` cells move, the `fixed` ones around them (and pinned
    cells) are held where they are (one kinematic body each). Updates `nodes` (ring node positions, by ring slot) and
    `centre` (of disc cells) in place.

    Working tile by tile keeps each Chipmunk space small, and with it the cost of its contact
    cache, which Chipmunk scans whenever a shape is removed (tearing down one space of a whole
    crowded field would cost more than settling it): the cost grows linearly with the field.
    """
    width, height, margin = box
    fixed = np.concatenate([fixed, [i for i in active if drafts[i].pinned]]).astype(int)
    cells = np.array([i for i in active if not drafts[i].pinned], dtype=int)
    n_nodes = cfg.ring_nodes
    size = np.where(is_ring[cells], n_nodes, 1)
    shapes = int(size.sum() + len(fixed))
    group = _groups(drafts)
    space = _space(width, height, margin, cfg.ring_damping, 2 * float(node_r.mean()), shapes)
    for i in fixed:
        # one immovable body per held cell: its disc, or for a ring the convex hull of its node
        # circles (one rounded polygon instead of N circles; settled rings are convex but for
        # shallow dents)
        s = drafts[i]
        body = _body(True)
        if is_ring[i]:
            shape = pymunk.Poly(body, nodes[slot[i]].tolist(), radius=float(node_r[slot[i]]))
        else:
            shape = pymunk.Circle(body, hull(s, cfg), tuple(centre[i]))
        shape.filter = _filter(s.layer, int(group[i]))
        space.add(body, shape)
    bodies = []
    for i in cells:
        s = drafts[i]
        f = _filter(s.layer, int(group[i]))
        points = nodes[slot[i]] if is_ring[i] else centre[i:i + 1]
        radius = node_r[slot[i]] if is_ring[i] else hull(s, cfg)
        for x, y in points.tolist():
            body = _body(False)
            body.position = (x, y)
            shape = pymunk.Circle(body, radius)
            shape.filter = f
            space.add(body, shape)
            bodies.append(body)
    # Chipmunk lists its bodies in its own order: find where each of ours is in that list
    buf = pymunk.batch.Buffer()
    pymunk.batch.get_space_bodies(space, pymunk.batch.BodyFields.BODY_ID, buf)
    ids = np.frombuffer(buf.int_buf(), dtype=np.uintp)
    index = {b.id: k for k, b in enumerate(bodies)}
    order = np.array([index.get(int(i), -1) for i in ids])
    listed = np.flatnonzero(order >= 0)
    where = np.empty(len(bodies), dtype=int)
    where[order[listed]] = listed
    order = order[listed]

    soft = cells[is_ring[cells]]
    sub = rings.subset(slot[soft])
    first = np.cumsum(np.concatenate([[0], size]))[:-1]
    rows = (first[is_ring[cells]][:, None] + np.arange(n_nodes)).ravel()
    force = np.zeros((len(bodies), 2))
    flat = np.zeros((len(ids), 2))
    out = pymunk.batch.Buffer()
    for _ in range(cfg.ring_steps if len(soft) else 0):
        buf.clear()
        pymunk.batch.get_space_bodies(space, pymunk.batch.BodyFields.POSITION, buf)
        pos = np.frombuffer(buf.float_buf()).reshape(-1, 2)[where]
        force[rows] = sub.forces(pos[rows].reshape(-1, n_nodes, 2)).reshape(-1, 2)
        flat[listed] = force[order]
        out.set_float_buf(flat.ravel())
        pymunk.batch.set_space_bodies(space, pymunk.batch.BodyFields.FORCE, out)
        space.step(1.0)
    buf.clear()
    pymunk.batch.get_space_bodies(space, pymunk.batch.BodyFields.POSITION, buf)
    pos = np.frombuffer(buf.float_buf()).reshape(-1, 2)[where]
    for k, i in enumerate(cells):
        if is_ring[i]:
            nodes[slot[i]] = pos[first[k]:first[k] + n_nodes]
        else:
            centre[i] = pos[first[k]]
