"""What a red cell may hold: inclusions (Howell–Jolly bodies, basophilic stippling,
Pappenheimer bodies, the Schüffner's dots and Maurer's clefts of malaria) and malaria parasites.

Parameters are fields of :class:`sim.redshapes.RedShape`; :func:`draw` places a cell's contents
in its frame (µm) and :func:`add` renders them over its haemoglobin as column densities
(concentration × a sphere's chord: twice the depth inside a disc). Parasite morphology follows
the WHO *Bench aids for the diagnosis of malaria infections* (2nd ed., 2000) and Bain 2015: the
Plasmodium falciparum ring a thin circle of 1/5–1/3 of the red cell's diameter with one or two
chromatin dots, trophozoites and schizonts (8–24 merozoites) with hemozoin pigment, crescent
gametocytes; P. vivax in an enlarged cell with Schüffner's dots, an amoeboid trophozoite, 12–24
merozoites and a round gametocyte filling the cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import morphology, texture
from sim.classes import STAINS
from sim.nucleus import depth as ellipse_depth
from sim.redshapes import RedShape

GOLDEN = np.pi * (3.0 - np.sqrt(5.0))
"""Turn between successive points of a sunflower (Vogel) spiral, rad: evenly spread merozoites."""

BODY_THICKNESS = 1.0
"""Thickness of a parasite's cytoplasm, µm (about a red cell's centre; chosen by eye)."""

PIGMENT_DENSITY = 6.0
"""Concentration of hemozoin pigment, in haemoglobin-stain units: brown-black grains (hemozoin
absorbs across the visible, more in the blue, like haemoglobin; chosen by eye)."""

PIGMENT_SIZE = (0.25, 0.5)
"""Least and largest diameter of a pigment grain, µm."""

ROUGH_GRAIN = 1.5
"""Lattice cell of an amoeboid parasite's outline irregularity, µm."""


@dataclass
class Contents:
    """A red cell's inclusions and parasites in its frame (µm): discs and ellipses
    ``(cx, cy, a, b, theta)``, with how they stain."""

    inclusions: np.ndarray
    inclusion_stain: str
    inclusion_density: float
    bodies: np.ndarray
    ring: bool
    ring_width: float
    body_density: float
    roughness: float
    nuclei: np.ndarray
    nucleus_density: float
    pigment: np.ndarray
    offset: tuple[float, float]

    def to_dict(self) -> dict:
        d = dict(vars(self))
        for key in ("inclusions", "bodies", "nuclei", "pigment"):
            d[key] = np.round(d[key], 4).tolist()
        return d


def _discs(n: int, size: tuple[float, float], centre, spread: float,
           rng: np.random.Generator) -> np.ndarray:
    """`n` discs of diameter in `size` (µm) uniformly within `spread` µm of `centre`."""
    r, phi = spread * np.sqrt(rng.random(n)), rng.uniform(0, 2 * np.pi, n)
    d = rng.uniform(*size, n)
    return np.stack([centre[0] + r * np.cos(phi), centre[1] + r * np.sin(phi), d / 2, d / 2,
                     np.zeros(n)], axis=1)


def _count(span: tuple[int, ...], rng: np.random.Generator) -> int:
    return int(rng.integers(span[0], span[1] + 1))


