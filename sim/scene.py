"""The Scene: plain data describing what lies on the slide, handed from ``sim`` to ``optics``.

Coordinates are micrometres in the field frame: x to the right, y down, origin at the top-left
corner of the imaged field (cells near the border may lie partly outside it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.classes import CLASS_ID
from sim.morphology import Morphology


def outline_area(radii: np.ndarray) -> float:
    """Area (µm²) of the polygon through outline radii `radii` (µm) at uniform angles."""
    k = radii.size
    cross = np.dot(radii[:-1], radii[1:]) + radii[-1] * radii[0]   # Σ r_i r_{i+1}, cyclic
    return float(0.5 * np.sin(2 * np.pi / k) * cross)


@dataclass
class Cell:
    """One cell on the slide.

    Attributes
    ----------
    index
        Position of the cell in :attr:`Scene.cells`.
    kind
        Class name (see :mod:`sim.classes`).
    centre
        Centre (x, y) in the field frame, µm.
    angle
        Rotation of the cell frame, rad, from +x towards +y (clockwise on screen, y points down).
    z
        Stacking order: a cell with larger `z` lies over one with smaller `z`.
    radii
        Outline radius (µm) at ``len(radii)`` uniform angles of the cell frame (star-shaped outline).
    morphology
        What the cell is made of.
    subject
        Whether this is the cell the field is centred on.
    stack
        Stacking level on the slide: 0 for the monolayer, 1, 2, … for red cells lying over it.
    area_change
        Relative change of the area by settling (the cell pressed by its neighbours).
    """

    index: int
    kind: str
    centre: tuple[float, float]
    angle: float
    z: int
    radii: np.ndarray
    morphology: Morphology
    subject: bool = False
    stack: int = 0
    area_change: float = 0.0

    @property
    def area(self) -> float:
        """Area inside the outline, µm² (polygon through the outline samples)."""
        return outline_area(self.radii)

    def outline(self) -> np.ndarray:
        """Outline polygon in the field frame, µm, shape (K, 2)."""
        theta = np.linspace(0.0, 2 * np.pi, self.radii.size, endpoint=False) + self.angle
        return np.stack([self.centre[0] + self.radii * np.cos(theta),
                         self.centre[1] + self.radii * np.sin(theta)], axis=1)

    def to_dict(self) -> dict:
        """Plain, JSON-ready description of the cell."""
        area = self.area
        return {"index": self.index, "class": self.kind, "class_id": CLASS_ID[self.kind],
                "subject": self.subject, "centre_um": [round(v, 4) for v in self.centre],
                "angle_rad": round(self.angle, 4), "z": self.z, "stack": self.stack,
                "area_change": round(self.area_change, 4),
                "diameter_um": round(2 * float(np.sqrt(area / np.pi)), 4),
                "area_um2": round(area, 4),
                "outline_radii_um": np.round(self.radii, 4).tolist(),
                "morphology": self.morphology.to_dict()}


@dataclass
class Scene:
    """Everything on the imaged field.

    Attributes
    ----------
    width, height
        Size of the imaged field, µm.
    cells
        All cells, in drawing order of their index (see :attr:`Cell.z` for stacking).
    stats
        Figures the simulation measured on itself (e.g. achieved coverage).
    """

    width: float
    height: float
    cells: list[Cell]
    stats: dict = field(default_factory=dict)
