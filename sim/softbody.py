"""Ring mechanics of a deformable cell: the forces on a closed ring of nodes, vectorised over cells.

A cell is modelled as a closed ring of ``N`` nodes (unit mass) joined by edge springs, with a
bending term and an area (pressure) term, the classic 2D soft-body cell of vertex and
ring-polymer models (e.g. Boal, *Mechanics of the Cell*, 2nd ed., CUP 2012, ch. 5; the area term
is the 2D analogue of a red cell's nearly fixed volume and membrane area). Contacts between cells
are not handled here: :mod:`sim.rings` gives every node a pymunk circle and lets Chipmunk
resolve them.

Time is counted in physics steps and node mass is 1, so every stiffness is the squared angular
frequency of its mode per step² (dimensionless); an explicit (symplectic Euler) step is stable
for values well below 1. The rings of one :class:`Rings` share the node count, so their state
is an array ``(C, N, 2)`` in µm.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from sim.morphology import relative_radius

NODE_OVERLAP = 1.0
"""Radius of a node's contact circle / node spacing at rest: above ½ the circles of one ring
overlap, closing it; at 1 even a vanishing neighbour sinks into the valley between two circles
by at most 0.13 spacing."""


MAX_PUSH = 0.1
"""Largest force on a node, as a fraction of the ring's rest node spacing per step²: a cap that
normal settling never reaches (forces there are a few per cent) but that keeps a ring from
exploding when it is stiff or hard pressed."""


TURN = np.array([1.0, -1.0])
"""Factors that turn a vector (x, y), reversed to (y, x), by −90°: (y, −x)."""


@lru_cache(maxsize=16)
def _shifted(n: int, shift: int) -> np.ndarray:
    """Indices ``(i + shift) mod n`` of a ring of `n` nodes (made once per ring size)."""
    return (np.arange(n) + shift) % n


def _next(p: np.ndarray, shift: int = 1) -> np.ndarray:
    """Ring arrays ``(C, N, ...)`` shifted so that entry i holds node i + `shift` (cyclic);
    ``take`` with an index array is several times faster than ``np.roll`` on these small arrays."""
    return p.take(_shifted(p.shape[1], shift), axis=1)


def signed_area(p: np.ndarray) -> np.ndarray:
    """Signed area of every ring (shoelace), µm², shape (C,); positive when the nodes run from
    +x towards +y, negative for an inverted ring."""
    q = _next(p)
    return 0.5 * np.sum(p[..., 0] * q[..., 1] - q[..., 0] * p[..., 1], axis=-1)


def centroid(p: np.ndarray) -> np.ndarray:
    """Area centroid of every ring, µm, shape (C, 2)."""
    x, y = p[..., 0], p[..., 1]
    q = _next(p)
    xn, yn = q[..., 0], q[..., 1]
    cross = x * yn - xn * y
    a = 0.5 * cross.sum(axis=-1)
    return np.stack([((x + xn) * cross).sum(-1), ((y + yn) * cross).sum(-1)], -1) / (6 * a[:, None])


def _frame(p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Discrete Laplacian of every node and the unit tangent and outward normal there."""
    prev, nxt = _next(p, -1), _next(p)
    lap = prev + nxt - 2 * p
    t = nxt - prev
    t /= np.maximum(np.linalg.norm(t, axis=-1, keepdims=True), 1e-12)
    n = t[..., ::-1] * TURN
    return lap, t, n


