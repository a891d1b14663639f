"""optics — from specimen to pixels.

:func:`render` runs the stages in the order light meets them: rasterise the scene
(:mod:`optics.raster`), absorb by Beer–Lambert (:mod:`optics.stain`), illuminate
(:mod:`optics.illumination`), blur by the PSF (:mod:`optics.psf`), expose the sensor
(:mod:`optics.sensor`). ``optics`` knows nothing of files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optics import illumination, psf, sensor, stain
from optics.config import OpticsConfig
from optics.raster import Raster, rasterize
from sim.scene import Scene


@dataclass
class Image:
    """A rendered image and what it was made from.

    Attributes
    ----------
    rgb
        The camera image, uint8, shape (H, W, 3), RGB order.
    irradiance
        The noise-free image on the sensor (fraction of full scale), float32, (H, W, 3).
    raster
        The rasterised specimen (stain densities and which cell lies where).
    """

    rgb: np.ndarray
    irradiance: np.ndarray
    raster: Raster


def render(scene: Scene, cfg: OpticsConfig, rng: np.random.Generator) -> Image:
    """Image `scene` through the microscope and camera described by `cfg`."""
    raster = rasterize(scene, cfg.frame)
    light = illumination.illuminate(stain.transmittance(raster.density, cfg.stains), cfg.illumination)
    light = psf.blur(light, cfg.psf, cfg.frame.pixel_size)
    return Image(rgb=sensor.expose(light, cfg.sensor, rng), irradiance=light, raster=raster)


__all__ = ["render", "Image", "OpticsConfig"]
