"""Red-cell kinds (poikilocytes and anisochromic cells) as deformations of the normal red cell,
and the mix of kinds among a field's red cells.

Each kind of :data:`sim.classes.RED_KINDS` is a :class:`RedShape`: how its outline and thickness
profile depart from the normal red cell of ``sim.cells.rbc`` (drawn and rendered by
:mod:`sim.erythro`), so retuning the normal red cell carries every kind with it. The shapes are
Bain's (*Blood Cells: A Practical Guide*, 5th ed., Wiley 2015, ch. 3) and the ICSH
recommendations (Palmer et al., Int. J. Lab. Hematol. 37:287, 2015; schistocytes: Zini et al.,
Int. J. Lab. Hematol. 34:107, 2012); numbers that the texts give only in words are chosen by eye
and marked so.
"""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass

from sim.schema import build, check_ranges, param, section
from sim.weights import WeightTable


@dataclass(frozen=True)
class RedShape:
    """How one red-cell kind departs from the normal red cell (every value relative to it, or a
    shape that the normal cell lacks). Ranges ``(lo, hi)`` are drawn uniformly per cell."""

    size: float = param(1.0, "", "diameter relative to the normal red cell's (of the body, "
                        "spicules beyond it)", 0.2, 3.0)
    thickness: float = param(1.0, "", "peak thickness relative to the normal red cell's",
                             0.2, 3.0)
    haemoglobin: float = param(1.0, "", "haemoglobin concentration relative to the normal "
                               "red cell's (MCHC)", 0.1, 3.0)
    pallor: float = param(1.0, "", "centre thickness coefficient relative to the normal red "
                          "cell's (below 1: a larger, paler central pallor)", 0.0, 10.0)
    sphericity: float = param(0.0, "", "blend of the biconcave profile towards a sphere cap "
                              "(1: no central pallor)", 0.0, 1.0)
    target: float = param(0.0, "", "height of a central haemoglobinised spot, in peak "
                          "thicknesses (target cell)", 0.0, 2.0)
    target_width: float = param(0.28, "", "radius of the central spot, in cell radii", 0.05, 0.6)
    slit: float = param(0.0, "", "depth of a slit-like central pallor, in peak thicknesses "
                        "(stomatocyte)", 0.0, 1.0)
    elongation: tuple[float, ...] = param((1.0, 1.0), "", "least and largest ratio of the short "
                                          "to the long axis of the outline", 0.1, 1.0, length=2)
    bend: tuple[float, ...] = param((0.0, 0.0), "", "least and largest bend of the long axis "
                                    "(sag of its ends, in long semi-axes: sickle cell)",
                                    0.0, 1.0, length=2)
    tail: tuple[float, ...] = param((0.0, 0.0), "", "least and largest length of a tapering "
                                    "tail, in cell radii (dacrocyte)", 0.0, 2.0, length=2)
    cuts: tuple[int, ...] = param((0, 0), "", "least and largest number of straight cut edges "
                                  "(fragments, helmet cells)", 0, 3, length=2)
    cut_depth: tuple[float, ...] = param((0.0, 0.5), "", "least and largest distance of a cut "
                                         "from the centre, in cell radii", -0.5, 1.0, length=2)
    spicules: tuple[int, ...] = param((0, 0), "", "least and largest number of spicules around "
                                      "the cell", 0, 60, length=2)
    spicule_length: tuple[float, ...] = param((0.6, 1.0), "µm", "least and largest spicule "
                                              "length", 0.1, 4.0, length=2)
    spicule_width: float = param(0.7, "µm", "width of a spicule at its base", 0.1, 3.0)
    spicule_taper: float = param(1.0, "", "share of a spicule's width lost by its tip (1: "
                                 "pointed, echinocyte; small: blunt, acanthocyte)", 0.0, 1.0)
    spicule_jitter: float = param(0.1, "", "irregularity of the spicules' spacing, in spacings "
                                  "(0: even, echinocyte; 0.5: uneven, acanthocyte)", 0.0, 0.5)

    def check(self, path: str) -> None:
        check_ranges(self, path, ("elongation", "bend", "tail", "cuts", "cut_depth", "spicules",
                                  "spicule_length"))


