"""sim.chipmunk settles exactly as pymunk's own objects do (it makes the same Chipmunk calls)."""

import numpy as np
import pymunk
import pymunk.batch
from hypothesis import given, settings, strategies as st

from sim.chipmunk import Space

WALL = 10.0


def _pymunk_settle(discs, held, steps, force):
    """The scene built and stepped with pymunk's public API: positions of the movable discs."""
    space = pymunk.Space()
    space.use_spatial_hash(2.0, 64)
    space.damping, space.collision_slop = 0.5, 0.01
    for a, b in (((-WALL, -WALL), (30, -WALL)), ((30, -WALL), (30, 30)), ((30, 30), (-WALL, 30)),
                 ((-WALL, 30), (-WALL, -WALL))):
        wall = pymunk.Segment(space.static_body, a, b, WALL)
        wall.filter = pymunk.ShapeFilter(categories=0xFFFFFFFF, mask=0xFFFFFFFF)
        space.add(wall)
    for points, r in held:
        body = pymunk.Body(body_type=pymunk.Body.KINEMATIC)
        shape = pymunk.Poly(body, points, radius=r)
        shape.filter = pymunk.ShapeFilter(group=0, categories=1, mask=1)
        space.add(body, shape)
    bodies = []
    for (x, y), r in discs:
        body = pymunk.Body(1.0, float("inf"))
        body.position = (x, y)
        shape = pymunk.Circle(body, r)
        shape.filter = pymunk.ShapeFilter(group=0, categories=1, mask=1)
        space.add(body, shape)
        bodies.append(body)
    for _ in range(steps):
        for b in bodies:
            b.force = tuple(force)
        space.step(1.0)
    return np.array([tuple(b.position) for b in bodies])


def _ours(discs, held, steps, force):
    """The same scene made and stepped with :class:`sim.chipmunk.Space`."""
    with Space(0.5, 0.01, 2.0, 64) as space:
        for a, b in (((-WALL, -WALL), (30, -WALL)), ((30, -WALL), (30, 30)),
                     ((30, 30), (-WALL, 30)), ((-WALL, 30), (-WALL, -WALL))):
            space.segment(a, b, WALL, (0, 0xFFFFFFFF, 0xFFFFFFFF))
        for points, r in held:
            space.held("poly", points, r, (0, 1, 1))
        for centre, r in discs:
            space.circle(centre, r, (0, 1, 1))
        rows = np.arange(len(discs))
        for _ in range(steps):
            space.step(rows, lambda at: np.broadcast_to(force, at.shape))
        return space.positions()


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 20))
def test_a_space_settles_bit_for_bit_as_pymunk(seed, steps):
    rng = np.random.default_rng(seed)
    discs = [((float(x), float(y)), float(r)) for (x, y), r in
             zip(rng.uniform(0, 20, (12, 2)), rng.uniform(0.5, 2.0, 12))]
    held = [([(22.0, 22.0), (26.0, 22.0), (24.0, 26.0)], 0.3)]
    force = rng.normal(0, 0.01, 2)
    ours = _ours(discs, held, steps, force)
    assert np.array_equal(ours, _pymunk_settle(discs, held, steps, force))
