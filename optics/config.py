"""Configuration of the microscope and camera: frame, stains, illumination, PSF, sensor.

Each effect section has an ``enabled`` switch so that it can be ablated on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.schema import param, section


@dataclass(frozen=True)
class Frame:
    """The camera frame: pixel grid and its size on the specimen."""

    width: int = param(360, "px", "image width", 16, 8192)
    height: int = param(363, "px", "image height", 16, 8192)
    pixel_size: float = param(0.0987, "µm/px", "specimen size of one pixel (PBC: RBC 7.8 µm ≈ "
                              "79 px, TXL-PBC labels)", 0.01, 2.0)
    supersample: int = param(1, "", "samples per pixel side when rasterising the specimen (edges "
                             "are smooth at 1: thickness falls to zero at every outline)", 1, 8)


def _od(doc: str, default: tuple[float, float, float]):
    return param(default, "OD/µm", doc, 0.0, 5.0, length=3)


@dataclass(frozen=True)
class Stains:
    """Optical density (log10) per µm of path at unit concentration, in the R, G, B bands.

    Hues follow the absorption maxima (eosin Y 517 nm, azure B 648 nm, azure B–eosin complex
    ~550 nm plus azure's red band, oxyhaemoglobin/eosin in red cells); magnitudes are fitted so
    that cells of the default thicknesses match the PBC reference colours (RBC about
    (208, 170, 170), nucleus about (80, 35, 132) on a (254, 228, 202) background).
    """

    haemoglobin: tuple[float, ...] = _od("red-cell haemoglobin (eosin-stained)", (0.040, 0.062, 0.036))
    eosin: tuple[float, ...] = _od("eosin Y bound to basic proteins", (0.08, 0.40, 0.17))
    azure: tuple[float, ...] = _od("azure B / methylene blue bound to RNA", (0.42, 0.30, 0.06))
    chromatin: tuple[float, ...] = _od("azure B-eosin complex bound to DNA", (0.24, 0.38, 0.09))


@dataclass(frozen=True)
class Illumination:
    """Köhler illumination as the camera sees an empty slide."""

    enabled: bool = param(True, "", "tint the field with the background colour (off: white)")
    background: tuple[float, ...] = param(
        (0.996, 0.894, 0.792), "fraction of full scale", "R, G, B of the empty slide (PBC median "
        "background (254, 228, 202), reference README)", 0.0, 1.0, length=3)


@dataclass(frozen=True)
class Psf:
    """Blur by the objective: Gaussian approximation of the in-focus widefield PSF,
    σ = 0.21 λ / NA (B. Zhang, J. Zerubia, J.-C. Olivo-Marin, Appl. Opt. 46:1819, 2007),
    widened in quadrature by a defocus term."""

    enabled: bool = param(True, "", "blur by the point spread function")
    na: float = param(1.25, "", "numerical aperture of the objective (100x oil)", 0.1, 1.5)
    wavelength: float = param(550.0, "nm", "effective wavelength", 380.0, 780.0)
    defocus: float = param(0.05, "µm", "extra Gaussian σ from defocus", 0.0, 5.0)


@dataclass(frozen=True)
class Sensor:
    """Camera: shot noise (Gaussian approximation of Poisson, valid above ~20 e⁻), read noise,
    8-bit quantisation."""

    enabled: bool = param(True, "", "add shot and read noise (off: ideal quantisation)")
    full_well: float = param(12000.0, "e⁻", "electrons at full scale", 100.0, 1e6)
    read_noise: float = param(12.0, "e⁻", "read noise standard deviation", 0.0, 1000.0)


@dataclass(frozen=True)
class OpticsConfig:
    """Everything ``optics`` needs."""

    frame: Frame = section(Frame)
    stains: Stains = section(Stains)
    illumination: Illumination = section(Illumination)
    psf: Psf = section(Psf)
    sensor: Sensor = section(Sensor)
