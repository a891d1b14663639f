"""sim — what lies on the slide.

:func:`simulate` draws a population of cells (:mod:`sim.population`), settles it with pymunk
(:mod:`sim.packing`) and gives each cell its morphology (:mod:`sim.morphology`), returning a
:class:`~sim.scene.Scene` in micrometres. ``sim`` knows nothing of pixels or colours.
"""

from __future__ import annotations

import numpy as np

from sim import morphology, packing, population
from sim.config import SimConfig
from sim.scene import Cell, Scene

LAYERS = {"rbc": 0, "platelet": 1}
"""Stacking layer per class (white cells: 2): red cells lowest, white cells on top."""


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
    """
    seeds = population.draw(cfg, width, height, rng)
    centres = packing.settle(seeds, cfg.packing, width, height, cfg.population.margin)
    order = np.lexsort((rng.random(len(seeds)), [LAYERS.get(s.kind, 2) for s in seeds]))
    z = np.empty(len(seeds), dtype=int)
    z[order] = np.arange(len(seeds))
    cells = [Cell(index=i, kind=s.kind, centre=(float(c[0]), float(c[1])), angle=s.angle,
                  z=int(z[i]), radii=s.radii, subject=s.subject,
                  morphology=morphology.draw(getattr(cfg.cells, s.kind), s.radius,
                                             "biconcave" if s.kind == "rbc" else "dome", rng))
             for i, (s, c) in enumerate(zip(seeds, centres))]
    return Scene(width=width, height=height, cells=cells)


__all__ = ["simulate", "Scene", "Cell", "SimConfig"]
