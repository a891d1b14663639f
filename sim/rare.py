"""Rare and leukaemic white cells: the features normal cells lack, and each class's textbook
morphology.

The classes (:data:`sim.classes.PATHOLOGICAL_WHITE`) are described in B. J. Bain, *Blood Cells:
A Practical Guide*, 5th ed., Wiley 2015 (ch. 3 and 9) and the WHO classification of
haematolymphoid tumours (5th ed., 2022); figures not given there are taken from the ASH Image
Bank and hematologyoutlines.com atlas entries named beside them. Each class is a
:class:`~sim.config.CellType` (size, nucleus, chromatin, cytoplasm, granules) plus the
:class:`Features` below, rendered by :mod:`sim.pathology`. Sizes are of the cell as it lies flat
in a smear; ``nucleus_fraction`` is the nuclear area / cell area (the N:C ratio by area).
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.schema import check_ranges, param


@dataclass(frozen=True)
class Features:
    """Morphological features of pathological white cells (their cell-to-cell spread is the
:class:`~sim.config.CellType`'s ``spread``)."""

    nucleus_edge: float = param(0.0, "", "least shift of the nucleus from the centre, as a "
                                "fraction of the room it has (0: as the class's eccentricity "
                                "gives; plasma cell: an eccentric nucleus that often touches the "
                                "membrane, Bain 2015)", 0.0, 1.0)
    auer_rods: float = param(0.0, "", "fraction of cells holding Auer rods (rods of fused "
                             "azurophilic granules, AML and APL; Bain 2015)", 0.0, 1.0)
    auer_extra: float = param(0.3, "", "mean number of Auer rods beyond the first in a cell "
                              "that has them (Poisson)", 0.0, 10.0)
    auer_length: tuple[float, ...] = param((1.5, 5.0), "µm", "least and largest length of an "
                                           "Auer rod", 0.2, 12.0, length=2)
    auer_width: float = param(0.45, "µm", "width of an Auer rod", 0.1, 2.0)
    auer_stain: float = param(4.0, "", "concentration of the azurophilic material in a rod "
                              "(see sim.pathology.ROD_STAINS)", 0.0, 10.0)
    faggot: float = param(0.0, "", "fraction of cells that are faggot cells: a bundle of Auer "
                          "rods, like sticks of firewood (hypergranular APL; Bain 2015)", 0.0, 1.0)
    faggot_rods: tuple[int, ...] = param((6, 16), "", "least and largest number of rods in a "
                                         "faggot cell's bundle", 1, 60, length=2)
    hairs: float = param(0.0, "", "mean number of hair-like cytoplasmic projections around the "
                         "cell (hairy cell leukaemia; 0: none)", 0.0, 200.0)
    hair_length: float = param(2.0, "µm", "longest projection, from the cell body's edge: the "
                               "cell's diameter includes twice this", 0.2, 6.0)
    hair_width: float = param(0.3, "µm", "width (and thickness) of one projection", 0.05, 1.5)
    golgi: float = param(0.0, "", "fraction of the cytoplasmic stain missing in the pale "
                         "perinuclear Golgi zone (plasma cell 'hof')", 0.0, 1.0)
    golgi_size: float = param(0.8, "", "half-length of the Golgi zone along the nucleus, in "
                              "nuclear radii", 0.1, 2.0)
    edge_azure: float = param(0.0, "", "relative excess of basophilic (azure) stain at the "
                              "cytoplasm's edge (reactive lymphocytes: blue deepening towards "
                              "the margin)", 0.0, 10.0)
    edge_width: float = param(1.5, "µm", "depth over which the edge basophilia falls by 1/e",
                              0.1, 10.0)
    spreading: float = param(0.0, "", "fraction of its radius the cell lacks as it lands: the "
                             "red cells settle round the smaller cell, whose cytoplasm then "
                             "spreads back to its full area around them (0: lands at full "
                             "size)", 0.0, 0.3)
    stiffness: float = param(1.0, "", "factor on the packing's white-cell ring stiffness "
                             "(sim.packing.wbc_stretch and wbc_bending): below 1 the outline "
                             "yields to the red cells pressing on it", 0.001, 1.0)
    ring_nodes: int = param(0, "", "nodes in the cell's ring in the packing, enough for its "
                            "outline to follow the red cells it wraps round (0: "
                            "sim.packing.ring_nodes)", 0, 96)

    def check(self, path: str) -> None:
        check_ranges(self, path, ("auer_length", "faggot_rods"))


def _alike(sigma: float) -> dict:
    """A spread of σ `sigma` on the nucleus fraction, chromatin, cytoplasm and granules alike
    (textbooks give ranges, not how each varies; chosen by eye)."""
    return dict(nucleus_fraction=sigma, chromatin=sigma, cytoplasm=sigma, granules=sigma)


DEFAULTS: dict[str, dict] = {
    # myeloblast: 15-20 µm (ASH Image Bank 60924), high N:C, round or oval nucleus with fine open
    # chromatin and 1-4 nucleoli, scant pale-to-moderately basophilic cytoplasm, no or few
    # granules, Auer rods in some blasts (Bain 2015 ch. 9; Auer rods in ~30 % of AML cases)
    "myeloblast": dict(
        diameter=16.0, diameter_sd=1.8, roundness=0.05, nucleus=dict(round=2.0, oval=1.0),
        nucleus_fraction=0.72, eccentricity=0.3, chromatin=0.42, chromatin_texture=0.25,
        parachromatin=0.35, chromatin_grain=0.45, chromatin_rim=0.4, nucleus_roughness=0.15,
        azure=0.2, eosin=0.05, granules=2.0, granule_size=0.35, granule_coverage=0.02,
        nucleoli=2.5, spread=_alike(0.1),
        features=dict(auer_rods=0.15)),
    # lymphoblast: small to medium (10-14 µm, L1 about twice a red cell), very scant basophilic
    # cytoplasm, fine but denser chromatin than a myeloblast, nucleoli absent or inconspicuous,
    # never granules or Auer rods (Bain 2015 ch. 9)
    "lymphoblast": dict(
        diameter=11.5, diameter_sd=1.5, roundness=0.04, nucleus=dict(round=1.0),
        nucleus_fraction=0.88, eccentricity=0.1, chromatin=0.65, chromatin_texture=0.35,
        parachromatin=0.3, chromatin_grain=0.45, chromatin_rim=0.8, nucleus_roughness=0.2,
        azure=0.22, eosin=0.05, nucleoli=0.6, spread=_alike(0.08)),
    # hypergranular APL promyelocyte: large, cytoplasm packed with coarse red-purple azurophilic
    # granules that can hide the nucleus; nucleus often bilobed or reniform ("butterfly");
    # Auer rods, faggot cells holding bundles of them (Bain 2015 ch. 9; WHO APL with PML::RARA)
    "apl_promyelocyte": dict(
        diameter=19.0, diameter_sd=2.2, roundness=0.06, nucleus=dict(lobed=2.0, kidney=1.0),
        nucleus_fraction=0.45, eccentricity=0.3, lobes=(2, 2), lobe_length=1.25, lobe_gap=0.1,
        lobe_kink=(0.2, 0.8), chromatin=0.4, chromatin_texture=0.4, parachromatin=0.35,
        chromatin_grain=0.55, nucleus_roughness=0.2, azure=0.12, eosin=0.1, granules=3.2,
        granule_size=0.6, granule_coverage=0.62, nucleoli=0.5,
        spread=_alike(0.12),
        features=dict(auer_rods=0.3, auer_extra=1.0, faggot=0.1)),
    # hairy cell: 10-14 µm body, 1.5-2x a small lymphocyte; oval or bean-shaped nucleus with
    # dispersed chromatin and inconspicuous nucleoli; moderate, pale blue-grey cytoplasm with
    # fine circumferential hair-like projections (Bain 2015 ch. 9; webpathology.com 37304;
    # pathologyoutlines.com "Hairy cell leukemia")
    "hairy_cell": dict(
        diameter=15.5, diameter_sd=1.5, roundness=0.08, nucleus=dict(oval=2.0, kidney=1.0),
        nucleus_fraction=0.38, eccentricity=0.4, chromatin=0.45, chromatin_texture=0.4,
        parachromatin=0.3, chromatin_grain=0.6, chromatin_rim=1.0, nucleus_roughness=0.15,
        azure=0.07, eosin=0.06, spread=_alike(0.1),
        features=dict(hairs=70.0, hair_length=1.6, hair_width=0.35)),
    # reactive (variant) lymphocyte: large (15-30 µm), abundant cytoplasm that deepens to blue at
    # the margin and flows around neighbouring red cells, indented by them ("scalloped"), nucleus
    # round to irregular with less condensed chromatin (Bain 2015 ch. 3, infectious
    # mononucleosis). Scalloping: the cell lands 15 % smaller and spreads round the red cells,
    # its ring a hundredth as stiff as a lymphocyte's, with a node every 1.2 µm. Chosen by
    # measuring field-preset fields (tests/test_scalloping.py, seeds 0-23): where red cells
    # touch it the outline sinks a median 0.40 µm below its convex hull (a lymphocyte's 0.001;
    # without spreading 0.14; with 16 nodes red cells sank up to 0.75 µm beyond the overlap
    # allowance; landing at full size instead trapped red cells inside the ring)
    "reactive_lymphocyte": dict(
        diameter=19.0, diameter_sd=3.0, roundness=0.12, nucleus=dict(round=2.0, oval=1.0,
                                                                     kidney=1.0),
        nucleus_fraction=0.28, eccentricity=0.6, chromatin=0.55, chromatin_texture=0.6,
        parachromatin=0.3, chromatin_grain=0.6, chromatin_rim=1.5, nucleus_roughness=0.3,
        azure=0.1, eosin=0.04, spread=_alike(0.12),
        features=dict(edge_azure=3.0, edge_width=1.5, spreading=0.15, stiffness=0.01,
                      ring_nodes=48)),
    # large granular lymphocyte: larger than a small lymphocyte (12-16 µm), more abundant pale
    # cytoplasm with a few coarse azurophilic granules, round or slightly indented nucleus
    # (Bain 2015 ch. 3; ~10-15 % of normal lymphocytes)
    "large_granular_lymphocyte": dict(
        diameter=13.5, diameter_sd=1.2, roundness=0.05, nucleus=dict(round=2.0, kidney=1.0),
        nucleus_fraction=0.42, eccentricity=0.6, chromatin=0.65, chromatin_texture=0.8,
        parachromatin=0.25, chromatin_grain=0.6, chromatin_rim=2.0, nucleus_roughness=0.1,
        azure=0.08, eosin=0.06, granules=3.0, granule_size=0.6, granule_coverage=0.06,
        granule_zone=0.9, spread=_alike(0.1)),
    # plasma cell: oval, 8-15 µm, eccentric round nucleus with coarse peripheral "clock-face"
    # chromatin clumps, strongly basophilic cytoplasm, pale perinuclear Golgi zone (Bain 2015
    # ch. 3 and 9)
    "plasma_cell": dict(
        diameter=12.5, diameter_sd=1.5, roundness=0.15, nucleus=dict(round=3.0, oval=1.0),
        nucleus_fraction=0.3, eccentricity=1.0, chromatin=0.6, chromatin_texture=0.9,
        parachromatin=0.4, chromatin_grain=1.2, chromatin_rim=2.5, nucleus_roughness=0.1,
        azure=0.32, eosin=0.04, spread=_alike(0.1),
        features=dict(nucleus_edge=0.6, golgi=0.7,
                                               golgi_size=0.8)),
    # smudge (basket) cell: a lymphocyte ruptured in spreading, a shapeless thin smear of
    # nuclear chromatin without cytoplasm, often net-like (Bain 2015 ch. 9, chronic lymphocytic
    # leukaemia)
    "smudge_cell": dict(
        diameter=13.0, diameter_sd=2.5, roundness=0.2, thickness=1.2,
        nucleus=dict(round=1.0, oval=1.0), nucleus_fraction=0.9, eccentricity=0.0,
        chromatin=0.6, chromatin_texture=0.5, parachromatin=0.55, chromatin_grain=1.4,
        chromatin_rim=0.0, nucleus_roughness=1.0, outline_grain=5.0,
        spread=_alike(0.2)),
}
"""Defaults of each pathological class: :class:`~sim.config.CellType` fields and ``features``."""
