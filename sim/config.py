"""Configuration of what lies on the slide: which cells, their sizes, how they are packed.

All lengths are in micrometres. Cell sizes are textbook ranges (B. J. Bain, *Blood Cells: A
Practical Guide*, 5th ed., Wiley 2015, ch. 3) with the red-cell diameter of Evans & Fung
(Microvasc. Res. 4:335, 1972); mean ± standard deviation are chosen so that about 95 % of draws
fall inside the textbook range.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim import redshapes
from sim.celltype import (CYTOPLASM_TEXTURE, HUE_TEXTURE, NUCLEUS_SHAPES, CellType,
                          NucleusShapes, RareType, Spread, rare_type)
from sim.classes import MIX_CLASSES, RED_CLASSES, RED_KINDS
from sim.schema import param, section
from sim.subtypes import Erythroblasts, ImmatureGranulocytes, Lymphocytes, SubTypes
from sim.weights import WeightTable

@dataclass(frozen=True)
class CellTypes:
    """Morphology of every class (see :class:`CellType`). Nucleus shapes and stain affinities
    follow Bain (2015) ch. 3; the band : segmented neutrophil ratio (about 1 : 1) and the
    myelocyte / metamyelocyte mix of ``ig`` follow the file-name prefixes of the PBC sample in
    ``shared/reference/pbc``."""

    # parachromatin 0.3 (was 0.15-0.2) in neutrophils, eosinophils, lymphocytes and
    # erythroblasts: the palest tenth of the nuclear pixels is as pale as in PBC (green OD 10th
    # percentile, subject segmentation: 0.52, 0.46, 0.52, 0.59 in PBC; 0.60-0.68 before, 0.54-0.62
    # now); quick CNN TSTR (tests/bench/transfer.py --seeds 11,12,13 --count 800 --epochs 12)
    # 0.678 -> 0.713.
    # Chromatin clumping fitted to the band-pass spectrum of PBC nuclei (std of the green OD in
    # Gaussian bands of 0.5-1, 1-2, 2-4, 4-8 px, 0.0987 µm/px, 30 cells a class): neutrophil,
    # eosinophil, monocyte and myelocyte clumps coarser with wider spaces and less coarse
    # mottle (2-4 px: 0.046-0.056 -> 0.063-0.070, PBC 0.062-0.073), the basophil's clumped as
    # the others' (1-2 px 0.039 -> 0.050, PBC 0.060), the lymphocyte's and erythroblast's less
    # contrasted (erythroblast 1-2 px 0.052 -> 0.028, PBC 0.033; their chromatin refitted to
    # the nuclear OD). Quick CNN TSTR 0.733 -> 0.750 (0.771, 0.746, 0.733).
    # Nuclear stain of neutrophils, monocytes, myelocytes and metamyelocytes 6-8 % lower (0.57,
    # 0.43, 0.49, 0.50 -> 0.535, 0.40, 0.46, 0.47) and ig secondary granules finer (0.4 -> 0.3
    # µm, Bain 2015: fine granules): the median red OD of the segmented nucleus was 6-14 % above
    # PBC's (neutrophil 0.546 against 0.501, monocyte 0.416 against 0.364, ig 0.475 against
    # 0.429; 30 images a class). CNN TSTR (tests/bench/transfer.py --count 1600 --epochs 20)
    # seed 11 0.796 -> 0.808, seed 12 0.812 -> 0.842.
    # A nucleus's size follows its cell's less than a fixed N:C ratio would have it (σ of log
    # diameter in PBC, nucleus against cell: neutrophil 0.053 / 0.054, monocyte 0.055 / 0.177,
    # ig 0.113 / 0.171): nucleus_coupling 0.6 for neutrophils (nucleus 0.077 -> 0.054), 0 for
    # monocytes, whose nucleus-fraction spread 0.3 -> 0.11 and diameter_sd 2.5 ->
    # 3.0 (nucleus 0.200 -> 0.122, cell 0.125 -> 0.147, N:C 0.392 -> 0.374, PBC 0.615), 0.3 for
    # ig (IG_COUPLING). tests/bench/morphometry.py --count 40. CNN TSTR paired by dataset and
    # CNN seed (datasets 11, 12 x CNN seeds 11, 21, 31, 41, with lymphocyte coupling 0.5, which
    # did not narrow their nuclei and was left out): 0.791 -> 0.796, +0.006 ± 0.010 (sem)
    # Cytoplasm hue spreads (spread.hue, and spread.granules where purple granules tint the
    # cytoplasm) fitted to the cell-to-cell σ of the cytoplasm's red share of OD in PBC
    # (export.realism.cellfeatures "cyto_red_share", 10-90 % range / 2.563, 30 cells a class):
    # neutrophil 0.011 (ours 0.028: the pinker ones were what a synthetic-trained CNN matched real
    # neutrophils to ig by; trained and tested on grey images it recognised 0.97 of them, in
    # colour 0.69), ig 0.020 (0.043), erythroblast 0.022 (0.037), eosinophil 0.024 (0.016),
    # basophil 0.027 (0.021); now 0.011, 0.020, 0.025, 0.020, about 0.026 (80 cells each).
    # CNN TSTR, 8 CNNs paired by dataset and CNN seed (as for the coupling): 0.791 -> 0.815,
    # +0.024 ± 0.021 (sem; +0.019 ± 0.008 against the coupling's runs), lymphocyte 0.65 -> 0.77,
    # erythroblast 0.78 -> 0.86
    # Neutrophil granules sparse and dark (0.08 of the cytoplasm in 0.35 µm dots) on a smooth
    # lilac ground that holds the rest of the stain: PBC neutrophils show scattered azurophilic
    # dots on a ground whose specific granules the optics hardly resolve, ours had dense even
    # 0.25 µm dots (a CNN trained on our images and tested on PBC's recognised 0.90 of the real
    # neutrophils when both sides were blurred by 1.2 px at 96 px, 0.69 unblurred). Cytoplasm
    # R, G, B OD 0.085, 0.146, 0.056 (PBC 0.091, 0.147, 0.059; 60 cells). CNN TSTR, 8 CNNs
    # paired: 0.815 -> 0.823 (+0.008 ± 0.007), neutrophil 0.75 -> 0.83
    # Cytoplasm flat to its last half micrometre (CellType.dome_edge 24: PBC white cells'
    # cytoplasm green OD 0.3-0.6 µm inside the edge is 93 % (ig) and 79 % (monocyte) of its
    # plateau; with the exponent 8 ours was 74 % and 75 %, now 83 % and 85 %) and the cytoplasm
    # stains of ig (x0.77: azure, eosin and granules), monocytes (x0.73), erythroblasts (x0.85),
    # lymphocytes (x0.87) and eosinophils (x0.92) refitted to PBC's plateau, the cytoplasm's OD
    # 0.6-4 µm inside the membrane (tests/bench/cell_layout.py, green: ig 0.20, monocyte 0.155;
    # ours 0.228, 0.19 before, 0.206, 0.155 after): the rounder, denser-centred cytoplasm was
    # what told our ig from real ones. CNN TSTR, 8 CNNs paired: 0.823 -> 0.826 (+0.003 ±
    # 0.006), ig 0.57 -> 0.69, lymphocyte 0.78 -> 0.70, monocyte 0.81 -> 0.78
    # Nuclei off-centre as in PBC (nucleus offset of export.realism.morphometry, centroid to
    # centroid over the cell's equivalent radius, median of 30 cells, PBC / before / now):
    # neutrophil 0.147 / 0.045 / 0.139, eosinophil 0.216 / 0.036 / 0.142, monocyte 0.143 / 0.030
    # / 0.139, ig 0.172 / 0.049 / 0.168, erythroblast 0.179 / 0.070 / 0.208; the nucleus moves
    # where it has the most room (sim.nucleus.place) and eccentricity_least, nucleus_reach let
    # it press on the membrane. CNN TSTR on datasets never used for choosing (23-27 x CNN seeds
    # s, s + 1000, 10 CNNs paired): 0.801 -> 0.819 (+0.018 ± 0.010), ig 0.57 -> 0.66,
    # eosinophil 0.88 -> 0.93, neutrophil 0.71 -> 0.75, basophil 0.95 -> 0.92
    neutrophil: CellType = section(lambda: CellType(
        diameter=14.3, diameter_sd=0.8, cytoplasm_texture=CYTOPLASM_TEXTURE,
        hue_texture=HUE_TEXTURE, cell_roughness=0.2, nucleus_coupling=0.6, eccentricity=1.0,
        eccentricity_least=0.2, nucleus_reach=0.96,
        nucleus=NucleusShapes(band=1.0, lobed=1.0), nucleus_fraction=0.37, lobes=(2, 5),
        lobe_length=2.0, lobe_gap=0.25, chromatin=0.535, chromatin_rim=2.5,
        chromatin_texture=0.8, parachromatin=0.4, chromatin_grain=0.6, chromatin_mottle=0.2,
        nucleus_roughness=0.15, eosin=0.09, azure=0.05, granules=2.2,
        granule_stain="chromatin", granule_size=0.35, granule_coverage=0.08,
        spread=Spread(nucleus_fraction=0.05, chromatin=0.04, cytoplasm=0.25, hue=0.03,
                      granules=0.05)))
    # eosinophil granules leave the outer tenth of the cell pale: PBC eosinophils' cytoplasm in
    # the outer fifth between nucleus and margin has green OD 0.14, with granules up to the edge
    # it was 0.26 (subject segmentation, median of 30 images each). No granules over the
    # lobes (granule_veil 0): with them the segmented nucleus had green and blue OD 0.797 and
    # 0.197 against PBC's 0.713 and 0.156 (its red OD, which eosin hardly absorbs, matched);
    # without, 0.716 and 0.155 (30 images each)
    eosinophil: CellType = section(lambda: CellType(
        diameter=14.5, diameter_sd=1.2, cytoplasm_texture=CYTOPLASM_TEXTURE,
        hue_texture=HUE_TEXTURE, cell_roughness=0.2, nucleus=NucleusShapes(lobed=1.0),
        eccentricity=1.0, eccentricity_least=0.9, nucleus_reach=1.0,
        nucleus_fraction=0.55, lobes=(2, 2), lobe_length=1.5, chromatin=0.43,
        chromatin_texture=0.8, parachromatin=0.4, chromatin_grain=0.6, chromatin_mottle=0.2,
        chromatin_rim=2.0, nucleus_roughness=0.2, eosin=0.138, azure=0.083, granules=1.2,
        granule_stain="eosin", granule_size=0.6, granule_coverage=0.75, granule_zone=0.9,
        granule_veil=0.0,
        spread=Spread(nucleus_fraction=0.05, chromatin=0.04, cytoplasm=0.1, hue=0.1,
                      granules=0.14)))
    # basophil granules and ground fitted to the mean OD over the PBC basophil's nucleus region
    # (R, G, B 0.448, 0.751, 0.170; it was 0.464, 0.812, 0.160): the darkest class was where a
    # synthetic-trained CNN put real cells it could not place. Granules discrete, as in PBC
    # basophils: at coverage 0.8 with a spread of 0.3 a third of the cells drew 0.95 coverage,
    # fused into an even dark purple disc, and a CNN trained for 20 epochs called the real cells
    # it could not place basophils (eosinophils 43 %, lymphocytes 40 %); now coverage 0.55 at
    # the same mean stain (2.2 x 0.8 ~ 3.2 x 0.55) and spread 0.2: tests/bench/transfer.py
    # --count 1600 --seed 11 --epochs 20, CNN TSTR 0.68 -> 0.80 (with the lymphocyte N:C fit)
    basophil: CellType = section(lambda: CellType(
        diameter=13.2, diameter_sd=1.5, cytoplasm_texture=CYTOPLASM_TEXTURE,
        hue_texture=HUE_TEXTURE, roundness=0.06, cell_roughness=0.5,
        nucleus=NucleusShapes(lobed=2.0, kidney=1.0), nucleus_fraction=0.6, lobes=(2, 3),
        chromatin=0.45, chromatin_texture=0.8, chromatin_grain=0.45, eosin=0.12, azure=0.06,
        granules=3.2, granule_stain="chromatin",
        granule_size=0.7, granule_coverage=0.55,
        spread=Spread(nucleus_fraction=0.15, cytoplasm=0.27, hue=0.2, granules=0.2)))
    # monocyte size (the lymphocytes' and erythroblasts': their sub-types): the equivalent
    # diameter of the nucleus (dense chromatin, holes filled: unlike the cell's convex hull, not
    # inflated by the irregular outline of real cells) was 7 % below PBC's (10.89 µm against
    # 11.70; tests/bench/morphometry.py after: 11.53, with N:C and cytoplasm OD within 15 %).
    # Monocyte diameter_sd 3.0 -> 3.2 with the folding kidney of sim.nucleus.place: the compact
    # monocytes of PBC (a nucleus filling a small round cell) were missing. CNN TSTR paired over
    # 4 CNNs (datasets 11, 12 x CNN seeds s, s + 1000): 0.853 -> 0.858 (+0.005 ± 0.005), ig
    # 0.66 -> 0.69, monocyte 0.78 -> 0.79; again on another machine, 0.854 -> 0.854 (+0.000 ±
    # 0.009), ig 0.67 -> 0.69, monocyte 0.78 -> 0.77: neutral overall, the N:C spread nearer PBC's.
    lymphocyte: Lymphocytes = section(Lymphocytes)
    monocyte: CellType = section(lambda: CellType(
        diameter=18.0, diameter_sd=3.2, cytoplasm_texture=CYTOPLASM_TEXTURE, nucleus_coupling=0.0,
        hue_texture=HUE_TEXTURE, roundness=0.08, cell_roughness=0.8, eccentricity=1.0,
        eccentricity_least=0.4,
        nucleus=NucleusShapes(kidney=3.0, oval=1.0), nucleus_fraction=0.47, chromatin=0.40,
        chromatin_texture=0.75, parachromatin=0.4, chromatin_grain=0.6, chromatin_mottle=0.2,
        chromatin_rim=1.5, nucleus_roughness=0.2, outline_grain=5.0, azure=0.066, eosin=0.055,
        granules=0.44, granule_stain="chromatin", granule_size=0.25, granule_coverage=0.7,
        vacuoles=4.0, vacuole_size=1.8,
        spread=Spread(nucleus_fraction=0.11, chromatin=0.08, cytoplasm=0.27, hue=0.1,
                      granules=0.3)))
    ig: ImmatureGranulocytes = section(ImmatureGranulocytes)
    erythroblast: Erythroblasts = section(Erythroblasts)
    # platelets: a purple granulomere in a pale lilac hyalomere, about half of them with a few
    # spiky pseudopods (Bain 2015 ch. 3: 1.5–3 µm, PBC fields); the diameter is fitted to the
    # 236 platelet boxes of the TXL-PBC fields (side median 30.9 px = 3.05 µm, quartiles
    # 2.7–3.5 µm; tests/bench/field_stats.py); granulomere extent to the PBC platelet
    # morphometry (granulomere : hyalomere area 0.9, hyalomere OD 0.09). A resting platelet is a
    # biconvex lens (Frojmovic & Milton 1982, Physiol. Rev. 62:185): its hyalomere thins to the
    # edge (dome_edge 2, an ellipsoid). With the white cells' flat profile the free platelets of
    # pbc fields had a crisp, even rim where TXL-PBC's fade out, and the detector trained on them
    # found TXL-PBC platelets at mAP50 0.328; with the lens 0.578 (tests/bench/detection.py,
    # issue 15's setting; the one trained on real fields 0.345)
    platelet: CellType = section(lambda: CellType(
        diameter=2.7, diameter_sd=0.55, cytoplasm_texture=CYTOPLASM_TEXTURE,
        roundness=0.2, thickness=1.5, dome_edge=2.0, azure=0.2, eosin=0.2,
        granules=4.0, granule_stain="chromatin", granule_size=0.45, granule_coverage=0.75,
        granule_zone=0.72, spiculated=0.6, spicules=5.0, spicule_length=0.3))
    # red cells: centre thickness and its spread are fitted to the radial optical-density profile
    # of the 177 isolated red cells in a third of the PBC reference images
    # (tests/bench/rbc_profile.py: centre / peak OD 0.25, quartiles 0.14 and 0.49, peak at 0.68
    # radii; synthetic 0.22, quartiles 0.13 and 0.37, the median profile within 0.05 of the
    # peak), the peak thickness to the mean red-cell OD (export.realism.compare, PBC 0.127 in green)
    # (the oval and crenated cells: long / short side of the uncut TXL-PBC red-cell boxes,
    # median 1.08, upper quartile 1.16; tests/bench/field_stats.py)
    rbc: CellType = section(lambda: CellType(
        diameter=7.82, diameter_sd=0.62, roundness=0.03, thickness=2.72, centre_thickness=0.3,
        centre_spread=1.3, haemoglobin=1.0, elongation=0.22, spiculated=0.04, spicules=14.0,
        spicule_length=0.06))
    # pathological white cells (issue 11): see sim.rare
    myeloblast: RareType = section(rare_type("myeloblast"))
    lymphoblast: RareType = section(rare_type("lymphoblast"))
    apl_promyelocyte: RareType = section(rare_type("apl_promyelocyte"))
    hairy_cell: RareType = section(rare_type("hairy_cell"))
    reactive_lymphocyte: RareType = section(rare_type("reactive_lymphocyte"))
    large_granular_lymphocyte: RareType = section(rare_type("large_granular_lymphocyte"))
    plasma_cell: RareType = section(rare_type("plasma_cell"))
    smudge_cell: RareType = section(rare_type("smudge_cell"))
    red: redshapes.RedCells = section(redshapes.RedCells)  # red-cell kinds (sim.redshapes)


def cell_type(cells: CellTypes, kind: str, stage: str = "") -> CellType:
    """Morphology of class `kind` (of its sub-type `stage`, see :class:`SubTypes`; a red-cell
    kind's :class:`sim.redshapes.RedShape`)."""
    t = getattr(cells.red if kind in RED_KINDS else cells, kind)
    return getattr(t, stage) if stage else t


def draw_stage(cells: CellTypes, kind: str, rng) -> str:
    """A sub-type (maturation stage, size) drawn with the class's weights (``""`` for classes
    without sub-types)."""
    t = cell_type(cells, kind)
    return t.draw(rng) if isinstance(t, SubTypes) else ""


@dataclass(frozen=True)
class ClassMix(WeightTable):
    """Relative frequency of each subject class (normalised when drawn)."""

    option = "class"

    neutrophil: float = param(3329.0, "", "weight of neutrophils", 0.0)
    eosinophil: float = param(3117.0, "", "weight of eosinophils", 0.0)
    basophil: float = param(1218.0, "", "weight of basophils", 0.0)
    lymphocyte: float = param(1214.0, "", "weight of lymphocytes", 0.0)
    monocyte: float = param(1420.0, "", "weight of monocytes", 0.0)
    ig: float = param(2895.0, "", "weight of immature granulocytes", 0.0)
    erythroblast: float = param(1551.0, "", "weight of erythroblasts", 0.0)
    platelet: float = param(2348.0, "", "weight of platelets", 0.0)
    myeloblast: float = param(0.0, "", "weight of myeloblasts", 0.0)
    lymphoblast: float = param(0.0, "", "weight of lymphoblasts", 0.0)
    apl_promyelocyte: float = param(0.0, "", "weight of atypical (APL) promyelocytes", 0.0)
    hairy_cell: float = param(0.0, "", "weight of hairy cells", 0.0)
    reactive_lymphocyte: float = param(0.0, "", "weight of reactive lymphocytes", 0.0)
    large_granular_lymphocyte: float = param(0.0, "", "weight of large granular lymphocytes", 0.0)
    plasma_cell: float = param(0.0, "", "weight of plasma cells", 0.0)
    smudge_cell: float = param(0.0, "", "weight of smudge cells", 0.0)


# the tuples of names the rest of the code indexes by must be the tables' fields, in order
NucleusShapes.require_options(NUCLEUS_SHAPES)
ClassMix.require_options(MIX_CLASSES)
redshapes.RedMix.require_options(RED_CLASSES)


@dataclass(frozen=True)
class Population:
    """Which cells lie in a field. Defaults: the PBC dataset's subject-class mix (its class
    counts, Acevedo et al. 2020) and the normal adult differential for extra white cells."""

    subject: str = param("centre", "", "'centre': one subject cell centred in the field, as "
                         "CellaVision photographs it; 'none': no subject", choices=("centre", "none"))
    subject_mix: ClassMix = section(ClassMix)
    white_cells: float = param(0.0, "1/(1000 µm²)", "mean density of further white cells", 0.0, 50.0)
    white_mix: ClassMix = section(lambda: ClassMix(
        neutrophil=60.0, eosinophil=3.0, basophil=1.0, lymphocyte=30.0, monocyte=6.0, ig=0.0,
        erythroblast=0.0, platelet=0.0))
    red_mix: redshapes.RedMix = section(redshapes.RedMix)
    rbc_coverage: float = param(0.42, "", "red-cell area / free field area at the field centre "
                                "(default: TXL-PBC median of 16 red cells per PBC field): "
                                "feathered edge ~0.1, monolayer 0.4-0.8, thick body > 1 (cells "
                                "stack)", 0.0, 3.0)
    rbc_spacing: int = param(2, "", "candidate positions drawn for each red cell, the one "
                             "farthest from the cells already placed kept (1: independent "
                             "uniform positions; more: evenly spread cells; 2: TXL-PBC's 15 % "
                             "of red cells free-standing, tests/bench/field_stats.py)", 1, 32)
    coverage_gradient: float = param(0.0, "", "log change of the coverage across the field width, "
                                     "thinner (feathered-edge) side at the left", -5.0, 5.0)
    monolayer: float = param(0.8, "", "most red-cell coverage one layer holds before cells stack "
                             "(random close packing of discs ~0.84, Berryman 1983)", 0.3, 1.0)
    layers: int = param(4, "", "most stacked layers; red cells beyond are left out and the "
                        "metadata says so", 1, 16)
    rouleaux: float = param(0.3, "", "fraction of stacked red cells lined up in rouleaux",
                            0.0, 1.0)
    rouleau_length: float = param(4.0, "", "mean number of red cells in a rouleau", 1.0, 20.0)
    overlap: float = param(0.0, "", "share of the first layer's red cells lying over it instead, "
                           "on their neighbours, however thin the film (the spreading leaves "
                           "some cells on top; TXL-PBC fields: 15 % of red-cell boxes cover over "
                           "0.4 of another's, tests/bench/field_stats.py; 2 % without)", 0.0, 1.0)
    platelets: float = param(0.52, "1/(1000 µm²)", "mean density of free platelets (TXL-PBC "
                             "fields: 0.75 platelet boxes per 35.5 × 35.8 µm field)", 0.0, 100.0)
    platelet_spread: float = param(0.8, "", "field-to-field spread of the free-platelet density: "
                                   "coefficient of variation of its gamma-distributed factor "
                                   "(TXL-PBC: count variance 1.13 at mean 0.75 per field)",
                                   0.0, 3.0)
    subject_platelet: float = param(1.75, "", "diameter of a subject platelet over that of a "
                                    "free one: CellaVision centres the largest platelets (PBC "
                                    "platelet morphometry 4.8 µm against 2.7 µm in the fields)",
                                    1.0, 3.0)
    clump: float = param(0.6, "", "mean number of further platelets in a subject platelet clump",
                         0.0, 20.0)
    clump_spread: float = param(1.15, "", "largest distance of a clump platelet's centre from the "
                                "subject's, in subject diameters (1: touching; PBC platelet images "
                                "show aggregated, touching platelets)", 1.0, 5.0)
    margin: float = param(4.5, "µm", "band outside the frame also populated (border-cut cells)",
                          0.0, 50.0)


@dataclass(frozen=True)
class Packing:
    """How cells settle: rigid discs pushed apart by pymunk, then soft rings that deform where
    they press (see :mod:`sim.packing`; stiffnesses are squared mode frequencies per step², unit
    node mass, tuned by eye against the PBC and BCCD reference fields)."""

    steps: int = param(20, "", "physics steps of the rigid-disc pass", 1, 10000)
    overlap: float = param(0.06, "", "allowed overlap as a fraction of each radius", 0.0, 0.5)
    damping: float = param(0.5, "", "fraction of velocity kept after one step (disc pass)",
                           0.0, 0.95)
    ring_steps: int = param(15, "", "steps of the soft-ring pass (0: rigid discs only); the "
                            "outlines settle in about 10 (PBC red cells: mean outline change "
                            "2.3 % at 15 steps as at 30)", 0, 1000)
    ring_nodes: int = param(16, "", "nodes in the ring of a red or white cell", 8, 64)
    ring_damping: float = param(0.6, "", "fraction of node velocity kept after one step",
                                0.0, 0.95)
    rbc_stretch: float = param(0.03, "", "edge-spring stiffness of red cells (soft: flatten "
                               "against neighbours)", 0.0, 0.5)
    wbc_stretch: float = param(0.1, "", "edge-spring stiffness of nucleated cells (stiffer)",
                               0.0, 0.5)
    rbc_bending: float = param(0.01, "", "bending stiffness of red cells (resists flattening "
                               "against a neighbour)", 0.0, 0.1)
    wbc_bending: float = param(0.05, "", "bending stiffness of nucleated cells (stiffer)",
                               0.0, 0.1)
    pressure: float = param(0.4, "", "area (pressure) stiffness: keeps each cell's area",
                            0.01, 0.5)


@dataclass(frozen=True)
class SimConfig:
    """Everything ``sim`` needs, in µm."""

    population: Population = section(Population)
    packing: Packing = section(Packing)
    cells: CellTypes = section(CellTypes)