def _parasites(s: RedShape, radius: float, rng: np.random.Generator
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parasite bodies (rings as discs of their radius), their chromatin dots and pigment."""
    bodies, nuclei, pigment = [], [], []
    for _ in range(_count(s.parasites, rng)):
        size = rng.uniform(*s.parasite_size)
        half = (size / 2, size / 2 * rng.uniform(*s.parasite_aspect))
        room = max(0.85 * radius - half[0], 0.0)
        (cx, cy), = _discs(1, (0, 0), (0, 0), room, rng)[:, :2]
        angle = 0.0 if s.elongation[1] < 1 else rng.uniform(0, np.pi)  # along a crescent
        bodies.append((cx, cy, half[0], half[1], angle))
        n = _count(s.nuclei, rng)
        if s.parasite_form == "ring":  # dots on the ring, side by side
            phi = rng.uniform(0, 2 * np.pi) + np.arange(n) * rng.uniform(0.4, 0.9)
            at = np.stack([cx + half[0] * np.cos(phi), cy + half[0] * np.sin(phi)], axis=1)
        else:  # merozoite nuclei spread over the body on a sunflower spiral
            k = np.arange(n)
            r, phi = 0.7 * np.sqrt((k + 0.5) / n), k * GOLDEN + rng.uniform(0, 2 * np.pi)
            u, v = r * half[0] * np.cos(phi), r * half[1] * np.sin(phi)
            at = np.stack([cx + u * np.cos(angle) - v * np.sin(angle),
                           cy + u * np.sin(angle) + v * np.cos(angle)], axis=1)
        d = rng.uniform(*s.nucleus_size, n)
        nuclei += [(x, y, r / 2, r / 2, 0.0) for (x, y), r in zip(at, d)]
        pigment.append(_discs(_count(s.pigment, rng), PIGMENT_SIZE, (cx, cy), 0.7 * half[1],
                              rng))
    return (np.array(bodies).reshape(-1, 5), np.array(nuclei).reshape(-1, 5),
            np.vstack(pigment) if pigment else np.zeros((0, 5)))


def draw(s: RedShape, radius: float, rng: np.random.Generator) -> Contents | None:
    """The contents of one red cell of kind `s` and body radius `radius` (µm); None if the kind
    holds nothing."""
    if s.inclusions[1] == 0 and s.parasites[1] == 0:
        return None
    spread = s.inclusion_spread * 0.8 * radius
    centre = _discs(1, (0, 0), (0, 0), 0.8 * radius - spread, rng)[0, :2]
    inclusions = _discs(_count(s.inclusions, rng), s.inclusion_size, centre, spread, rng)
    bodies, nuclei, pigment = _parasites(s, radius, rng)
    return Contents(inclusions, s.inclusion_stain, s.inclusion_density, bodies,
                    s.parasite_form == "ring", s.ring_width, s.parasite_density,
                    s.parasite_roughness, nuclei, s.nucleus_density, pigment,
                    tuple(float(v) for v in rng.uniform(0, texture.TILE_PX, 2)))


def _chord(discs: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Column length (µm) through a union of spheres of the given discs: twice the depth."""
    if not len(discs):
        return np.zeros(x.shape, dtype=np.float32)
    return 2.0 * np.maximum(ellipse_depth(discs, x, y), 0.0)


def add(c: Contents, dens: np.ndarray, inside: np.ndarray, x: np.ndarray, y: np.ndarray
        ) -> None:
    """Add the contents' column densities to `dens` (stains × points), in place, within the
    cell (`inside`)."""
    cell = inside.astype(np.float32)
    dens[STAINS.index(c.inclusion_stain)] += c.inclusion_density * _chord(c.inclusions, x, y) * cell
    if len(c.bodies):
        if c.ring:
            gap = np.full(x.shape, -np.inf, dtype=np.float32)
            for cx, cy, a, _, _ in c.bodies:
                np.maximum(gap, c.ring_width / 2 - np.abs(np.hypot(x - cx, y - cy) - a), out=gap)
            body = c.ring_width * morphology._inside(gap, c.ring_width / 2)
        else:
            depth = ellipse_depth(c.bodies, x, y)
            if c.roughness > 0:
                depth = depth + c.roughness * texture.sample("chromatin", x, y, ROUGH_GRAIN,
                                                             c.offset)
            body = BODY_THICKNESS * morphology._inside(depth)
        dens[STAINS.index("azure")] += c.body_density * body * cell
    dens[STAINS.index("chromatin")] += c.nucleus_density * _chord(c.nuclei, x, y) * cell
    dens[STAINS.index("haemoglobin")] += PIGMENT_DENSITY * _chord(c.pigment, x, y) * cell
