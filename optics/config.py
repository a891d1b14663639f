"""Configuration of the microscope and camera: frame, stains, illumination, PSF, sensor, ISP.

Each effect section has an ``enabled`` switch so that it can be ablated on its own
(:mod:`optics.effects` lists them).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sim.classes import STAINS
from sim.schema import ConfigError, param, section


@dataclass(frozen=True)
class Frame:
    """The camera frame: pixel grid and its size on the specimen."""

    width: int = param(360, "px", "image width", 16, 8192)
    height: int = param(363, "px", "image height", 16, 8192)
    pixel_size: float = param(0.0987, "µm/px", "specimen size of one pixel (PBC: RBC 7.8 µm ≈ "
                              "79 px, TXL-PBC labels)", 0.01, 2.0)
    supersample: int = param(1, "", "samples per pixel side when rasterising the specimen (edges "
                             "are smooth at 1: thickness falls to zero at every outline)", 1, 8)


def _peak(doc: str, default: tuple[float, ...]):
    return param(default, "OD/µm", doc, 0.0, 10.0, length=len(default))


@dataclass(frozen=True)
class Stains:
    """Absorption of the stains: peak optical density (log10) per µm at unit concentration of
    each absorbing component, whose spectra :mod:`optics.spectra` models from published peaks.

    The peak ODs were fitted (``tests/bench/calibrate_stains.py``) so that cells of the default
    thicknesses keep the colours of the first, RGB-calibrated version (the red cells' dyes since
    refitted to the PBC reference, below): RBC about (208, 170, 170),
    nucleus about (80, 35, 132) on the PBC background (254, 228, 202); oxyhaemoglobin's is not
    fitted but follows from the red cell's haemoglobin content (0.26 OD/µm at the Soret peak,
    see that script).
    """

    mode: str = param("spectral", "", "Beer–Lambert per wavelength band then integrated over "
                      "lamp × camera (spectral), or per colour channel with the thin-stain channel "
                      "ODs (rgb, faster)", choices=("spectral", "rgb"))
    bands: int = param(12, "", "wavelength bands between 400 and 700 nm", 3, 300)
    # the red cells' dyes fitted to the median red-cell OD of the PBC reference (R, G, B 0.085,
    # 0.126, 0.080; export.realism.compare, 240 images) with oxyhaemoglobin fixed by physics:
    # once its spectrum has the continuum between the Soret and Q bands (optics.spectra), it
    # gives the blue OD itself, and the eosin Y fitted earlier to make up for it falls to a
    # trace (0.0436 -> 0.0057); with the variation.red_cell_azure spread the compare classifier
    # AUC of tests/bench/transfer.py's sets fell 0.98 -> 0.91
    haemoglobin: tuple[float, ...] = _peak("red cells: oxyhaemoglobin (Soret peak), and the eosin "
                                           "Y, azure B–eosin complex and azure B they take up",
                                           (0.26, 0.0057, 0.0617, 0.0236))
    eosin: tuple[float, ...] = _peak("eosin Y bound to basic proteins", (1.0756,))
    eosin_shift: float = param(10.0, "nm", "red shift of the eosin Y bands on binding to protein "
                               "(the 517 nm band moves to the red when eosin binds serum albumin, "
                               "eosin–BSA studies, e.g. Spectrochim. Acta A 60:551, 2004); 10 nm "
                               "lets eosin plus the cell's azure match the R, G, B OD of PBC "
                               "eosinophil granules (0.17, 0.41, 0.15) without DNA-type "
                               "azure–eosin complex", 0.0, 40.0)
    azure: tuple[float, ...] = _peak("RNA: azure B monomer and stacked dimer", (0.0, 0.7822))
    chromatin: tuple[float, ...] = _peak("nuclei: azure B–eosin complex and free azure B bound to "
                                         "DNA", (1.1706, 0.0394))


if not set(STAINS) <= {f.name for f in fields(Stains)}:
    raise ImportError(f"optics.config.Stains needs one field of peak ODs per stain of "
                      f"sim.classes.STAINS {list(STAINS)}")
if STAINS != ("haemoglobin", "eosin", "azure", "chromatin"):
    raise ImportError("Variation.stain documents its σ in the order haemoglobin, eosin, azure, "
                      f"chromatin; sim.classes.STAINS is now {list(STAINS)}: update it")


@dataclass(frozen=True)
class Field:
    """Köhler field as the camera sees it: vignetting and slow uneven illumination."""

    enabled: bool = param(True, "", "vary the illumination across the field (off: flat)")
    vignetting: float = param(0.06, "", "relative fall of irradiance from the centre to the "
                              "corners (cos⁴-like fall-off of a well-set Köhler field, a few %)",
                              0.0, 0.9)
    unevenness: float = param(0.03, "", "rms relative slope of a random linear gradient across "
                              "the field, per image (lamp filament and condenser centring)",
                              0.0, 0.5)


@dataclass(frozen=True)
class Illumination:
    """The lamp and the white balance that maps an empty slide to the background colour."""

    enabled: bool = param(True, "", "halogen lamp and white balance to the background colour "
                          "(off: white equal-energy lamp at full scale)")
    colour_temperature: float = param(3200.0, "K", "halogen lamp colour temperature (2800–3400 K "
                                      "at rated voltage)", 1000.0, 20000.0)
    background: tuple[float, ...] = param(
        (1.01, 0.902, 0.796), "fraction of full scale", "R, G, B of the empty slide in the output "
        "(white balance and exposure are set for it; PBC: red over-exposed, at 255 in nearly "
        "every image, green 230, blue 203, brightest 15 % of pixels, export.compare; BCCD about "
        "(205, 206, 202)); above 1 a channel clips", 0.0, 1.1, length=3)
    field: Field = section(Field)


@dataclass(frozen=True)
class Chromatic:
    """Axial chromatic aberration: focus shifts with wavelength."""

    enabled: bool = param(True, "", "defocus each wavelength band by the objective's focal shift")
    shift: float = param(0.15, "µm", "focal shift at 400 and 700 nm relative to 550 nm (parabolic "
                         "secondary spectrum of an achromat, about one depth of field λ/NA²)",
                         0.0, 10.0)


@dataclass(frozen=True)
class Curvature:
    """Field curvature: the in-focus surface is curved, so defocus grows towards the corners."""

    enabled: bool = param(False, "", "let defocus vary across the field")
    sag: float = param(0.4, "µm", "extra defocus at the field corners", -10.0, 10.0)


@dataclass(frozen=True)
class Psf:
    """Blur by the objective: scalar diffraction PSF of a circular pupil with defocus."""

    enabled: bool = param(True, "", "blur by the point spread function")
    na: float = param(1.25, "", "numerical aperture of the objective (100x oil)", 0.1, 1.5)
    immersion: float = param(1.515, "", "refractive index of the immersion medium (oil, ISO 8036)",
                             1.0, 1.8)
    defocus: float = param(0.1, "µm", "distance of the specimen from the focal plane (PBC images "
                           "are sharp: autofocus)", -10.0, 10.0)
    chromatic: Chromatic = section(Chromatic)
    curvature: Curvature = section(Curvature)

    def check(self, path: str) -> None:
        """Reject an aperture the immersion medium cannot carry."""
        if self.na >= self.immersion:
            raise ConfigError(f"{path}.na = {self.na} must be below {path}.immersion = "
                              f"{self.immersion}")


@dataclass(frozen=True)
class Phase:
    """Phase contrast of the focus (:mod:`optics.phase`): vacuoles and red-cell centres bright,
    red-cell rims dark, as a specimen slightly out of focus under partly coherent light shows
    them. Off by default.

    The height is fitted to the brightest light inside the PBC monocytes (their clear
    vacuoles; tests/bench/vacuoles.py): green over the background's, quartiles over 30 cells
    0.86 / 0.97 / 0.99, here 0.84 / 0.94 / 0.98 with the effect on, 0.81 / 0.88 / 0.92 off. With
    it on, the PBC red-cell profile (tests/bench/rbc_profile.py) is met at
    ``sim.cells.rbc.thickness`` 2.45 and (``pbc``) ``centre_thickness`` 0.7: centre / peak OD
    0.24 (quartiles 0.13-0.46; PBC 0.25, 0.14-0.49), edge 6.9 px (PBC 6.6, 7.3 with the effect
    off). It stays off because a CNN trained on ``pbc``
    images with it on (and those red cells) recognised real PBC cells less well: balanced
    accuracy 0.854 -> 0.798 (paired over 4 CNNs, tests/bench/transfer.py), neutrophils 0.83 ->
    0.57, with a bright halo round every white cell that PBC cells do not show, and compare's
    classifier AUC rose from 0.93 to 0.99 (its nuclei darker, the background brighter); on the
    red cells alone (the white cells' refraction 0) 0.852 -> 0.823 (2 CNNs, one dataset), AUC
    0.95.
    """

    enabled: bool = param(False, "", "show the cells' optical path as intensity (off: absorption "
                          "alone)")
    height: float = param(0.3, "µm", "height of the cells' refracting upper surface above the "
                          "focal plane (the image's focus error adds to it)", -10.0, 10.0)
    # one value per stain of sim.classes.STAINS, in its order
    refraction: tuple[float, ...] = param(
        (0.063, 0.5, 0.5, 0.13), "µm OPD / (µm × concentration)", "optical path difference per "
        "unit column density of each stain (haemoglobin, eosin, azure, chromatin): a red cell's "
        "Δn 0.063 (Barer 1953); the white cells' stains carry their Δn of about 0.04",
        0.0, 1.0, length=len(STAINS))
    smoothing: float = param(0.5, "µm", "σ of the Gaussian the optical path is smoothed by "
                             "before its Laplacian (partial coherence of the condenser)",
                             0.05, 5.0)


@dataclass(frozen=True)
class Variation:
    """Image-to-image variation of the staining, white balance and focus (:mod:`optics.variation`).

    Defaults are the spreads of the PBC reference beyond what the scene content gives the
    ``pbc`` preset (per-image figures of :mod:`export.realism.compare`, ``smearsim calibrate`` on the
    whole reference): red-cell OD varies by about 14 % (σ of its log) from image to image,
    nuclear OD by 9 %, the background's green by 0.7 % (its red is over-exposed), the sharpness
    as a focus error of 0.17 µm would make it.
    """

    enabled: bool = param(True, "", "vary staining, white balance and focus from image to image "
                          "(off: every image under the configured conditions)")
    level: float = param(1.0, "", "factor on the σ of stain, ph, white_balance and defocus: 1 "
                         "is the spread within one laboratory's images (the PBC reference); "
                         "larger values widen it towards the spread between laboratories (stain "
                         "batch and protocol, buffer pH, focus); chosen, not measured",
                         0.0, 10.0)
    # one σ per stain of sim.classes.STAINS, in its order (the documentation below names them)
    stain: tuple[float, ...] = param((0.14, 0.0, 0.0, 0.09), "", "σ of the log of a per-image "
                                     "factor on the column density of each stain (haemoglobin, "
                                     "eosin, azure, chromatin): slide-to-slide staining "
                                     "intensity", 0.0, 1.0, length=len(STAINS))
    white_balance: tuple[float, ...] = param((0.0, 0.0066, 0.0033), "", "σ of the log of a "
                                             "per-image factor on each channel (R, G, B) of the "
                                             "background colour the camera normalises to",
                                             0.0, 0.5, length=3)
    defocus: float = param(0.17, "µm", "σ of the per-image focus error (autofocus)", 0.0, 5.0)
    ph: float = param(0.05, "", "σ of the log of a per-image factor on the azure : eosin balance "
                      "(multiplies azure, divides eosin): the buffer's pH, 6.8 in the ICSH "
                      "reference method (ICSH, Clin. Lab. Haematol. 6:1, 1984), turns a smear "
                      "bluer when higher and redder when lower", 0.0, 1.0)
    red_cell_azure: float = param(0.3, "", "σ of the log of a per-image factor on the azure B "
                                  "the red cells take up (optics.stain.RED_CELL_AZURE): from "
                                  "slide to slide they are pinker or greyer, independently of the "
                                  "nuclei (PBC: the red cells' red : green OD ratio spans "
                                  "0.62-0.74 between the 10th and 90th percentile image, its "
                                  "correlation with the nuclei's 0.0; their log red OD varies "
                                  "more than the green, σ 0.17 against 0.14; "
                                  "export.realism.compare figures of the 240 reference images)",
                                  0.0, 1.0)
    chromatin_azure: float = param(0.0, "", "σ of the log of a per-image factor on the free "
                                   "azure B the nuclei hold beside the azure B–eosin complex "
                                   "(optics.stain.FREE_AZURE): from slide to slide nuclei are "
                                   "bluer or more purple", 0.0, 2.0)
    exposure: float = param(0.15, "", "σ of the half-normal log of a per-image factor, at most "
                            "1, on the light the camera collects (a dimmer lamp or a shorter "
                            "exposure than the configured one, which is near the full well), "
                            "hidden by the camera's normalisation to the background but for the "
                            "shot noise (PBC: log background noise median −0.25, 10th-90th "
                            "percentile −0.47 to 0.01; the pbc preset without it −0.38, −0.53 to "
                            "−0.17, with it −0.23, −0.43 to −0.05; export.realism.compare)",
                            0.0, 1.0)
    camera: tuple[float, ...] = param((0.0, 0.0, 0.0), "", "σ of the log of a per-image factor "
                                      "on each channel (R, G, B) of the background colour from "
                                      "camera to camera (not scaled by level; the BCCD "
                                      "background (205, 206, 201) lies 0.22, 0.11 and 0.01 "
                                      "below PBC's (255, 229, 203) in log)", 0.0, 1.0, length=3)
    alternate_fraction: float = param(0.0, "", "share of images taken with the camera's second "
                                      "white balance (PBC: 8 of the 240 reference images, 5 of "
                                      "them ig, have a lavender background)", 0.0, 1.0)
    alternate_white: tuple[float, ...] = param((1.0, 1.0, 1.0), "", "factor on each channel "
                                               "(R, G, B) of the background colour under the "
                                               "second white balance (PBC: median background "
                                               "(231, 221, 230) against (255, 229, 203))",
                                               0.2, 5.0, length=3)


@dataclass(frozen=True)
class Sensor:
    """Camera sensor after EMVA 1288: photons → electrons → digital numbers."""

    enabled: bool = param(True, "", "photon and electronic noise and ADC (off: ideal values)")
    peaks: tuple[float, ...] = param((600.0, 532.0, 465.0), "nm", "R, G, B spectral sensitivity "
                                     "peaks (Jiang et al., WACV 2013)", 380.0, 780.0, length=3)
    widths: tuple[float, ...] = param((30.0, 38.0, 24.0), "nm", "R, G, B sensitivity Gaussian σ "
                                      "(Jiang et al. 2013)", 5.0, 200.0, length=3)
    quantum_efficiency: float = param(0.6, "", "electrons per photon at the sensitivity peak",
                                      0.01, 1.0)
    photons: float = param(68000.0, "photons", "mean photons per pixel behind the empty slide in "
                           "the brightest raw channel (exposure near 90 % of the full well; PBC "
                           "backgrounds are nearly noise-free, about 0.7 DN, smearsim calibrate)",
                           1.0, 1e7)
    full_well: float = param(45300.0, "e⁻", "full-well capacity (20–50 ke⁻ for scientific CCDs of "
                             "6–9 µm pixels; PBC's low noise needs the upper end, or frames "
                             "averaged)", 100.0, 1e7)
    dark_current: float = param(5.0, "e⁻/s", "dark current at operating temperature", 0.0, 1e5)
    exposure_time: float = param(0.02, "s", "exposure time", 1e-6, 100.0)
    read_noise: float = param(6.0, "e⁻", "read (temporal dark) noise σ", 0.0, 1000.0)
    prnu: float = param(0.0025, "", "photo-response non-uniformity, relative σ of pixel gain "
                        "(after the camera's flat-field correction; fitted to PBC's noise)",
                        0.0, 0.5)
    dsnu: float = param(2.0, "e⁻", "dark-signal non-uniformity, σ of pixel offset", 0.0, 1000.0)
    adc_bits: int = param(12, "bit", "ADC resolution", 8, 16)
    gain: float = param(0.0904, "DN/e⁻", "system gain K (EMVA 1288): 0.0904 puts the 12-bit ADC's "
                        "top at the full well", 1e-4, 100.0)


@dataclass(frozen=True)
class Bayer:
    """Colour filter array: each pixel sees one channel; the others are interpolated."""

    enabled: bool = param(True, "", "RGGB Bayer mosaic then demosaic (off: full RGB per pixel)")
    demosaic: str = param("ea", "", "OpenCV demosaicing: bilinear or edge-aware",
                          choices=("bilinear", "ea"))


@dataclass(frozen=True)
class Tone:
    """Tone curve applied to the linear, white-balanced signal."""

    enabled: bool = param(False, "", "apply the tone curve (off by default: the stain ODs are "
                          "calibrated on linear output; PBC's curve is unknown)")
    gamma: float = param(2.2, "", "output = input^(1/gamma) (2.2: the sRGB display gamma, "
                         "IEC 61966-2-1)", 0.2, 5.0)


@dataclass(frozen=True)
class Normalise:
    """Background normalisation (CellaVision normalises its images): flat-field by the known
    vignetting, then scale each channel so the background has its nominal colour."""

    enabled: bool = param(True, "", "flat-field and rescale the background to its colour")
    percentile: float = param(90.0, "%", "brightness percentile of pixels taken as background",
                              50.0, 99.9)


@dataclass(frozen=True)
class Colour:
    """Colour correction: the camera's 3×3 matrix from sensor to output RGB, modelled as a
    saturation about the background. Its rows sum to one in white-balanced space, so the empty
    slide keeps its colour; a matrix that boosts saturation (as consumer cameras' do) can make a
    stained pixel brighter than the slide in one channel, which no absorption can (BCCD nuclei
    transmit all the blue the slide does, reference README).

    Switched on by default, but at the default ``saturation = 1`` the matrix is the identity
    and the stage changes no pixel (:func:`optics.isp.process` skips it): it is there for
    ``calibrate`` to fit a lab's camera (BCCD: saturation below 1). The metadata's ``effects``
    records the switch, not whether the stage changed the image.
    """

    enabled: bool = param(True, "", "apply the colour-correction matrix")
    saturation: float = param(1.0, "", "gain on each pixel's departure from the grey of the same "
                              "mean, relative to the background (1: the sensor's colours; PBC is "
                              "fitted with the stains at 1)", 0.2, 3.0)


@dataclass(frozen=True)
class Sharpen:
    """Unsharp mask, as camera software applies (CellaVision sharpens)."""

    enabled: bool = param(True, "", "unsharp masking")
    amount: float = param(1.9, "", "weight of the high-pass added back (with the sensor noise, "
                          "brings the Laplacian variance to PBC's ≈ 36, smearsim calibrate)",
                          0.0, 5.0)
    sigma: float = param(1.0, "px", "Gaussian σ of the unsharp mask", 0.3, 10.0)


@dataclass(frozen=True)
class Jpeg:
    """JPEG compression; its artefacts are decoded back into the pixels."""

    enabled: bool = param(True, "", "compress and decode (off: the exact pixels)")
    quality: int = param(75, "", "JPEG quality (PBC and BCCD files: IJG quality 75, from their "
                         "quantisation tables)", 1, 100)
    subsampling: str = param("4:4:4", "", "chroma subsampling (PBC files 4:4:4, BCCD 4:2:0)",
                             choices=("4:4:4", "4:2:2", "4:2:0"))


@dataclass(frozen=True)
class Slide:
    """What a real slide holds besides cells (:mod:`optics.slide`). Frequencies and strengths
    are chosen by eye against the TXL-PBC fields (a dark precipitate grain or a speck in about
    one field in three; Bain 2015 ch. 1 names the artefacts, not their rates)."""

    enabled: bool = param(True, "", "stain precipitate, dust, refractile specks and the plasma "
                          "film (off: a clean slide)")
    precipitate: float = param(0.25, "1/(1000 µm²)", "mean density of stain-precipitate "
                               "clusters", 0.0, 100.0)
    precipitate_cluster: float = param(1.5, "", "mean number of further grains in a cluster",
                                       0.0, 20.0)
    precipitate_size: float = param(0.5, "µm", "diameter of a precipitate grain", 0.1, 5.0)
    precipitate_density: float = param(1.0, "µm", "peak chromatin column density of a grain "
                                       "(a neutrophil nucleus: about 1.5)", 0.0, 10.0)
    dust: float = param(0.15, "1/(1000 µm²)", "mean density of grey dust specks", 0.0, 100.0)
    dust_density: float = param(0.15, "OD", "peak optical density of a dust speck (grey)",
                                0.0, 2.0)
    refractile: float = param(0.15, "1/(1000 µm²)", "mean density of refractile specks",
                              0.0, 100.0)
    refractile_density: float = param(0.4, "OD", "optical density of a refractile speck's "
                                      "dark ring (grey)", 0.0, 2.0)
    speck_size: float = param(1.0, "µm", "diameter of a dust speck and of a refractile speck's "
                              "clear centre", 0.1, 10.0)
    film: float = param(0.01, "µm", "eosin column density of the plasma film, per standard "
                        "deviation of its random field (patches over about half the field)",
                        0.0, 0.5)
    film_scale: float = param(15.0, "µm", "size of the film's patches", 1.0, 500.0)


@dataclass(frozen=True)
class OpticsConfig:
    """Everything ``optics`` needs."""

    frame: Frame = section(Frame)
    stains: Stains = section(Stains)
    illumination: Illumination = section(Illumination)
    psf: Psf = section(Psf)
    phase: Phase = section(Phase)
    variation: Variation = section(Variation)
    sensor: Sensor = section(Sensor)
    bayer: Bayer = section(Bayer)
    tone: Tone = section(Tone)
    normalise: Normalise = section(Normalise)
    colour: Colour = section(Colour)
    sharpen: Sharpen = section(Sharpen)
    jpeg: Jpeg = section(Jpeg)
    slide: Slide = section(Slide)
