"""Where cells settle: a pymunk (Chipmunk2D) relaxation of the drawn cells.

Cells are rigid discs here, shrunk by the configured overlap allowance, started at their drawn
positions and pushed apart by contact impulses inside a walled box (the field plus its margin).
The subject cell and its clump are static, so the field stays centred on it.
"""

from __future__ import annotations

import numpy as np
import pymunk

from sim.config import Packing
from sim.population import Seed

DT = 1.0 / 60.0
"""Physics time step, s (simulated time: only the settled state matters)."""


def settle(seeds: list[Seed], cfg: Packing, width: float, height: float, margin: float
           ) -> np.ndarray:
    """Relax overlapping cells; return their settled centres (µm), shape (N, 2).

    Parameters
    ----------
    seeds
        Cells with starting positions, in the order of the returned centres.
    cfg
        Packing parameters.
    width, height, margin
        The field (µm) and the populated band around it; walls enclose both.
    """
    space = pymunk.Space()
    space.damping = cfg.damping
    x0, y0, x1, y1 = -margin, -margin, width + margin, height + margin
    walls = [((x0, y0), (x1, y0)), ((x1, y0), (x1, y1)), ((x1, y1), (x0, y1)), ((x0, y1), (x0, y0))]
    space.add(*[pymunk.Segment(space.static_body, a, b, 1.0) for a, b in walls])
    bodies = []
    for s in seeds:
        r = s.radius * (1.0 - cfg.overlap)
        if s.pinned:
            body = pymunk.Body(body_type=pymunk.Body.STATIC)
        else:
            body = pymunk.Body(mass=r * r, moment=float("inf"))
        body.position = s.position
        shape = pymunk.Circle(body, r)
        shape.friction = 0.0
        space.add(body, shape)
        bodies.append(body)
    for _ in range(cfg.steps):
        space.step(DT)
    return np.array([tuple(b.position) for b in bodies], dtype=float).reshape(-1, 2)
