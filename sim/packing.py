"""Where cells settle: pymunk (Chipmunk2D) relaxation of the drawn cells, rigid then soft.

Two passes in a walled box (the field plus its populated margin; :mod:`sim.contact` holds what
they share: the space, collision layers and contact reach):

1. **Discs** (here). Every cell is a rigid disc a little smaller than its contact reach, pushed
   apart from its random starting point by contact impulses. This cheap pass removes the large
   overlaps of random placement, so that the rings of pass 2 start untangled. Discs still jammed
   after it have no room in their layer: red cells among them are lifted onto the layer above
   and the pass repeated; cells with no room in any layer are left out (and counted).
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

from sim.classes import RED_CLASSES
from sim.config import Packing
from sim.contact import contacts, groups, layer_filter, overlapping, walled_space
from sim.population import Draft
from sim.rings import Settled, settle_placed

PRESQUEEZE = 0.1
"""Discs of pass 1 are this fraction smaller than the cells' contact reach (:func:`contacts`), so
that they separate where cells fit by deforming a little (which pass 2 then does); where even
they jam, a ring would have to shrink."""

JAM = 0.05
"""Overlap of two discs after the disc pass, as a fraction of their summed radii, beyond which
they are jammed (a converged disc pass leaves about 0.01)."""

__all__ = ["Settled", "discs", "jammed", "lift", "settle"]


def discs(drafts: list[Draft], cfg: Packing, width: float, height: float, margin: float,
          start: np.ndarray | None = None) -> np.ndarray:
    """Pass 1: relax rigid discs from their drawn positions (or `start`, µm, (n, 2)); return
    their centres (µm), shape (n, 2)."""
    reach = contacts(drafts, cfg)
    radius = reach * (1.0 - PRESQUEEZE)
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


def jammed(drafts: list[Draft], cfg: Packing, centre: np.ndarray) -> list[int]:
    """Cells with no room in their layer after the disc pass: of each pair of discs of one
    layer still overlapping by more than ``JAM`` of their summed radii (there is no room for
    them even before they grow to full size), the later drawn one that is not pinned, a red
    cell if the pair has one."""
    r = contacts(drafts, cfg) * (1.0 - PRESQUEEZE)
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
    for _ in range(layers):
        lifted = lift(drafts, jammed(drafts, cfg, centre), layers)
        if lifted is None:
            break
        drafts = lifted
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
    return Settled(centre, angle, radii, inner.failed, kept, drafts)
