"""sim — what lies on the slide.

:func:`simulate` draws a population of cells (:mod:`sim.population`), settles it with pymunk
(:mod:`sim.packing`) and gives each cell its morphology (:mod:`sim.morphology`), returning a
:class:`~sim.scene.Scene` in micrometres. ``sim`` knows nothing of pixels or colours.
"""

from __future__ import annotations

import numpy as np

from sim import erythro, morphology, packing, pathology, population, softbody
from sim.classes import RED_CLASSES
from sim.redshapes import RedShape
from sim.stats import scene_stats
from sim.config import RareType, SimConfig, cell_type
from sim.scene import Cell, Scene, outline_area

LAYERS = {**{k: 0 for k in RED_CLASSES}, "platelet": 1}
"""Stacking order per class within one stacking level (white cells: 2): red cells lowest, white
cells on top; cells of a higher stacking level (stacked red cells, rouleaux) lie over all of a
lower one."""


def simulate(cfg: SimConfig, width: float, height: float, rng: np.random.Generator) -> Scene:
    """Simulate one field of `width` × `height` µm.

    Parameters
    ----------
    cfg
        Simulation configuration.
    width, height
        Size of the imaged field, µm.
    rng
        The only source of randomness.

    Returns
    -------
    Scene
        Its `stats` hold what the simulation measured on itself: ``coverage`` and
        ``overlap_fraction`` of the field (:func:`sim.stats.scene_stats`), ``area_change_mean`` and
        ``area_change_max`` (each cell's own is :attr:`Cell.area_change`),
        ``rbc_coverage_requested`` and the achieved ``rbc_coverage`` (red-cell area / populated
        area), ``rbc_dropped`` and ``jammed_dropped`` (cells left out for want of room),
        ``density_reached`` (no cell left out) and ``rings_failed`` (rings that broke and were
        replaced by their rest shape; 0 in every run seen).
    """
    drafts, stats = population.draw(cfg, width, height, rng)
    settled = packing.settle(drafts, cfg.packing, width, height, cfg.population.margin,
                             cfg.population.layers)
    stats["jammed_dropped"] = int(np.count_nonzero(~settled.kept))
    stats["density_reached"] = stats["density_reached"] and stats["jammed_dropped"] == 0
    keep = np.flatnonzero(settled.kept)
    drafts = [settled.drafts[i] for i in keep]
    settled = packing.Settled(settled.centre[keep], settled.angle[keep],
                              [settled.radii[i] for i in keep], settled.failed)
    stack = np.array([s.stack for s in drafts], dtype=int)
    order = np.lexsort((rng.random(len(drafts)), [LAYERS.get(s.kind, 2) for s in drafts], stack))
    z = np.empty(len(drafts), dtype=int)
    z[order] = np.arange(len(drafts))
    rest = np.array([outline_area(s.radii) for s in drafts])
    cells = [_cell(cfg, i, s, settled, int(z[i]), rest[i], rng) for i, s in enumerate(drafts)]
    stats.update(scene_stats(cells, width, height))
    stats["rbc_coverage"] = round(sum(c.area for c in cells if c.kind in RED_CLASSES)
                                  / ((width + 2 * cfg.population.margin)
                                     * (height + 2 * cfg.population.margin)), 4)
    stats["rings_failed"] = settled.failed
    return Scene(width=width, height=height, cells=cells, stats=stats)


def _cell(cfg: SimConfig, i: int, s, settled, z: int, rest: float,
          rng: np.random.Generator) -> Cell:
    """Cell `i` of the scene from its draft `s` and where the packing `settled` it: its area
    change by the packing, then its ruffled margin and its morphology."""
    t = cell_type(cfg.cells, s.kind, s.stage)
    area_change = outline_area(settled.radii[i]) / rest - 1.0
    own = cfg.cells.rbc if isinstance(t, RedShape) else t  # a red-cell kind: as a red cell
    radii = morphology.ruffle(settled.radii[i], own.cell_roughness, rng)
    if isinstance(t, RareType):
        m = pathology.draw(t, radii, rng)
    elif isinstance(t, RedShape):
        m = erythro.draw(cfg.cells.rbc, t, radii, rng)
    else:
        m = morphology.draw(t, float(radii.mean()), "biconcave" if s.kind == "rbc" else "dome",
                            rng, s.stage)
        m.nucleus = softbody.fit_inside(m.nucleus, radii)
    c = settled.centre[i]
    return Cell(index=i, kind=s.kind, centre=(float(c[0]), float(c[1])),
                angle=float(settled.angle[i]), z=z, radii=radii, morphology=m,
                subject=s.subject, stack=s.stack, area_change=area_change)


__all__ = ["simulate", "Scene", "Cell", "SimConfig"]
