"""The parametric morphology of one cell class: size, outline, nucleus, chromatin, cytoplasm,
granules, and how much each cell differs from its class (lengths in µm, concentrations relative).

:mod:`sim.config` gives every class its values (:mod:`sim.subtypes` those of the classes in
sub-types); :mod:`sim.morphology` draws cells from them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim import rare
from sim.classes import STAINS
from sim.schema import ConfigError, build, check_ranges, param, section
from sim.weights import WeightTable

CYTOPLASM_TEXTURE = 0.3
"""Rms relative variation of every white cell's (and platelet's) cytoplasmic stain over the
fine texture of :data:`sim.morphology.CYTOPLASM_GRAIN`: real cytoplasm is not an even film
(organelles, clustered ribosomes, unresolved granules). PBC cytoplasm has about twice the
band-pass contrast of smooth synthetic cytoplasm at 0.1-0.4 µm (green OD, 30 cells a class:
neutrophil 0.011 and 0.016 against 0.005 and 0.008 in the 1-2 and 2-4 px bands); 0.3 brings the
0.1-0.2 µm band to PBC's and raised the quick CNN TSTR (tests/bench/transfer.py --seeds 11,12,13
--count 800 --epochs 12) from 0.713 to 0.719, 0.733 with the neutrophil's and monocyte's fine
granules twice as many at half the stain (their isolated dots were the local-binary-pattern
figures furthest from PBC's, 3-5 reference IQRs). Erythroblasts have a smoother cytoplasm
(sim.subtypes.ERYTHROBLAST)."""

HUE_TEXTURE = 0.2
"""``hue_texture`` of every nucleated class: its nucleoplasm's azure : eosin balance varies over
patches about 1 µm across, at an even green OD. Within a PBC nucleus the red share of OD varies
with a σ of 0.015-0.020 (0.0065-0.010 after a 0.4 µm blur), about twice ours at an even hue
(0.008-0.010, 0.0025); at σ 0.2 ours is 0.012-0.018 (0.006-0.0085) in every class
(tests/bench/hue_texture.py). CNN TSTR paired over 8 CNNs (tests/bench/transfer.py, datasets 11,
12 x CNN seeds 11, 21, 31, 41) against the same tree without it: 0.796 -> 0.791, −0.006 ± 0.021
(sem), neutral. Nuclei without a nucleoplasm (the field preset's) are left as they were."""

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
    dome_edge: float = param(24.0, "", "exponent n of the dome profile T₀ √(1 − ρ^n) at "
                             "relative radius ρ: 24 flat to the last 0.5 µm of a 14 µm cell, as "
                             "PBC white cells' cytoplasm (tests/bench/cell_layout.py); 2 an "
                             "ellipsoidal lens, as a resting platelet", 2.0, 64.0)
    centre_thickness: float = param(0.81, "µm", "centre coefficient of the biconcave (red-cell) "
                                    "profile: 0.81 living cells (Evans & Fung 1972)", 0.0, 3.0)
    centre_spread: float = param(0.0, "", "cell-to-cell spread of centre_thickness: σ of its "
                                 "logarithm (0: every cell alike)", 0.0, 2.0)
    pallor_radius: float = param(0.0, "", "relative radius of the boundary of an air-dried red "
                                 "cell's central pallor (sim.biconcave.relative); 0: the "
                                 "Evans–Fung bowl of a living cell", 0.0, 0.9)
    pallor_spread: float = param(0.0, "", "cell-to-cell spread of pallor_radius: σ of its "
                                 "logarithm", 0.0, 1.0)
    pallor_edge: float = param(0.06, "", "half-width of the pallor's wall, in cell radii",
                               0.01, 0.5)
    nucleus: NucleusShapes = section(NucleusShapes)
    nucleus_fraction: float = param(0.0, "", "nucleus area / cell area", 0.0, 0.95)
    nucleus_coupling: float = param(1.0, "", "exponent by which the nucleus area follows the "
                                    "cell's: 1, every cell of a class has the same N:C ratio "
                                    "(but for the spread); 0, the nucleus's size does not depend "
                                    "on the cell's (PBC nuclei: monocyte diameter σ of log 0.055 "
                                    "against the cell's 0.18, tests/bench/morphometry.py)",
                                    0.0, 1.0)
    eccentricity: float = param(0.2, "", "largest shift of the nucleus from the centre, as a "
                                "fraction of the room it has towards the side of the cell where "
                                "it has the most (an oval moves across its long axis)", 0.0, 1.0)
    eccentricity_least: float = param(0.0, "", "least shift of the nucleus from the centre, "
                                      "as a fraction of the room it has (the shift is drawn "
                                      "uniformly up to eccentricity): near 1, a nucleus pressed "
                                      "against the membrane, as a myelocyte's", 0.0, 1.0)
    nucleus_reach: float = param(0.93, "", "largest distance of the nucleus edge from the cell "
                                 "centre, in cell radii: the room it has (0.93, a rim of "
                                 "cytoplasm round it; near 1, a nucleus that may touch the "
                                 "membrane, as a small lymphocyte's)", 0.5, 1.0)
    lobes: tuple[int, ...] = param((1, 1), "", "min and max lobe count of a lobed nucleus",
                                   1, 6, length=2)
    lobe_length: float = param(1.25, "", "length / width of one lobe of a lobed nucleus "
                               "(rounded to a quarter)", 1.0, 4.0)
    lobe_gap: float = param(0.28, "", "gap between consecutive lobes, end to end, in lobe widths "
                            "(bridged by a chromatin filament)", 0.0, 4.0)
    lobe_bend: tuple[float, ...] = param((0.25, 0.45), "rad", "least and largest turn of the "
                                         "band a lobed nucleus's lobes lie on, per bead step "
                                         "(0.5 bead radii): 0.35 turns a neutrophil's 4 lobes "
                                         "round into a ring, 0.15 about 3 rad, a pinched band",
                                         0.0, 1.0, length=2)
    lobe_kink: tuple[float, ...] = param((0.3, 1.2), "rad", "least and largest extra turn of "
                                         "the nucleus between two lobes (folded segmented nuclei "
                                         "of the PBC reference)", 0.0, 3.2, length=2)
    kidney_beads: tuple[int, ...] = param((5, 5), "", "least and most beads (0.6 bead radii "
                                          "apart) along a kidney-shaped nucleus, drawn per "
                                          "cell: the longer the kidney, the deeper its indent "
                                          "(solidity, area over convex hull: 5 beads 0.97, a "
                                          "bean; 9 0.86; 11 0.81, a horseshoe)", 3, 15, length=2)
    kidney_turn: tuple[float, ...] = param((1.4, 3.0), "rad", "least and largest turn of a "
                                           "kidney-shaped nucleus's arc, end to end: beyond "
                                           "about 3 rad a long kidney curls round on itself, "
                                           "compact and folded (12 beads turning 3-4.5 rad: "
                                           "solidity 0.80-0.86; past about 4.5 rad its ends "
                                           "close round a hole)",
                                           0.0, 6.3, length=2)
    band_beads: tuple[int, ...] = param((11, 11), "", "least and most beads (0.5 bead radii "
                                        "apart) along a band nucleus, drawn per cell; the band "
                                        "turns 2-4 rad end to end whatever its length, and, "
                                        "scaled to the same area, the longer the thinner", 5, 25,
                                        length=2)
    band_wander: float = param(0.0, "rad", "σ of a random turn added at each bead step of a "
                               "band nucleus: 0, an even C or U; 0.2-0.3, the S-bends, twists "
                               "and folds of real band neutrophils", 0.0, 1.0)
    chromatin: float = param(0.0, "", "chromatin (azure-eosin complex) concentration in nucleus",
                             0.0, 5.0)
    chromatin_texture: float = param(0.4, "", "contrast of chromatin clumping: 1 − stain in the "
                                     "pale parachromatin spaces / in the clumps (the spaces keep "
                                     "at least the nucleoplasm's share)", 0.0, 1.0)
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
    chromatin_azure: float = param(0.0, "", "free azure B bound to the chromatin beside the "
                                   "azure B–eosin complex, per unit of chromatin: condensed "
                                   "chromatin that eosin enters slowly stains blue-black rather "
                                   "than purple (R. W. Horobin, J. Microsc. 244:1, 2011)",
                                   0.0, 2.0)
    nucleoplasm: float = param(0.3, "", "share of the nucleus's stain held evenly by the "
                               "nucleoplasm (nuclear proteins take up eosin, RNA azure) instead "
                               "of the chromatin clumps: the pale parachromatin spaces show it "
                               "pink-purple, as in Romanowsky-stained nuclei, and it gives nuclei "
                               "the PBC reference's blue : green OD (0.23, chromatin alone 0.15); "
                               "0.3 chosen by the transfer benchmark (quick CNN TSTR 0.61 -> "
                               "0.68, tests/bench/transfer.py --seeds 11,12,13 --count 800 "
                               "--epochs 12)", 0.0, 0.9)
    cytoplasm_texture: float = param(0.0, "", "rms relative variation of the cytoplasm's stain "
                                     "concentration over a fine texture (organelles, clustered "
                                     "ribosomes: the granular look of real cytoplasm)", 0.0, 1.0)
    hue_texture: float = param(0.0, "", "σ of the log of the nucleoplasm's azure : eosin balance "
                               "over a smooth texture of lattice cell sim.morphology.HUE_GRAIN, at "
                               "an even green OD: a Romanowsky stain takes unevenly, bluer in one "
                               "place and pinker in the next (PBC: the red share of OD varies "
                               "twice as much within a nucleus as in nuclei of an even hue; "
                               "tests/bench/hue_texture.py)", 0.0, 1.0)
    cytoplasm_hue: float = param(0.0, "", "σ of the log of the cytoplasm's azure : eosin balance "
                                 "over the same texture, at an even green OD: bluer, RNA-rich "
                                 "patches beside pinker ones (PBC: the red share of OD varies "
                                 "three times as much within the cytoplasm as at an even hue; "
                                 "tests/bench/hue_texture.py)", 0.0, 1.5)
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
    granule_veil: float = param(1.0, "", "granule density over the nucleus relative to over "
                                "the cytoplasm (1: granules veil the nucleus as in basophils "
                                "and promyelocytes; eosinophils: few, the lobes stay clear, "
                                "Bain 2015 ch. 3)", 0.0, 1.0)
    vacuoles: float = param(0.0, "", "mean number of cytoplasmic vacuoles", 0.0, 20.0)
    vacuole_size: float = param(1.0, "µm", "largest vacuole diameter", 0.2, 4.0)
    nucleoli: float = param(0.0, "", "mean number of visible nucleoli (immature cells)", 0.0, 5.0)
    spread: Spread = section(Spread)

    def check(self, path: str) -> None:
        if self.eccentricity_least > self.eccentricity:
            raise ConfigError(f"{path}.eccentricity_least = {self.eccentricity_least} must be at "
                              f"most {path}.eccentricity = {self.eccentricity}")
        check_ranges(self, path, ("lobes", "lobe_bend", "lobe_kink", "kidney_beads",
                                  "kidney_turn", "band_beads"))


@dataclass(frozen=True)
class RareType(CellType):
    """Morphology of a pathological white-cell class: a :class:`CellType` and the features only
    such cells have (:class:`sim.rare.Features`; defaults and sources in :data:`sim.rare.DEFAULTS`)."""

    features: rare.Features = section(rare.Features)


def rare_type(kind: str):
    """Default factory of pathological class `kind`, built (and validated) from its defaults."""
    return lambda: build(RareType, rare.DEFAULTS[kind], f"sim.cells.{kind}")
