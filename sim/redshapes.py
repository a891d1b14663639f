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

from sim.classes import STAINS
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
    pallor_width: float = param(1.0, "", "radius of the air-dried cell's central pallor "
                                "relative to the normal red cell's (above 1: a wider pallor)",
                                0.2, 2.5)
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

    inclusions: tuple[int, ...] = param((0, 0), "", "least and largest number of inclusions "
                                        "(dots: Howell-Jolly bodies, stippling, Schüffner's "
                                        "dots; see sim.inclusions)", 0, 400, length=2)
    inclusion_size: tuple[float, ...] = param((0.2, 0.4), "µm", "least and largest inclusion "
                                              "diameter", 0.05, 3.0, length=2)
    inclusion_stain: str = param("chromatin", "", "stain the inclusions take up", choices=STAINS)
    inclusion_density: float = param(1.5, "", "stain concentration of an inclusion", 0.0, 10.0)
    inclusion_spread: float = param(1.0, "", "radius of the patch the inclusions lie in, in "
                                    "0.8 cell radii (1: anywhere; small: a cluster)", 0.0, 1.0)
    parasites: tuple[int, ...] = param((0, 0), "", "least and largest number of malaria "
                                       "parasites in the cell", 0, 8, length=2)
    parasite_form: str = param("ring", "", "a thin ring of cytoplasm, or a solid body "
                               "(trophozoite, schizont, gametocyte)", choices=("ring", "body"))
    parasite_size: tuple[float, ...] = param((1.5, 2.0), "µm", "least and largest diameter "
                                             "(long axis) of a parasite", 0.3, 15.0, length=2)
    parasite_aspect: tuple[float, ...] = param((1.0, 1.0), "", "least and largest short / long "
                                               "axis of a body", 0.1, 1.0, length=2)
    ring_width: float = param(0.35, "µm", "width of a ring's cytoplasm", 0.05, 2.0)
    parasite_density: float = param(0.5, "", "basophilic (azure) concentration of the parasite's "
                                    "cytoplasm", 0.0, 5.0)
    parasite_roughness: float = param(0.0, "µm", "rms excursion of an amoeboid body's outline",
                                      0.0, 2.0)
    nuclei: tuple[int, ...] = param((1, 1), "", "least and largest number of chromatin dots per "
                                    "parasite (merozoites of a schizont)", 0, 40, length=2)
    nucleus_size: tuple[float, ...] = param((0.4, 0.7), "µm", "least and largest diameter of a "
                                            "chromatin dot", 0.05, 4.0, length=2)
    nucleus_density: float = param(2.5, "", "chromatin concentration of a dot", 0.0, 10.0)
    pigment: tuple[int, ...] = param((0, 0), "", "least and largest number of hemozoin pigment "
                                     "grains per parasite", 0, 60, length=2)

    def check(self, path: str) -> None:
        check_ranges(self, path, ("elongation", "bend", "tail", "cuts", "cut_depth", "spicules",
                                  "spicule_length", "inclusions", "inclusion_size", "parasites",
                                  "parasite_size", "parasite_aspect", "nuclei", "nucleus_size",
                                  "pigment"))


