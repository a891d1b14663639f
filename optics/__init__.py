"""optics — from specimen to pixels.

:func:`render` runs the stages in the order light meets them: rasterise the scene
(:mod:`optics.raster`), absorb by Beer–Lambert (:mod:`optics.stain`, spectra in
:mod:`optics.spectra`), show the cells' optical path as the slight defocus does
(:mod:`optics.phase`), illuminate (:mod:`optics.illumination`), blur by the PSF
(:mod:`optics.psf`), expose the sensor (:mod:`optics.sensor`), process the image in the camera
(:mod:`optics.isp`); each image under its own staining, white balance and focus
(:mod:`optics.variation`), with what the slide holds besides cells (:mod:`optics.slide`).
Every effect can be switched off on its own (:mod:`optics.effects`).
``optics`` knows nothing of files.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from optics import codec, illumination, isp, phase, psf, sensor, slide, stain, variation
from optics.config import OpticsConfig
from optics.raster import Raster, rasterize
from sim.scene import Scene


@dataclass
class Image:
    """A rendered image and what it was made from.

    Attributes
    ----------
    irradiance
        The noise-free linear image on the sensor (white-balanced fraction of full scale),
        float32, (H, W, 3).
    raster
        The rasterised specimen (stain densities and which cell lies where).
    jpeg
        The JPEG file the camera wrote, or None with the JPEG stage off.
    conditions
        The staining, white balance and focus this image was taken under
        (:mod:`optics.variation`).
    stages
        Intermediate images by stage name, if asked for (see :func:`render`).
    pixels
        The camera image with the JPEG stage off; otherwise None until :attr:`rgb` decodes it.
    """

    irradiance: np.ndarray
    raster: Raster
    conditions: variation.Conditions
    jpeg: bytes | None = None
    stages: dict[str, np.ndarray] = field(default_factory=dict)
    pixels: np.ndarray | None = field(default=None, repr=False)

    @property
    def rgb(self) -> np.ndarray:
        """The camera image, uint8, shape (H, W, 3), RGB order (decoded from `jpeg` when first
        asked for, if the camera wrote one)."""
        if self.pixels is None:
            self.pixels = codec.decode(self.jpeg)
        return self.pixels


def render(scene: Scene, cfg: OpticsConfig, rng: np.random.Generator,
           keep_stages: bool = False) -> Image:
    """Image `scene` through the microscope and camera described by `cfg`.

    With `keep_stages`, :attr:`Image.stages` holds the float32 linear images after each stage:
    ``transmittance``, ``illuminated``, ``blurred`` (= `irradiance`), ``raw`` (sensor output,
    a mosaic with the Bayer filter on).
    """
    # a fourth stream for the slide's extras: the first three are those of spawn(3)
    field_rng, noise_rng, slide_rng, extras_rng = rng.spawn(4)
    conditions = variation.draw(cfg, slide_rng)
    raster = rasterize(scene, cfg.frame)
    slide.deposit(raster.density, cfg, extras_rng)
    stages = {"transmittance": stain.transmittance(raster.density, cfg, conditions.stain,
                                                    conditions.azure)}
    phase.refract(stages["transmittance"], raster.density, cfg, conditions.defocus)
    slide.specks(stages["transmittance"], cfg, extras_rng)
    # without keep_stages the transmittance is not kept: light it in place
    stages["illuminated"] = illumination.illuminate(
        stages["transmittance"], cfg, field_rng,
        out=None if keep_stages else stages["transmittance"])
    stages["blurred"] = psf.blur(stages["illuminated"], cfg, conditions.defocus)
    if not keep_stages:  # free each frame once the next stage has it
        del stages["transmittance"], stages["illuminated"]
    # the mosaic is this stage's own copy: the raw signal may be written over it
    mosaic = sensor.mosaic(stages["blurred"]) if cfg.bayer.enabled else None
    stages["raw"] = sensor.capture(stages["blurred"] if mosaic is None else mosaic,
                                   illumination.electrons_per_unit(cfg), cfg.sensor, noise_rng,
                                   conditions.exposure, out=mosaic)
    del mosaic
    rgb, jpeg = isp.process(stages["raw"], cfg, conditions.white)
    return Image(irradiance=stages["blurred"], raster=raster, conditions=conditions, jpeg=jpeg,
                 stages=stages if keep_stages else {}, pixels=rgb)


__all__ = ["render", "Image", "OpticsConfig"]
