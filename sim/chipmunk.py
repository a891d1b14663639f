"""A Chipmunk2D space driven through pymunk's C bindings, for many short-lived bodies.

pymunk wraps every body and shape in Python objects (weak references, handles, finalisers that
the cyclic garbage collector runs); for the hundreds of node bodies of every packed field that
wrapping cost several times the physics itself (``pbc``: about 15 µs per node to make, and as
much again to collect and free). :class:`Space` makes the same Chipmunk calls that
``pymunk.Space``, ``Body``, ``Circle``, ``Poly`` and ``Segment`` make, in the same order, so a
field settles exactly as it did with them; it keeps only the C pointers and frees everything at
once when closed, the space first (Chipmunk scans its contact cache whenever a shape is removed
from a space, so removing them one by one would cost more than settling).

A movable body's user data is its index + 1 (0 for every other body), through which positions
and forces, read and set for all bodies at once with :mod:`pymunk.batch`, are put in the order
the bodies were made (pymunk keeps its handle in that field: ``pymunk.Body.id``).
``tests/test_chipmunk.py`` checks that a space settles bit for bit as pymunk's objects do.
"""

from __future__ import annotations

import numpy as np
import pymunk.batch
from pymunk._chipmunk import ffi, lib

IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
"""The identity ``cpTransform`` (pymunk's ``Transform.identity()``)."""

Filter = tuple[int, int, int]
"""A ``cpShapeFilter``: (group, categories, mask)."""