DEFAULTS: dict[str, dict] = {
    # spherocyte: smaller, dense, no central pallor (hereditary spherocytosis; MCHC raised)
    "spherocyte": dict(size=0.8, thickness=1.35, haemoglobin=1.1, sphericity=1.0),
    # target cell (codocyte): a central haemoglobinised spot in the pallor; thinner
    "target_cell": dict(thickness=0.9, pallor=0.4, target=1.0),
    # elliptocyte / ovalocyte: oval to elongated, long axis up to more than twice the short
    "elliptocyte": dict(elongation=(0.4, 0.8)),
    # stomatocyte: a slit-like (mouth-shaped) central pallor, cup-shaped cell
    "stomatocyte": dict(thickness=1.1, sphericity=0.8, slit=0.75),
    # dacrocyte (teardrop): one tapering tail (myelofibrosis)
    "dacrocyte": dict(size=0.95, tail=(0.5, 1.0)),
    # schistocyte: a fragment smaller than a red cell with sharp angles and straight borders
    # (helmet cells, triangles); usually no pallor (ICSH, Zini et al. 2012)
    "schistocyte": dict(size=0.7, sphericity=0.7, cuts=(1, 2), cut_depth=(-0.2, 0.45)),
    # echinocyte (burr cell): 10-30 short, regular spicules evenly spaced around the cell
    "echinocyte": dict(size=1.0, spicules=(10, 30), spicule_length=(0.5, 0.9),
                       spicule_width=0.8, spicule_jitter=0.08),
    # acanthocyte: 2-20 irregular spicules of varying length, unevenly spaced; dense, no pallor
    "acanthocyte": dict(size=0.9, sphericity=0.85, spicules=(2, 20),
                        spicule_length=(0.5, 1.5), spicule_width=0.8, spicule_taper=0.5,
                        spicule_jitter=0.45),
    # sickle cell (drepanocyte): elongated, crescent, pointed ends, dense (HbSS)
    "sickle_cell": dict(size=1.0, sphericity=0.9, haemoglobin=1.1, elongation=(0.2, 0.35),
                        bend=(0.2, 0.5)),
    # macrocyte: larger than normal (MCV > 100 fl)
    "macrocyte": dict(size=1.2, thickness=1.05),
    # microcyte: smaller than normal (MCV < 80 fl)
    "microcyte": dict(size=0.8),
    # hypochromic cell: central pallor wider than a third of the diameter, less haemoglobin
    "hypochromic_cell": dict(haemoglobin=0.6, pallor=0.2),
}
"""Defaults of each red-cell kind (the sizes and depths are chosen by eye against atlas images
where the texts describe them in words)."""


RedCells = make_dataclass(
    "RedCells", [(kind, RedShape, section(lambda kind=kind: build(
        RedShape, DEFAULTS[kind], f"sim.cells.red.{kind}"))) for kind in DEFAULTS], frozen=True,
    namespace={"__module__": __name__, "__doc__": "The shape of every red-cell kind (``sim.cells.red.KIND``), in the "
               "order of :data:`sim.classes.RED_KINDS`; defaults: :data:`DEFAULTS`."})
"""Section of every red-cell kind's :class:`RedShape`."""


@dataclass(frozen=True)
class RedMix(WeightTable):
    """Relative frequency of each red-cell kind among the red cells (default: all normal)."""

    option = "red-cell kind"

    rbc: float = param(1.0, "", "weight of normal red cells", 0.0)
    spherocyte: float = param(0.0, "", "weight of spherocytes", 0.0)
    target_cell: float = param(0.0, "", "weight of target cells", 0.0)
    elliptocyte: float = param(0.0, "", "weight of elliptocytes and ovalocytes", 0.0)
    stomatocyte: float = param(0.0, "", "weight of stomatocytes", 0.0)
    dacrocyte: float = param(0.0, "", "weight of teardrop cells", 0.0)
    schistocyte: float = param(0.0, "", "weight of schistocytes", 0.0)
    echinocyte: float = param(0.0, "", "weight of echinocytes", 0.0)
    acanthocyte: float = param(0.0, "", "weight of acanthocytes", 0.0)
    sickle_cell: float = param(0.0, "", "weight of sickle cells", 0.0)
    macrocyte: float = param(0.0, "", "weight of macrocytes", 0.0)
    microcyte: float = param(0.0, "", "weight of microcytes", 0.0)
    hypochromic_cell: float = param(0.0, "", "weight of hypochromic cells", 0.0)
