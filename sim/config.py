"""Configuration of what lies on the slide: which cells, their sizes, how they are packed.

All lengths are in micrometres. Cell sizes are textbook ranges (B. J. Bain, *Blood Cells: A
Practical Guide*, 5th ed., Wiley 2015, ch. 3) with the red-cell diameter of Evans & Fung
(Microvasc. Res. 4:335, 1972); mean ± standard deviation are chosen so that about 95 % of draws
fall inside the textbook range.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim import rare, redshapes
from sim.classes import MIX_CLASSES, RED_CLASSES, RED_KINDS, STAINS
from sim.schema import build, check_ranges, param, section
from sim.weights import WeightTable

NUCLEUS_SHAPES = ("round", "oval", "kidney", "band", "lobed")
"""Nucleus geometries: round, oval (eccentric in myelocytes), kidney (monocyte, metamyelocyte),
band (curved unsegmented sausage), lobed (segments joined by chromatin filaments)."""


@dataclass(frozen=True)
class NucleusShapes(WeightTable):
    """Relative frequency of each nucleus geometry in a class (all zero: no nucleus)."""

    option, may_be_empty = "nucleus shape", True

    round: float = param(0.0, "", "weight of a round nucleus", 0.0)
    oval: float = param(0.0, "", "weight of an oval nucleus", 0.0)
    kidney: float = param(0.0, "", "weight of a kidney-shaped (indented) nucleus", 0.0)
    band: float = param(0.0, "", "weight of a band (curved, unsegmented) nucleus", 0.0)
    lobed: float = param(0.0, "", "weight of a segmented nucleus", 0.0)


def _sigma(what: str):
    return param(0.0, "", f"σ of the log of a per-cell factor on {what}", 0.0, 1.5)


@dataclass(frozen=True)
class Spread:
    """Cell-to-cell spread within a class: σ of the natural logarithm of a factor drawn for each
    cell on a value (0: every cell alike). Fitted so that the robust σ of log of the rendered
    cells' morphometry matches the PBC reference's (``tests/bench/morphometry.py`` prints both:
    σ_spread² ≈ σ_real² − σ_synthetic without spread²); real classes vary far more than their
    medians suggest (PBC σ of log N:C ratio 0.17 in neutrophils, 0.6 in monocytes and
    erythroblasts; of cytoplasm OD 0.12–0.5)."""

    nucleus_fraction: float = _sigma("the nucleus area fraction (N:C ratio)")
    chromatin: float = _sigma("the chromatin concentration (nucleus OD)")
    cytoplasm: float = _sigma("every cytoplasm stain concentration together (cytoplasm OD)")
    hue: float = _sigma("the cytoplasm's azure : eosin balance (basophilic blue against "
                        "acidophilic pink; RNA content varies with maturity)")
    granules: float = _sigma("granule concentration and on granule coverage, each its own draw")


@dataclass(frozen=True)
class CellType:
    """Parametric morphology of one cell class (lengths in µm, concentrations relative)."""

    diameter: float = param(12.0, "µm", "mean diameter of the cell as it lies flat", 1.0, 30.0)
    diameter_sd: float = param(1.0, "µm", "standard deviation of the diameter", 0.0, 5.0)
    roundness: float = param(0.03, "", "relative amplitude of outline irregularity", 0.0, 0.2)
    elongation: float = param(0.0, "", "spread of the outline's aspect ratio: σ of a normal, "
                              "clipped at 2 σ, whose absolute value is the log of long / short "
                              "axis (ovalocytes)",
                              0.0, 1.0)
    spiculated: float = param(0.0, "", "fraction of cells whose outline bears spicules "
                              "(crenated red cells, spiky platelets)", 0.0, 1.0)
    spicules: float = param(0.0, "", "mean number of spicules on a spiculated cell", 0.0, 30.0)
    spicule_length: float = param(0.0, "", "largest spicule length, in mean radii", 0.0, 1.0)
    thickness: float = param(3.0, "µm", "peak thickness of the flattened cell", 0.1, 10.0)
    centre_thickness: float = param(0.81, "µm", "centre coefficient of the biconcave (red-cell) "
                                    "profile: 0.81 living cells (Evans & Fung 1972)", 0.0, 3.0)
    centre_spread: float = param(0.0, "", "cell-to-cell spread of centre_thickness: σ of its "
                                 "logarithm (0: every cell alike)", 0.0, 2.0)
    nucleus: NucleusShapes = section(NucleusShapes)
    nucleus_fraction: float = param(0.0, "", "nucleus area / cell area", 0.0, 0.95)
    eccentricity: float = param(0.2, "", "largest shift of the nucleus from the centre, as a "
                                "fraction of the room it has", 0.0, 1.0)
    lobes: tuple[int, ...] = param((1, 1), "", "min and max lobe count of a lobed nucleus",
                                   1, 6, length=2)
    lobe_length: float = param(1.25, "", "length / width of one lobe of a lobed nucleus "
                               "(rounded to a quarter)", 1.0, 4.0)
    lobe_gap: float = param(0.28, "", "gap between consecutive lobes, end to end, in lobe widths "
                            "(bridged by a chromatin filament)", 0.0, 4.0)
    lobe_kink: tuple[float, ...] = param((0.3, 1.2), "rad", "least and largest extra turn of "
                                         "the nucleus between two lobes (folded segmented nuclei "
                                         "of the PBC reference)", 0.0, 3.2, length=2)
    chromatin: float = param(0.0, "", "chromatin (azure-eosin complex) concentration in nucleus",
                             0.0, 5.0)
    chromatin_texture: float = param(0.4, "", "contrast of chromatin clumping: 1 − concentration "
                                     "in the pale parachromatin spaces / in the clumps", 0.0, 1.0)
    parachromatin: float = param(0.3, "", "area fraction of the nucleus taken by pale "
                                 "parachromatin spaces between chromatin clumps", 0.0, 0.9)
    chromatin_grain: float = param(1.0, "µm", "lattice cell of the chromatin texture: clumps and "
                                   "spaces about half of it (PBC reference: pale spaces "
                                   "0.3–0.6 µm)", 0.2, 5.0)
    chromatin_mottle: float = param(0.0, "", "relative amplitude of coarse blotches of denser and "
                                    "paler chromatin, 1.5–3 µm across, over the fine clumping "
                                    "(PBC nuclei look mottled at low magnification; chosen by "
                                    "eye)", 0.0, 1.0)
    nucleus_roughness: float = param(0.0, "µm", "rms excursion of the nucleus outline from its "
                                     "smooth shape (irregular, folded nuclei)", 0.0, 2.0)
    cell_roughness: float = param(0.0, "µm", "depth of the cell outline's ruffling, inwards from "
                                  "the settled outline (ruffled margins of monocytes, "
                                  "lymphocytes, immature cells; chosen by eye against the PBC "
                                  "reference)", 0.0, 2.0)
    outline_grain: float = param(3.0, "µm", "lattice cell of the nucleus outline irregularity: "
                                 "bumps and notches about half of it", 0.5, 20.0)
    chromatin_rim: float = param(0.5, "", "extra chromatin concentration condensed along the "
                                 "nuclear envelope, relative", 0.0, 3.0)
    haemoglobin: float = param(0.0, "", "haemoglobin concentration in cytoplasm", 0.0, 5.0)
    eosin: float = param(0.0, "", "eosinophilic (eosin-binding) concentration in cytoplasm",
                         0.0, 5.0)
    azure: float = param(0.0, "", "basophilic (azure-binding) concentration in cytoplasm", 0.0, 5.0)
    granules: float = param(0.0, "", "stain concentration inside granules (0: no granules)",
                            0.0, 10.0)
    granule_stain: str = param("chromatin", "", "stain the granules take up", choices=STAINS)
    granule_size: float = param(0.5, "µm", "typical granule diameter", 0.1, 3.0)
    granule_coverage: float = param(0.3, "", "fraction of cytoplasm area covered by granules",
                                    0.0, 1.0)
    granule_zone: float = param(1.0, "", "outer edge of the granule-bearing zone, in cell radii "
                                "(1: the whole cytoplasm; platelets: the central granulomere "
                                "inside a clear hyalomere)", 0.1, 1.0)
    vacuoles: float = param(0.0, "", "mean number of cytoplasmic vacuoles", 0.0, 20.0)
    vacuole_size: float = param(1.0, "µm", "largest vacuole diameter", 0.2, 4.0)
    nucleoli: float = param(0.0, "", "mean number of visible nucleoli (immature cells)", 0.0, 5.0)
    spread: Spread = section(Spread)

    def check(self, path: str) -> None:
        check_ranges(self, path, ("lobes", "lobe_kink"))


@dataclass(frozen=True)
class RareType(CellType):
    """Morphology of a pathological white-cell class: a :class:`CellType` and the features only
    such cells have (:class:`sim.rare.Features`; defaults and sources in :data:`sim.rare.DEFAULTS`)."""

    features: rare.Features = section(rare.Features)


def _rare(kind: str):
    """Default factory of pathological class `kind`, built (and validated) from its defaults."""
    return lambda: build(RareType, rare.DEFAULTS[kind], f"sim.cells.{kind}")


IG_STAGES = ("promyelocyte", "myelocyte", "metamyelocyte")
"""Maturation stages of the immature granulocytes (class ``ig``)."""

IG_SPREAD = Spread(nucleus_fraction=0.15, chromatin=0.05, cytoplasm=0.1, hue=0.2, granules=0.3)
"""Cell-to-cell spread of every ``ig`` stage (PBC ig: σ of log N:C 0.33, cytoplasm OD 0.12)."""


@dataclass(frozen=True)
class StageMix(WeightTable):
    """Relative frequency of each maturation stage among immature granulocytes (default: the
    file-name prefixes of the PBC sample in ``shared/reference/pbc``: PMY 2, MY 14, MMY 9)."""

    option = "stage"

    promyelocyte: float = param(2.0, "", "weight of promyelocytes", 0.0)
    myelocyte: float = param(14.0, "", "weight of myelocytes", 0.0)
    metamyelocyte: float = param(9.0, "", "weight of metamyelocytes", 0.0)


@dataclass(frozen=True)
class ImmatureGranulocytes:
    """The ``ig`` class, one morphology per maturation stage (Bain 2015 ch. 3): the promyelocyte
    (large; round or oval nucleus with fine chromatin and nucleoli; basophilic cytoplasm with coarse
    azurophilic granules over the nucleus too), the myelocyte (round or oval eccentric nucleus,
    condensing chromatin, no nucleoli; lilac-pink cytoplasm with fine granules) and the
    metamyelocyte (smaller; kidney-shaped nucleus with clumped chromatin; pink cytoplasm with
    fine granules, as in the neutrophil). Sizes, nucleus fractions and stain contents are fitted
    to the PBC reference morphometry of the class as a whole."""

    stages: StageMix = section(StageMix)
    promyelocyte: CellType = section(lambda: CellType(
        diameter=16.5, diameter_sd=2.6, roundness=0.07, cell_roughness=0.6,
        nucleus=NucleusShapes(round=1.0, oval=2.0), nucleus_fraction=0.57, eccentricity=0.8,
        chromatin=0.34, chromatin_texture=0.4, parachromatin=0.3, chromatin_grain=0.45,
        chromatin_mottle=0.35, chromatin_rim=0.8, nucleus_roughness=0.1, azure=0.14, eosin=0.08,
        granules=2.5, granule_stain="chromatin", granule_size=0.55, granule_coverage=0.45,
        nucleoli=1.5, spread=IG_SPREAD))
    myelocyte: CellType = section(lambda: CellType(
        diameter=14.0, diameter_sd=2.3, roundness=0.07, cell_roughness=0.6,
        nucleus=NucleusShapes(round=1.0, oval=2.0), nucleus_fraction=0.57, eccentricity=1.0,
        chromatin=0.53, chromatin_texture=0.8, chromatin_grain=0.45, chromatin_mottle=0.35,
        chromatin_rim=2.0, nucleus_roughness=0.15, azure=0.09, eosin=0.1, granules=2.2,
        granule_stain="chromatin", granule_size=0.55, granule_coverage=0.3, spread=IG_SPREAD))
    metamyelocyte: CellType = section(lambda: CellType(
        diameter=13.0, diameter_sd=2.0, roundness=0.07, cell_roughness=0.5,
        nucleus=NucleusShapes(kidney=1.0), nucleus_fraction=0.57, eccentricity=0.6,
        chromatin=0.54, chromatin_texture=0.8, chromatin_grain=0.45, chromatin_mottle=0.35,
        chromatin_rim=2.5, nucleus_roughness=0.15, azure=0.07, eosin=0.1, granules=1.8,
        granule_stain="chromatin", granule_size=0.5, granule_coverage=0.25, spread=IG_SPREAD))


@dataclass(frozen=True)
class CellTypes:
    """Morphology of every class (see :class:`CellType`). Nucleus shapes and stain affinities
    follow Bain (2015) ch. 3; the band : segmented neutrophil ratio (about 1 : 1) and the
    myelocyte / metamyelocyte mix of ``ig`` follow the file-name prefixes of the PBC sample in
    ``shared/reference/pbc``."""

    neutrophil: CellType = section(lambda: CellType(
        diameter=14.3, diameter_sd=0.8, cell_roughness=0.2,
        nucleus=NucleusShapes(band=1.0, lobed=1.0), nucleus_fraction=0.37, lobes=(2, 5),
        lobe_length=2.0, lobe_gap=0.25, chromatin=0.63, chromatin_rim=2.5,
        chromatin_texture=0.8, parachromatin=0.2, chromatin_grain=0.45, chromatin_mottle=0.35,
        nucleus_roughness=0.15, eosin=0.075, azure=0.04, granules=1.05,
        granule_stain="chromatin", granule_size=0.25, granule_coverage=0.25,
        spread=Spread(nucleus_fraction=0.05, chromatin=0.04, cytoplasm=0.25, hue=0.15,
                      granules=0.3)))
    eosinophil: CellType = section(lambda: CellType(
        diameter=14.5, diameter_sd=1.2, cell_roughness=0.2, nucleus=NucleusShapes(lobed=1.0),
        nucleus_fraction=0.55, lobes=(2, 2), lobe_length=1.5, chromatin=0.48,
        chromatin_texture=0.8, parachromatin=0.2, chromatin_grain=0.45, chromatin_mottle=0.35,
        chromatin_rim=2.0, nucleus_roughness=0.2, eosin=0.15, azure=0.09, granules=1.4,
        granule_stain="eosin", granule_size=0.6, granule_coverage=0.75,
        spread=Spread(nucleus_fraction=0.05, chromatin=0.04, cytoplasm=0.1, granules=0.14)))
    basophil: CellType = section(lambda: CellType(
        diameter=13.2, diameter_sd=1.5, roundness=0.06, cell_roughness=0.5,
        nucleus=NucleusShapes(lobed=2.0, kidney=1.0), nucleus_fraction=0.6, lobes=(2, 3),
        chromatin=0.45, eosin=0.15, azure=0.05, granules=3.0, granule_stain="chromatin",
        granule_size=0.7, granule_coverage=0.8,
        spread=Spread(nucleus_fraction=0.15, cytoplasm=0.27, hue=0.15, granules=0.3)))
    lymphocyte: CellType = section(lambda: CellType(
        diameter=11.3, diameter_sd=0.8, roundness=0.05, cell_roughness=0.5,
        nucleus=NucleusShapes(round=1.0), nucleus_fraction=0.75, eccentricity=0.8,
        chromatin=0.63, chromatin_texture=0.8, parachromatin=0.2, chromatin_grain=0.45,
        chromatin_mottle=0.35, nucleus_roughness=0.1, chromatin_rim=2.5, azure=0.11,
        eosin=0.1,
        spread=Spread(nucleus_fraction=0.1, chromatin=0.04, cytoplasm=0.5, hue=0.1)))
    monocyte: CellType = section(lambda: CellType(
        diameter=17.0, diameter_sd=2.5, roundness=0.08, cell_roughness=0.8,
        nucleus=NucleusShapes(kidney=3.0, oval=1.0), nucleus_fraction=0.47, chromatin=0.43,
        chromatin_texture=0.75, parachromatin=0.3, chromatin_grain=0.45, chromatin_mottle=0.25,
        chromatin_rim=1.5, nucleus_roughness=0.2, outline_grain=5.0, azure=0.09, eosin=0.075,
        granules=1.2, granule_stain="chromatin", granule_size=0.25, granule_coverage=0.35,
        vacuoles=4.0, vacuole_size=1.8,
        spread=Spread(nucleus_fraction=0.3, chromatin=0.08, cytoplasm=0.27, hue=0.1,
                      granules=0.3)))
    ig: ImmatureGranulocytes = section(ImmatureGranulocytes)
    # erythroblast cytoplasm: RNA (azure) and haemoglobin with the eosin it binds, fitted to the
    # R, G, B OD of the PBC erythroblast cytoplasm (0.157, 0.194, 0.067 by the subject
    # segmentation of export.realism.segmentation: lilac, polychromatic)
    erythroblast: CellType = section(lambda: CellType(
        diameter=10.3, diameter_sd=1.5, roundness=0.07, cell_roughness=0.4,
        nucleus=NucleusShapes(round=1.0), nucleus_fraction=0.4, eccentricity=0.5,
        chromatin=0.8, chromatin_texture=0.8, chromatin_grain=0.5, chromatin_mottle=0.35,
        parachromatin=0.15, chromatin_rim=2.0, nucleus_roughness=0.1, azure=0.1, eosin=0.08,
        haemoglobin=0.4,
        spread=Spread(nucleus_fraction=0.34, chromatin=0.06, cytoplasm=0.3, hue=0.2)))
    # platelets: a purple granulomere in a pale lilac hyalomere, about half of them with a few
    # spiky pseudopods (Bain 2015 ch. 3: 1.5–3 µm, PBC fields); the diameter is fitted to the
    # 236 platelet boxes of the TXL-PBC fields (side median 30.9 px = 3.05 µm, quartiles
    # 2.7–3.5 µm; tests/bench/field_stats.py); granulomere extent to the PBC platelet
    # morphometry (granulomere : hyalomere area 0.9, hyalomere OD 0.09)
    platelet: CellType = section(lambda: CellType(
        diameter=2.7, diameter_sd=0.55, roundness=0.2, thickness=1.5, azure=0.2, eosin=0.2,
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
    myeloblast: RareType = section(_rare("myeloblast"))
    lymphoblast: RareType = section(_rare("lymphoblast"))
    apl_promyelocyte: RareType = section(_rare("apl_promyelocyte"))
    hairy_cell: RareType = section(_rare("hairy_cell"))
    reactive_lymphocyte: RareType = section(_rare("reactive_lymphocyte"))
    large_granular_lymphocyte: RareType = section(_rare("large_granular_lymphocyte"))
    plasma_cell: RareType = section(_rare("plasma_cell"))
    smudge_cell: RareType = section(_rare("smudge_cell"))
    red: redshapes.RedCells = section(redshapes.RedCells)  # red-cell kinds (sim.redshapes)


def cell_type(cells: CellTypes, kind: str, stage: str = "") -> CellType:
    """Morphology of class `kind` (of its maturation `stage` for ``ig``; a red-cell kind's
    :class:`sim.redshapes.RedShape`)."""
    t = getattr(cells.red if kind in RED_KINDS else cells, kind)
    return getattr(t, stage) if stage else t


def draw_stage(cells: CellTypes, kind: str, rng) -> str:
    """A maturation stage drawn with the class's stage weights (``""`` for classes without)."""
    t = cell_type(cells, kind)
    if not isinstance(t, ImmatureGranulocytes):
        return ""
    return t.stages.draw(rng)


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
StageMix.require_options(IG_STAGES)
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
