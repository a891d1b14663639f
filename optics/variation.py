"""Image-to-image variation: each image of a real dataset is taken under its own conditions.

A real dataset is photographed from many slides and fields. Slides are stained a little more or
less strongly (staining time, buffer pH, stain batch); the camera's background normalisation
lands on a slightly different colour from image to image; autofocus settles at a slightly
different height. Without these, every synthetic image is made under identical conditions and a
set of them is narrower than a real set in colour and sharpness, which a two-sample test sees at
once (:mod:`export.realism.compare`). :func:`draw` draws the conditions of one image from its own
random stream; :mod:`optics.stain`, :mod:`optics.psf` and :mod:`optics.isp` apply them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from optics.config import OpticsConfig
from sim.classes import STAINS

DEFOCUS_STEP = 0.05
"""Focus errors are rounded to this step, µm (a tenth of the depth of field λ/NA² ≈ 0.35 µm at
NA 1.25), so that images share a few cached PSF kernels."""

CHANNELS = ("r", "g", "b")
"""Colour channels whose white balance varies."""


@dataclass(frozen=True)
class Conditions:
    """How one image's slide was stained and photographed, relative to the configured values.

    Attributes
    ----------
    stain
        Factor on the column density of each stain of :data:`sim.classes.STAINS`, shape (S,).
    white
        Factor on each channel (R, G, B) of the background colour the camera normalises to.
    defocus
        Focus error added to ``psf.defocus``, µm.
    red_azure
        Factor on the free azure the red cells take up (:data:`optics.stain.FREE_AZURE`): their
        hue, pinker or greyer.
    exposure
        Factor on the light the camera collects (exposure time × lamp brightness), at most 1;
        the camera normalises the background to the same colour, so only the noise changes.
    chromatin_azure
        Factor on the free azure B the nuclei hold beside the azure B–eosin complex
        (:data:`optics.stain.FREE_AZURE`): their hue, bluer or more purple.
    """

    stain: np.ndarray
    white: np.ndarray
    defocus: float
    red_azure: float = 1.0
    exposure: float = 1.0
    chromatin_azure: float = 1.0

    @property
    def azure(self) -> np.ndarray:
        """Factor on the free azure of each stain of :data:`sim.classes.STAINS`, shape (S,)."""
        factor = np.ones(len(STAINS))
        factor[STAINS.index("haemoglobin")] = self.red_azure
        factor[STAINS.index("chromatin")] = self.chromatin_azure
        return factor

    def to_dict(self) -> dict:
        """Plain values for the image metadata."""
        return {"stain": np.round(self.stain, 5).tolist(),
                "white_balance": np.round(self.white, 5).tolist(),
                "defocus_um": round(self.defocus, 4),
                "red_cell_azure": round(self.red_azure, 5), "exposure": round(self.exposure, 5),
                "chromatin_azure": round(self.chromatin_azure, 5)}


def nominal(stains: int) -> Conditions:
    """The configured conditions themselves (variation off)."""
    return Conditions(np.ones(stains), np.ones(3), 0.0)


def draw(cfg: OpticsConfig, rng: np.random.Generator) -> Conditions:
    """The conditions of one image: log-normal factors of σ ``variation.stain`` (per stain) and
    ``variation.white_balance`` (per channel), a normal focus error of σ ``variation.defocus``
    µm (rounded to :data:`DEFOCUS_STEP`), a log-normal pH factor of σ ``variation.ph`` on the
    azure : eosin balance, these σ times ``variation.level``; a camera-to-camera factor of σ
    ``variation.camera`` on the background colour; with probability ``alternate_fraction`` the
    camera's second white balance; log-normal factors of σ ``variation.red_cell_azure`` on the
    red cells' free azure and of σ ``variation.chromatin_azure`` on the nuclei's, and a factor
    exp(−σ |z|) of σ ``variation.exposure`` on the light (never more than configured: the
    camera is set near its full well), these σ times ``level``.
    Draws the same numbers whatever the σ, so changing one σ leaves the other conditions of an
    image as they were."""
    v = cfg.variation
    # one standard normal per stain, per channel, for the focus and the pH, one uniform, then
    # one standard normal per channel for the camera, then one each for the red cells' azure,
    # the light and the nuclei's azure
    z = rng.standard_normal(len(STAINS) + len(CHANNELS) + 2)
    z_stain, z_white, (z_focus, z_ph) = np.split(z, [len(STAINS), len(STAINS) + len(CHANNELS)])
    alternate = rng.random() < v.alternate_fraction
    z_camera = rng.standard_normal(len(CHANNELS))
    z_red, z_exposure, z_chromatin = rng.standard_normal(3)
    if not v.enabled:
        return nominal(len(STAINS))
    stain = np.exp(v.level * np.asarray(v.stain) * z_stain)
    ph = np.exp(v.level * v.ph * z_ph)
    stain[STAINS.index("azure")] *= ph
    stain[STAINS.index("eosin")] /= ph
    white = np.exp(v.level * np.asarray(v.white_balance) * z_white
                   + np.asarray(v.camera) * z_camera)
    if alternate:
        white *= np.asarray(v.alternate_white)
    defocus = DEFOCUS_STEP * round(v.level * v.defocus * z_focus / DEFOCUS_STEP)
    return Conditions(stain, white, float(defocus), float(np.exp(v.level * v.red_cell_azure * z_red)),
                      float(np.exp(-v.level * v.exposure * abs(z_exposure))),
                      float(np.exp(v.level * v.chromatin_azure * z_chromatin)))
