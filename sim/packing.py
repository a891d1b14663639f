"""Where cells settle: pymunk (Chipmunk2D) relaxation of the drawn cells, rigid then soft.

Two passes in a walled box (the field plus its populated margin; :mod:`sim.contact` holds what
they share: the space, collision layers and contact reach):

1. **Discs** (here). Every cell is a rigid disc a little smaller than its contact reach, pushed
   apart from its random starting point by contact impulses. This cheap pass removes the large
   overlaps of random placement, so that the rings of pass 2 start untangled. Where discs are
   still jammed after it, the soft red cells yield first: the pass is repeated with each
   one's disc shrunk to the hexagon it can flatten into (:func:`cores`), so a crowded
   monolayer packs into touching polygons. Discs jammed even then have no room in their layer:
   red cells among them are lifted onto the layer above and the pass repeated; cells with no
   room in any layer are left out (and counted).
2. **Rings** (:mod:`sim.rings`). Every red and white cell that touches a neighbour or a wall
   becomes a ring of nodes that flattens against its neighbours and keeps its area; the pass
   works through tiles of the field, so its cost grows linearly with the area.

Cells collide only with cells of their own stacking layer, so stacked cells overlap freely while
cells of one layer touch; a rouleau's cells share a group and lie in a layer of their own over
the film. The subject cell (and a pinned clump) is kinematic: it does not move, so the field
stays centred on it.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from sim.classes import RED_CLASSES, RIGID_CLASSES
from sim.config import Packing
from sim.contact import (contacts, groups, layer_filter, overlapping, spreading,
                         walled_space)
from sim.population import Draft
from sim.rings import Settled, settle_placed
from sim.scene import outline_area

PRESQUEEZE = 0.1
"""Discs of pass 1 are this fraction smaller than the cells' contact reach (:func:`contacts`), so
that they separate where cells fit by deforming a little (which pass 2 then does); where even
they jam, a ring would have to shrink."""

JAM = 0.05
"""Overlap of two discs after the disc pass, as a fraction of their summed radii, beyond which
they are jammed (a converged disc pass leaves about 0.01)."""

HEXAGON = float(np.sqrt(np.pi / (2 * np.sqrt(3.0))))
"""Inscribed radius of a regular hexagon over the radius of the disc of equal area (0.952): a
soft cell pressed on every side keeps its area and becomes a hexagon, so in a full monolayer of
such cells neighbouring centres lie this fraction of two area-equivalent radii apart."""

__all__ = ["Settled", "discs", "jammed", "lift", "settle"]


def cores(drafts: list[Draft], cfg: Packing, yielded: bool = False) -> np.ndarray:
    """Radius of every cell's disc in pass 1, µm, shape (n,): its contact reach less
    :data:`PRESQUEEZE`, and by its ``spreading`` for a cell that lands smaller and spreads in
    pass 2 (:func:`sim.rings.settle_placed`).

    Once the soft red cells yield (`yielded`), a normal red cell's disc is the inscribed radius
    of the hexagon it flattens into (:data:`HEXAGON` × its area-equivalent radius) less the
    overlap allowance; the other cells (rigid, or stiffer white cells) hardly flatten, so
    their discs grow by the median shrink of the red cells' and a red neighbour keeps as clear
    of them as before.
    """
    radius = contacts(drafts, cfg) * (1.0 - PRESQUEEZE) * (1.0 - spreading(drafts))
    soft = np.array([s.kind in RED_CLASSES and s.kind not in RIGID_CLASSES for s in drafts],
                    dtype=bool)
    if not yielded or not soft.any():
        return radius
    equal = np.sqrt([outline_area(s.radii) / np.pi for s in drafts])
    shrink = radius - equal * (HEXAGON - cfg.overlap)
    return np.where(soft, radius - shrink, radius + float(np.median(shrink[soft])))


def discs(drafts: list[Draft], cfg: Packing, width: float, height: float, margin: float,
          start: np.ndarray | None = None, yielded: bool = False) -> np.ndarray:
    """Pass 1: relax rigid discs (:func:`cores`) from their drawn positions (or `start`, µm,
    (n, 2)); return their centres (µm), shape (n, 2)."""
    reach = contacts(drafts, cfg)
    radius = cores(drafts, cfg, yielded)
    group = groups(drafts)
    # drawn positions are moved in so that each cell's reach fits inside the box; at the end, a
    # disc that a jam has pushed into a wall is put back on its inner face
    pinned = np.array([s.pinned for s in drafts], dtype=bool)[:, None]
    box = np.array([width, height]) + margin

    def inside(centre: np.ndarray, room: np.ndarray) -> np.ndarray:
        room = np.where(pinned, 0.0, np.minimum(room, 0.5 * min(width, height) + margin)[:, None])
        return np.clip(centre, room - margin, box - room)

    at = np.array([s.position for s in drafts] if start is None else start, dtype=float)
    at = inside(at.reshape(-1, 2), reach)
    with walled_space(width, height, margin, cfg.damping,
                      2 * float(radius.max()) if len(drafts) else 2.0, len(drafts)) as space:
        for s, r, g, xy in zip(drafts, radius.tolist(), group.tolist(), at.tolist()):
            space.circle(tuple(xy), r, layer_filter(s.layer, g), fixed=s.pinned)
        for _ in range(cfg.steps):
            space.step()
        moved = space.positions()
    free = np.flatnonzero(~pinned[:, 0])
    at[free] = moved
    return inside(at, radius)


def jammed(drafts: list[Draft], cfg: Packing, centre: np.ndarray, yielded: bool = False
           ) -> list[int]:
    """Cells with no room in their layer after the disc pass: of each pair of discs
    (:func:`cores`) of one layer still overlapping by more than ``JAM`` of their summed radii
    (there is no room for them even before they grow to full size), the later drawn one that
    is not pinned, a red cell if the pair has one."""
    r = cores(drafts, cfg, yielded)
    a, b, depth = overlapping(centre, r, np.array([s.layer for s in drafts]), groups(drafts))
    out = []
    for i, j in zip(a[depth > JAM * (r[a] + r[b])], b[depth > JAM * (r[a] + r[b])]):
        pick = [k for k in (max(i, j), min(i, j)) if not drafts[k].pinned]
        pick.sort(key=lambda k: drafts[k].kind not in RED_CLASSES)
        if pick and pick[0] not in out:
            out.append(int(pick[0]))
    return out


def lift(drafts: list[Draft], cells: list[int], layers: int) -> list[Draft] | None:
    """The drafts with the given red cells lifted onto the layer above, as an excess cell lies
    on the monolayer in a thick smear: new drafts for those (one `layer` and one `stack` up),
    the others as they were; cells already in the top layer (and white cells) stay. None if no
    cell was lifted. `drafts` is left as it was."""
    out = list(drafts)
    for k in cells:
        s = out[k]
        if s.kind in RED_CLASSES and s.layer + 1 < layers:
            out[k] = replace(s, layer=s.layer + 1, stack=s.stack + 1)
    return out if any(a is not b for a, b in zip(out, drafts)) else None


def settle(drafts: list[Draft], cfg: Packing, width: float, height: float, margin: float,
           layers: int) -> Settled:
    """Settle `drafts` in the `width` × `height` µm field with a populated `margin` (µm) and at
    most `layers` stacked layers.

    Red cells use ``cfg.rbc_stretch`` and ``cfg.rbc_bending``, nucleated cells the ``wbc_``
    ones; pinned cells keep their drawn pose and outline. Jammed red cells are lifted a layer
    (see :func:`lift`: the result's `drafts` hold them with their new `layer` and `stack`;
    `drafts` is left as it was); cells jammed even so are left out (`kept`). The ring pass
    runs tile by tile (:mod:`sim.rings`).
    """
    centre = discs(drafts, cfg, width, height, margin)
    jam = jammed(drafts, cfg, centre)
    # discs jammed: the soft cells yield (flatten into polygons) before any cell is lifted
    crowded = bool(jam)
    if crowded:
        centre = discs(drafts, cfg, width, height, margin, start=centre, yielded=True)
        jam = jammed(drafts, cfg, centre, yielded=True)
    for _ in range(layers):
        lifted = lift(drafts, jam, layers)
        if lifted is None:
            break
        drafts = lifted
        centre = discs(drafts, cfg, width, height, margin, start=centre, yielded=crowded)
        jam = jammed(drafts, cfg, centre, crowded)
    kept = np.ones(len(drafts), dtype=bool)
    kept[jam] = False
    inner = settle_placed([s for s, k in zip(drafts, kept) if k], cfg, centre[kept],
                          width, height, margin)
    centre[kept] = inner.centre
    angle = np.array([s.angle for s in drafts], dtype=float)
    angle[kept] = inner.angle
    radii = [s.radii for s in drafts]
    for i, r in zip(np.flatnonzero(kept), inner.radii):
        radii[i] = r
    return Settled(centre, angle, radii, inner.failed, kept, drafts)