DEFAULTS: dict[str, dict] = {
    # spherocyte: smaller, dense, no central pallor (hereditary spherocytosis; MCHC raised)
    "spherocyte": dict(size=0.8, thickness=1.35, haemoglobin=1.1, sphericity=1.0),
    # target cell (codocyte): a central haemoglobinised spot in the pallor; thinner
    "target_cell": dict(thickness=0.9, pallor=0.4, pallor_width=1.45, target=1.0),
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
    "hypochromic_cell": dict(haemoglobin=0.6, pallor=0.2, pallor_width=1.4),
    # inclusions (Bain 2015 ch. 3): a Howell-Jolly body is a round nuclear remnant about 1 µm
    # across, usually one, off-centre; basophilic stippling many fine blue dots (RNA) all over
    # the cell; Pappenheimer bodies a few small basophilic (iron) granules clustered near the edge
    "howell_jolly": dict(inclusions=(1, 2), inclusion_size=(0.7, 1.2), inclusion_density=1.6),
    "basophilic_stippling": dict(inclusions=(30, 80), inclusion_size=(0.2, 0.4),
                                 inclusion_stain="azure", inclusion_density=3.0),
    "pappenheimer": dict(inclusions=(2, 8), inclusion_size=(0.3, 0.6), inclusion_stain="azure",
                         inclusion_density=2.0, inclusion_spread=0.3),
    # malaria (WHO Bench aids 2000): P. falciparum in a cell of normal size; rings thin, 1/5-1/3
    # of the cell, often two per cell and two chromatin dots; Maurer's clefts (red dots) in
    # older stages; pigment; crescent gametocytes that stretch the cell
    "pf_ring": dict(parasites=(1, 2), parasite_size=(1.4, 2.4), ring_width=0.3, nuclei=(1, 2),
                    nucleus_size=(0.35, 0.6)),
    "pf_trophozoite": dict(parasites=(1, 1), parasite_form="body", parasite_size=(2.2, 3.2),
                           parasite_aspect=(0.7, 1.0), pigment=(2, 6), inclusions=(0, 8),
                           inclusion_size=(0.3, 0.6), inclusion_density=1.0,
                           parasite_density=0.35),
    "pf_schizont": dict(parasites=(1, 1), parasite_form="body", parasite_size=(4.0, 5.5),
                        parasite_aspect=(0.8, 1.0), parasite_density=0.3, nuclei=(8, 24),
                        nucleus_size=(0.45, 0.65), pigment=(1, 3)),
    "pf_gametocyte": dict(size=1.15, sphericity=0.6, elongation=(0.3, 0.45), bend=(0.1, 0.25),
                          parasites=(1, 1), parasite_form="body", parasite_size=(8.0, 10.0),
                          parasite_aspect=(0.3, 0.4), nucleus_size=(1.4, 2.2),
                          nucleus_density=1.2, pigment=(6, 15), parasite_density=0.35),
    # P. vivax: the cell enlarged up to 1.5x, paler, with Schüffner's dots; ring about 1/3 of
    # the cell; amoeboid trophozoite; 12-24 merozoites; round gametocyte filling the cell
    "pv_ring": dict(size=1.15, haemoglobin=0.9, parasites=(1, 1), parasite_size=(2.5, 3.5),
                    ring_width=0.45, nucleus_size=(0.5, 0.8), inclusions=(0, 30),
                    inclusion_stain="eosin", inclusion_density=3.0),
    "pv_trophozoite": dict(size=1.35, haemoglobin=0.8, parasites=(1, 1), parasite_form="body",
                           parasite_size=(4.0, 6.0), parasite_aspect=(0.5, 0.9),
                           parasite_roughness=0.6, pigment=(3, 10), inclusions=(40, 100),
                           inclusion_stain="eosin", inclusion_density=3.0,
                           parasite_density=0.35),
    "pv_schizont": dict(size=1.4, haemoglobin=0.8, parasites=(1, 1), parasite_form="body",
                        parasite_size=(8.0, 9.5), parasite_aspect=(0.85, 1.0),
                        parasite_density=0.3, nuclei=(12, 24), nucleus_size=(0.5, 0.7),
                        pigment=(1, 3), inclusions=(40, 100), inclusion_stain="eosin",
                        inclusion_density=3.0),
    "pv_gametocyte": dict(size=1.4, haemoglobin=0.8, parasites=(1, 1), parasite_form="body",
                          parasite_size=(8.5, 10.0), parasite_aspect=(0.85, 1.0),
                          nucleus_size=(1.5, 2.5), nucleus_density=1.5, pigment=(10, 25),
                          inclusions=(40, 100), inclusion_stain="eosin", inclusion_density=3.0,
                          parasite_density=0.35),
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
    howell_jolly: float = param(0.0, "", "weight of cells with Howell-Jolly bodies", 0.0)
    basophilic_stippling: float = param(0.0, "", "weight of cells with basophilic stippling", 0.0)
    pappenheimer: float = param(0.0, "", "weight of cells with Pappenheimer bodies", 0.0)
    pf_ring: float = param(0.0, "", "weight of P. falciparum ring stages", 0.0)
    pf_trophozoite: float = param(0.0, "", "weight of P. falciparum trophozoites", 0.0)
    pf_schizont: float = param(0.0, "", "weight of P. falciparum schizonts", 0.0)
    pf_gametocyte: float = param(0.0, "", "weight of P. falciparum gametocytes", 0.0)
    pv_ring: float = param(0.0, "", "weight of P. vivax ring stages", 0.0)
    pv_trophozoite: float = param(0.0, "", "weight of P. vivax trophozoites", 0.0)
    pv_schizont: float = param(0.0, "", "weight of P. vivax schizonts", 0.0)
    pv_gametocyte: float = param(0.0, "", "weight of P. vivax gametocytes", 0.0)