class Space:
    """A Chipmunk space, its bodies and shapes, freed together by :meth:`close` (or on leaving a
    ``with`` block).

    Parameters
    ----------
    damping, slop
        Velocity kept per step (pymunk's ``Space.damping``) and the contact overlap left
        unresolved, µm (``Space.collision_slop``).
    size, count
        Cell size (µm) and shape count of the spatial hash (``Space.use_spatial_hash``).
    """

    def __init__(self, damping: float, slop: float, size: float, count: int) -> None:
        # `_space` is the name pymunk.batch reads the C space from
        self._space = lib.cpSpaceNew()
        self._bodies: list = []
        self._shapes: list = []
        self._static = None
        self.movable = 0
        lib.cpSpaceUseSpatialHash(self._space, size, count)
        lib.cpSpaceSetDamping(self._space, damping)
        lib.cpSpaceSetCollisionSlop(self._space, slop)
        self._out = pymunk.batch.Buffer()
        self._buf = pymunk.batch.Buffer()
        self._where: np.ndarray | None = None  # movable body k is row _where[k] of Chipmunk's
        self._flat: np.ndarray | None = None  # forces of every body, in Chipmunk's order

    def __enter__(self) -> "Space":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Free the space, then every body and shape made for it."""
        if self._space is None:
            return
        lib.cpSpaceFree(self._space)
        self._space = None
        for shape in self._shapes:
            lib.cpShapeFree(shape)
        for body in self._bodies:
            lib.cpBodyFree(body)
        self._shapes.clear()
        self._bodies.clear()

    def _add(self, body, shape, where: Filter) -> None:
        """Filter `shape` and add it and `body` (None: the static body's shape) to the space."""
        lib.cpShapeSetFilter(shape, where)
        if body is not None:
            lib.cpSpaceAddBody(self._space, body)
        lib.cpSpaceAddShape(self._space, shape)
        self._shapes.append(shape)
        self._where = None

    def segment(self, a: tuple[float, float], b: tuple[float, float], radius: float,
                where: Filter) -> None:
        """A static segment from `a` to `b` of half-thickness `radius` (µm) on the space's
        static body (made and added on first use, as ``pymunk.Space.static_body``)."""
        if self._static is None:
            self._static = lib.cpBodyNewStatic()
            self._bodies.append(self._static)
            lib.cpSpaceAddBody(self._space, self._static)
        self._add(None, lib.cpSegmentShapeNew(self._static, a, b, radius), where)

    def circle(self, centre: tuple[float, float], radius: float, where: Filter,
               fixed: bool = False) -> None:
        """A disc body of `radius` (µm) at `centre`: movable (unit mass, no rotation; its index
        is the count of movable bodies made before it), or kinematic (immovable) if `fixed`."""
        if not fixed:
            self.circles([centre], radius, where)
            return
        body = self._kinematic()
        lib.cpBodySetPosition(body, centre)
        self._add(body, lib.cpCircleShapeNew(body, radius, (0.0, 0.0)), where)

    def circles(self, centres, radius: float, where: Filter) -> None:
        """Movable disc bodies of one `radius` (µm) and filter, one at each of `centres` (as
        :meth:`circle` makes them, in one loop: this is the packing's inner loop)."""
        space, bodies, shapes, count = self._space, self._bodies, self._shapes, self.movable
        new_body, set_data = lib.cpBodyNew, lib.cpBodySetUserData
        set_position, new_circle, set_filter = (lib.cpBodySetPosition, lib.cpCircleShapeNew,
                                                lib.cpShapeSetFilter)
        add_body, add_shape = lib.cpSpaceAddBody, lib.cpSpaceAddShape
        inf, origin, cast = float("inf"), (0.0, 0.0), ffi.cast
        for centre in centres:
            body = new_body(1.0, inf)
            count += 1
            set_data(body, cast("void *", count))
            set_position(body, centre)
            shape = new_circle(body, radius, origin)
            set_filter(shape, where)
            add_body(space, body)
            add_shape(space, shape)
            bodies.append(body)
            shapes.append(shape)
        self.movable = count
        self._where = None

    def held(self, shape: str, points, radius: float, where: Filter) -> None:
        """An immovable body at the origin with one shape: a ``"circle"`` of `radius` centred
        at `points` (one point), or a ``"poly"``, the convex hull of `points` rounded by
        `radius` (µm)."""
        body = self._kinematic()
        if shape == "circle":
            made = lib.cpCircleShapeNew(body, radius, points)
        else:
            made = lib.cpPolyShapeNew(body, len(points), points, IDENTITY, radius)
        self._add(body, made, where)

    def _kinematic(self):
        """A new kinematic (immovable) body, as ``pymunk.Body(body_type=KINEMATIC)``."""
        body = lib.cpBodyNewKinematic()
        self._bodies.append(body)
        return body

    def _listing(self) -> np.ndarray:
        """Positions of every body in Chipmunk's order, µm, (all, 2) (a view of the buffer);
        first maps movable body k to its row ``_where[k]`` of that order."""
        fields = pymunk.batch.BodyFields
        self._buf.clear()
        if self._where is None:
            pymunk.batch.get_space_bodies(self, fields.BODY_ID, self._buf)
            ids = np.frombuffer(self._buf.int_buf(), dtype=np.uintp).astype(np.int64)
            listed = np.flatnonzero(ids > 0)
            self._where = np.empty(self.movable, dtype=int)
            self._where[ids[listed] - 1] = listed
            self._flat = np.zeros((len(ids), 2))
            self._buf.clear()
        pymunk.batch.get_space_bodies(self, fields.POSITION, self._buf)
        return np.frombuffer(self._buf.float_buf()).reshape(-1, 2)

    def positions(self) -> np.ndarray:
        """Positions of the movable bodies in the order they were made, µm, (B, 2)."""
        return self._listing()[self._where]

    def step(self, rows: np.ndarray | None = None, forces=None) -> None:
        """Take one step of 1; with `rows` (indices of movable bodies, in making order), first
        set their forces to ``forces(their positions)`` ((R, 2) → (R, 2), µm per step²) and
        every other body's to zero."""
        if rows is not None:
            at = self._listing()
            src = self._where[rows]
            self._flat[src] = forces(at[src])
            self._out.set_float_buf(self._flat.ravel())
            pymunk.batch.set_space_bodies(self, pymunk.batch.BodyFields.FORCE, self._out)
        lib.cpSpaceStep(self._space, 1.0)