@dataclass
class Rings:
    """Rest state and stiffness of ``C`` rings of ``N`` nodes.

    Attributes
    ----------
    edge
        Rest length of the edge from node i to node i+1, µm, (C, N).
    area
        Rest area enclosed by the node polygon, µm², (C,).
    bend
        Rest Laplacian of each node in its own (tangent, normal) frame, µm, (C, N, 2).
    stretch, bending, pressure
        Stiffness of the edge springs, the bending term and the area term per cell (C,),
        squared angular frequency per step² of a single edge, a single node's bend and the
        uniform breathing mode.
    """

    edge: np.ndarray
    area: np.ndarray
    bend: np.ndarray
    stretch: np.ndarray
    bending: np.ndarray
    pressure: np.ndarray

    @classmethod
    def at_rest(cls, p: np.ndarray, stretch, bending, pressure) -> "Rings":
        """Rings whose rest state is `p` (C, N, 2), µm; stiffnesses per cell or scalars."""
        c = p.shape[0]
        edge = np.linalg.norm(_next(p) - p, axis=-1)
        lap, t, n = _frame(p)
        bend = np.stack([(lap * t).sum(-1), (lap * n).sum(-1)], axis=-1)
        full = [np.broadcast_to(np.asarray(v, dtype=float), (c,)) for v in (stretch, bending, pressure)]
        return cls(edge, signed_area(p), bend, *full)

    def __post_init__(self) -> None:
        spacing = np.mean(self.edge, axis=1)
        # area-term coefficient, 1/µm² per step²: `pressure` is the stiffness of the breathing
        # mode, since a uniform outward shift δ changes the area by ≈ N·s·δ
        self.kappa = self.pressure / (self.edge.shape[1] * spacing ** 2)
        self.cap = MAX_PUSH * spacing[:, None]

    def subset(self, rows: np.ndarray) -> "Rings":
        """The rings of the given rows."""
        return Rings(*(getattr(self, f)[rows] for f in
                       ("edge", "area", "bend", "stretch", "bending", "pressure")))

    def forces(self, p: np.ndarray) -> np.ndarray:
        """Force on every node (µm per step², unit mass), shape (C, N, 2), at positions `p`."""
        prev, nxt = _next(p, -1), _next(p)
        e = nxt - p
        length = np.maximum(np.sqrt(np.einsum("cnk,cnk->cn", e, e)), 1e-12)
        f = (self.stretch[:, None] * (length - self.edge) / length)[..., None] * e
        force = f - _next(f, -1)
        lap = prev + nxt - 2 * p
        chord = nxt - prev
        t = chord / np.maximum(np.sqrt(np.einsum("cnk,cnk->cn", chord, chord)), 1e-12)[..., None]
        n = t[..., ::-1] * TURN
        force += self.bending[:, None, None] * (lap - self.bend[..., :1] * t - self.bend[..., 1:] * n)
        # area term: F = -κ (A - A0) ∂A/∂p with ∂A/∂p_i = ½ (y_{i+1} − y_{i−1}, x_{i−1} − x_{i+1})
        grad = 0.5 * chord[..., ::-1] * TURN
        area = 0.5 * np.sum(p[..., 0] * nxt[..., 1] - nxt[..., 0] * p[..., 1], axis=-1)
        force -= (self.kappa * (area - self.area))[:, None, None] * grad
        # safety net against explicit-step instability (stiff settings, hard jams): no node is
        # pushed further than MAX_PUSH of its rest spacing in one step
        size = np.sqrt(np.einsum("cnk,cnk->cn", force, force))
        force *= (self.cap / np.maximum(size, self.cap))[..., None]
        return force


def resample(p: np.ndarray, rest_angle: np.ndarray, angle0: np.ndarray, offset: np.ndarray,
             k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Star-shaped outline of every ring: centre, cell-frame angle and `k` radii.

    Parameters
    ----------
    p
        Node positions in the field frame, µm, (C, N, 2).
    rest_angle
        Angle of each node about the centre at rest, in the cell frame, rad, (N,).
    angle0
        Cell-frame angle at rest, rad, (C,).
    offset
        Distance from the node ring out to the outline, µm, (C,).
    k
        Outline samples per cell.

    Returns
    -------
    centre : (C, 2) area centroid of the ring, µm
    angle : (C,) cell-frame angle: the rest angle plus the ring's mean rotation, rad
    radii : (C, k) outline radius at uniform angles of the cell frame, µm
    """
    centre = centroid(p)
    d = p - centre[:, None]
    phi = np.arctan2(d[..., 1], d[..., 0])
    turn = np.angle(np.mean(np.exp(1j * (phi - rest_angle - angle0[:, None])), axis=1))
    angle = angle0 + turn
    r = np.hypot(d[..., 0], d[..., 1])
    theta = (phi - angle[:, None]) % (2 * np.pi)
    grid = np.linspace(0.0, 2 * np.pi, k, endpoint=False)
    radii = np.stack([np.interp(grid, th, rr, period=2 * np.pi) for th, rr in zip(theta, r)])
    return centre, angle, radii + offset[:, None]


NUCLEUS_ROOM = 0.92
"""Largest relative radius ρ (see :func:`sim.morphology.relative_radius`) a nucleus may reach in
a squashed cell: it keeps a rim of cytoplasm of about 8 % of the radius."""


def fit_inside(ellipses: np.ndarray, radii: np.ndarray, samples: int = 64) -> np.ndarray:
    """Nucleus ellipses ``(cx, cy, a, b, theta)`` (cell frame, µm) shrunk about the cell centre
    just enough to stay within ``NUCLEUS_ROOM`` of the outline `radii`; unchanged if they fit."""
    if len(ellipses) == 0:
        return ellipses
    t = np.linspace(0.0, 2 * np.pi, samples, endpoint=False)
    cx, cy, a, b, th = (ellipses[:, i:i + 1] for i in range(5))
    u, v = a * np.cos(t), b * np.sin(t)
    x, y = cx + u * np.cos(th) - v * np.sin(th), cy + u * np.sin(th) + v * np.cos(th)
    reach = float(relative_radius(radii, x, y).max())
    if reach <= NUCLEUS_ROOM:
        return ellipses
    out = ellipses.copy()
    out[:, :4] *= NUCLEUS_ROOM / reach
    return out
