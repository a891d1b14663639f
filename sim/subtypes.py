"""Classes whose cells come in sub-types, each its own :class:`sim.celltype.CellType` drawn with
the weights of a table: the maturation stages of immature granulocytes and of erythroblasts,
small and large lymphocytes (B. J. Bain, *Blood Cells: A Practical Guide*, 5th ed., Wiley 2015,
ch. 3), fitted to the PBC reference (lengths in µm, concentrations relative).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sim.celltype import CYTOPLASM_TEXTURE, HUE_TEXTURE, CellType, NucleusShapes, Spread
from sim.schema import param, section
from sim.weights import WeightTable

IG_STAGES = ("promyelocyte", "myelocyte", "metamyelocyte")
"""Maturation stages of the immature granulocytes (class ``ig``)."""

IG_SPREAD = Spread(nucleus_fraction=0.1, chromatin=0.05, cytoplasm=0.1, hue=0.05, granules=0.1)
"""Cell-to-cell spread of every ``ig`` stage (PBC ig: σ of log N:C 0.33, cytoplasm OD 0.12, the
cytoplasm's red share of OD 0.020)."""

IG_COUPLING = 0.3
"""``nucleus_coupling`` of every ``ig`` stage. A nucleus's size follows its cell's less than a
fixed N:C ratio would have it (see sim.config.CellTypes.neutrophil): σ of the log nucleus
diameter of the PBC ig 0.113 against the cell's 0.171; at coupling 1 and a nucleus-fraction
spread of 0.15 ours was 0.191, now 0.131 (N:C 0.372, PBC 0.332; tests/bench/morphometry.py)."""


IG_PLACEMENT = {"eccentricity": 1.0, "eccentricity_least": 0.5, "nucleus_reach": 1.0}
"""Where the nucleus of every ``ig`` stage lies: pressed towards the membrane, which it may touch
(PBC ig: nucleus offset, centroid to centroid over the cell's equivalent radius, median 0.172;
0.049 at eccentricity 0.6-1 of a reach of 0.93, now 0.168; export.realism.morphometry)."""


class SubTypes:
    """Base of the frozen config dataclass of a class whose cells come in sub-types (maturation
    stages, sizes), each a :class:`CellType` field named for it; the field named by ``mix`` holds
    their weight table."""

    mix = "stages"

    def draw(self, rng) -> str:
        """One sub-type drawn with the table's weights."""
        return getattr(self, self.mix).draw(rng)


@dataclass(frozen=True)
class StageMix(WeightTable):
    """Relative frequency of each maturation stage among immature granulocytes (default: the
    file-name prefixes of the PBC sample in ``shared/reference/pbc``: PMY 2, MY 14, MMY 9)."""

    option = "stage"

    promyelocyte: float = param(2.0, "", "weight of promyelocytes", 0.0)
    myelocyte: float = param(14.0, "", "weight of myelocytes", 0.0)
    metamyelocyte: float = param(9.0, "", "weight of metamyelocytes", 0.0)


@dataclass(frozen=True)
class ImmatureGranulocytes(SubTypes):
    """The ``ig`` class, one morphology per maturation stage (Bain 2015 ch. 3): the promyelocyte
    (large; round or oval nucleus with fine chromatin and nucleoli; basophilic cytoplasm with coarse
    azurophilic granules over the nucleus too), the myelocyte (round or oval eccentric nucleus,
    condensing chromatin, no nucleoli; lilac-pink cytoplasm with fine granules) and the
    metamyelocyte (smaller; kidney-shaped nucleus with clumped chromatin; pink cytoplasm with
    fine granules, as in the neutrophil). Sizes, nucleus fractions and stain contents are fitted
    to the PBC reference morphometry of the class as a whole."""

    stages: StageMix = section(StageMix)
    promyelocyte: CellType = section(lambda: CellType(
        diameter=16.5, diameter_sd=2.6, cytoplasm_texture=CYTOPLASM_TEXTURE,
        hue_texture=HUE_TEXTURE, roundness=0.07, cell_roughness=0.6,
        nucleus=NucleusShapes(round=1.0, oval=2.0), nucleus_fraction=0.57, **IG_PLACEMENT,
        chromatin=0.32, chromatin_texture=0.4, parachromatin=0.3, chromatin_grain=0.45,
        chromatin_mottle=0.35, chromatin_rim=0.8, nucleus_roughness=0.1, azure=0.108, eosin=0.062,
        granules=1.93, granule_stain="chromatin", granule_size=0.55, granule_coverage=0.45,
        nucleoli=1.5, nucleus_coupling=IG_COUPLING, spread=IG_SPREAD))
    # myelocyte and metamyelocyte: fine secondary granules (0.3 µm) on a lilac-pink ground as
    # dense as the PBC ig cytoplasm (R, G, B OD 0.159, 0.218, 0.065, subject segmentation); the
    # coarser, darker dots they had were what a classifier trained on real cells took for a
    # monocyte (58 % of them); this change alone raised the quick CNN TSTR (800 images, 12
    # epochs, mean of seeds 11-13; tests/bench/transfer.py --seeds) from 0.57 to 0.64
    myelocyte: CellType = section(lambda: CellType(
        diameter=14.0, diameter_sd=2.3, cytoplasm_texture=CYTOPLASM_TEXTURE,
        hue_texture=HUE_TEXTURE, roundness=0.07, cell_roughness=0.6,
        nucleus=NucleusShapes(round=1.0, oval=2.0), nucleus_fraction=0.57, **IG_PLACEMENT,
        chromatin=0.46, chromatin_texture=0.8, parachromatin=0.4, chromatin_grain=0.6,
        chromatin_mottle=0.2,
        chromatin_rim=2.0, nucleus_roughness=0.15, azure=0.085, eosin=0.108, granules=1.39,
        granule_stain="chromatin", granule_size=0.3, granule_coverage=0.3,
        nucleus_coupling=IG_COUPLING, spread=IG_SPREAD))
    # metamyelocyte kidneys of 6-10 beads, indented (nucleus solidity of the rendered
    # metamyelocytes 0.96 -> 0.91, PBC's 0.785 over its 9; ig quartiles 0.95-0.99 -> 0.89-0.99,
    # PBC 0.69-0.83; ig N:C -4 % -> -12 % against PBC's median, tests/bench/morphometry.py): the
    # CNN TSTR of 4 CNNs (datasets 11, 12) 0.854 -> 0.854 (+0.000 ± 0.004), ig 0.69 -> 0.72,
    # neutrophil 0.83 -> 0.75 (real bands taken for ig), lymphocyte 0.86 -> 0.89
    metamyelocyte: CellType = section(lambda: CellType(
        diameter=13.0, diameter_sd=2.0, cytoplasm_texture=CYTOPLASM_TEXTURE,
        hue_texture=HUE_TEXTURE, roundness=0.07, cell_roughness=0.5,
        nucleus=NucleusShapes(kidney=1.0), kidney_beads=(6, 10), nucleus_fraction=0.57,
        **IG_PLACEMENT,
        chromatin=0.47, chromatin_texture=0.8, parachromatin=0.4, chromatin_grain=0.6,
        chromatin_mottle=0.2,
        chromatin_rim=2.5, nucleus_roughness=0.15, azure=0.065, eosin=0.108, granules=1.16,
        granule_stain="chromatin", granule_size=0.3, granule_coverage=0.25,
        nucleus_coupling=IG_COUPLING, spread=IG_SPREAD))


LYMPHOCYTE_SIZES = ("small", "large")
"""Sub-types of the lymphocytes (class ``lymphocyte``)."""


@dataclass(frozen=True)
class LymphocyteSizes(WeightTable):
    """Relative frequency of small and large lymphocytes (default: the PBC reference, 22 of its 30
    lymphocytes small; see :class:`Lymphocytes`)."""

    option = "lymphocyte size"

    small: float = param(2.75, "", "weight of small lymphocytes", 0.0)
    large: float = param(1.0, "", "weight of large lymphocytes", 0.0)


# The lymphocyte's nucleus has less coarse mottle (band-pass σ 3-8 px of the relative green
# OD: PBC 0.10, 0.14 before); its outline is irregular and its nucleus often off-centre, so
# the cytoplasm is a ragged crescent more often than an even ring (PBC lymphocytes; chosen
# by eye at the 96 px a classifier sees: a synthetic-trained CNN recognised 0-13 % of real
# lymphocytes while every synthetic one was a round cell in a concentric ring). Cytoplasm
# stain x0.8: its OD was 23 % above PBC's (tests/bench/morphometry.py).
LYMPHOCYTE = CellType(
    cytoplasm_texture=CYTOPLASM_TEXTURE, hue_texture=HUE_TEXTURE, roundness=0.08,
    nucleus=NucleusShapes(round=1.0), eccentricity=1.0, chromatin_texture=0.65,
    parachromatin=0.3, chromatin_grain=0.45, chromatin_mottle=0.15, nucleus_roughness=0.2,
    chromatin_rim=2.5, azure=0.08, eosin=0.073,
    spread=Spread(nucleus_fraction=0.1, chromatin=0.04, cytoplasm=0.5, hue=0.1))
"""What small and large lymphocytes share (each sets its diameter, nucleus fraction, chromatin
and outline ruffling)."""


@dataclass(frozen=True)
class Lymphocytes(SubTypes):
    """The ``lymphocyte`` class: small lymphocytes (most; a thin rim or crescent of cytoplasm round
    a dense nucleus) and large ones (more, paler cytoplasm; a less condensed nucleus), Bain 2015
    ch. 3. In the PBC reference the two make a cell's N:C ratio fall with its size: of its 30
    lymphocytes the 22 under 110 µm² have a median N:C of 3.35 and a nucleus green OD of 0.80,
    the 8 larger ones 1.45 and 0.755 (export.realism.cellfeatures); one lymphocyte type had the
    same N:C, 2.3, at every size."""

    mix = "sizes"

    sizes: LymphocyteSizes = section(LymphocyteSizes)
    small: CellType = section(lambda: replace(
        LYMPHOCYTE, diameter=10.8, diameter_sd=0.8, nucleus_fraction=0.92, chromatin=0.55,
        cell_roughness=0.3))
    large: CellType = section(lambda: replace(
        LYMPHOCYTE, diameter=13.2, diameter_sd=0.6, nucleus_fraction=0.6, chromatin=0.51,
        cell_roughness=0.7))


ERYTHROBLAST_STAGES = ("basophilic", "polychromatic", "orthochromatic")
"""Maturation stages of the erythroblasts (class ``erythroblast``)."""


@dataclass(frozen=True)
class ErythroblastStages(WeightTable):
    """Relative frequency of each erythroblast stage (default: the PBC reference's 30
    erythroblasts by their cytoplasm's colour, 9 : 16 : 5; see :class:`Erythroblasts`)."""

    option = "stage"

    basophilic: float = param(9.0, "", "weight of basophilic erythroblasts", 0.0)
    polychromatic: float = param(16.0, "", "weight of polychromatic erythroblasts", 0.0)
    orthochromatic: float = param(5.0, "", "weight of orthochromatic erythroblasts", 0.0)


# Erythroblast cytoplasm smooth (cytoplasm_texture 0.3 -> 0.1): a homogeneous film of
# haemoglobin and ribosomes, without the granules and organelles that mottle a white cell's
# (Bain 2015 ch. 3). Its texture now matches PBC's (export.realism.cellfeatures, medians of 40
# cells against the reference's 30: mean gradient of the cytoplasm 0.52 -> 0.39, PBC 0.45; share of
# flat local binary patterns, lbp2_4, 0.294 -> 0.356, PBC 0.368), and CNNs trained on the
# reference call 0.66 of them erythroblasts, 0.60 before (tests/bench/critic.py, 150 cells).
# CNN TSTR paired over 6 CNNs (datasets 11, 14, 15 x CNN seeds s, s + 1000): 0.840 -> 0.849,
# +0.009 ± 0.008 (0.854, 0.850, 0.854, 0.850, 0.833, 0.850 against 0.863, 0.842, 0.817, 0.842,
# 0.846, 0.829), ig 0.71 -> 0.77, neutrophil 0.73 -> 0.77
ERYTHROBLAST = CellType(
    cytoplasm_texture=0.1, hue_texture=HUE_TEXTURE, roundness=0.07,
    cell_roughness=0.4, nucleus=NucleusShapes(round=1.0), eccentricity=1.0, nucleus_reach=1.0,
    chromatin=0.65,
    chromatin_texture=0.5, chromatin_grain=0.5, chromatin_mottle=0.35, parachromatin=0.3,
    chromatin_rim=2.0, nucleus_roughness=0.1,
    spread=Spread(nucleus_fraction=0.34, chromatin=0.06, cytoplasm=0.3, hue=0.05))
"""What the erythroblast stages share (each sets its size, nucleus fraction and cytoplasm
stains). The stages' own colours carry most of the class's spread of cytoplasm hue (σ of the
red share of OD 0.025 over 40 cells, PBC 0.022; with the single type's cell-to-cell hue σ of
0.1 kept, 0.036), so each stage's cells vary half as much about it. The chromatin is the single
type's in every stage, denser than PBC's by the nucleus green OD (0.895 against 0.837): with
each stage's nucleus fitted to its group (0.774, 0.846, 0.876) a CNN trained on our cells
recognised 0.56 of PBC's erythroblasts, taking 68 of 240 for lymphocytes (0.83 with the dense
nucleus; tests/bench/transfer.py's set, 8 CNNs)."""


@dataclass(frozen=True)
class Erythroblasts(SubTypes):
    """The ``erythroblast`` class in its maturation stages (Bain 2015 ch. 3): as the cell
    matures it shrinks, its nucleus condenses (pyknotic in the orthochromatic stage) and its
    cytoplasm turns from blue (RNA: azure) through grey-lilac to pink (haemoglobin with the
    eosin it binds). The PBC reference's 30 erythroblasts fall into three colour groups
    (export.realism.cellfeatures, the cytoplasm's red share of OD and the nucleus's green OD):
    9 bluer cells with paler nuclei (red share ≥ 0.39, nucleus < 0.80: median area 108 µm²,
    N:C 1.13, nucleus 0.757, cytoplasm green OD 0.191, red share 0.397), 16 grey-lilac ones
    (74 µm², 0.71, 0.847, 0.194, 0.375) and 5 pink ones (red share < 0.355: 101 µm², 0.40,
    0.873, 0.149, 0.338). Each stage's size, N:C ratio and cytoplasm are fitted to its group
    (40 cells of one stage: 117 µm², 1.07, cytoplasm 0.183, red share 0.396; 76, 0.72, 0.195,
    0.376; 99, 0.36, 0.163, 0.335), and the class's spreads follow (tests/bench/morphometry.py:
    σ of log cell diameter 0.194, PBC 0.197, one type 0.119); the one erythroblast type was a
    grey-lilac cell with no blue or pink ones."""

    stages: ErythroblastStages = section(ErythroblastStages)
    basophilic: CellType = section(lambda: replace(
        ERYTHROBLAST, diameter=11.8, diameter_sd=2.5, nucleus_fraction=0.5,
        azure=0.108, eosin=0.081, haemoglobin=0.18))
    polychromatic: CellType = section(lambda: replace(
        ERYTHROBLAST, diameter=9.6, diameter_sd=1.2, nucleus_fraction=0.42,
        azure=0.095, eosin=0.077, haemoglobin=0.27))
    orthochromatic: CellType = section(lambda: replace(
        ERYTHROBLAST, diameter=11.2, diameter_sd=1.8, nucleus_fraction=0.26,
        azure=0.045, eosin=0.05, haemoglobin=0.38))


# the tuples of names the rest of the code indexes by must be the tables' fields, in order
StageMix.require_options(IG_STAGES)
LymphocyteSizes.require_options(LYMPHOCYTE_SIZES)
ErythroblastStages.require_options(ERYTHROBLAST_STAGES)
