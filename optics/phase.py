"""Phase contrast of the focus: refractile cells seen slightly out of focus.

A cell retards the light that crosses it by its optical path difference from the medium around
it, OPD = Δn × thickness (µm). In focus, under incoherent light, a pure phase object is
invisible; a condenser stopped below the objective's aperture makes the light partly coherent,
and a specimen slightly out of focus then shows its phase as intensity. For a slowly varying
phase the transport-of-intensity equation (M. R. Teague, J. Opt. Soc. Am. 73:1434, 1983)
gives the intensity a distance Δz beyond the specimen's exit plane, in a medium of index n, as

    I(Δz) = I (1 − (Δz / n) ∇² OPD),

independent of the wavelength. The image plane lies Δz = −``height`` from the cells'
refracting upper surface (the autofocus settles inside the cells, below that surface):
where the optical path has a minimum (a vacuole, a red cell's thin centre, the medium just
outside a cell's edge) the light converges and the image is brighter; where it has a maximum (a
red cell's thick rim, a dense granule) darker. The clear vacuoles of PBC monocytes, as bright as
the empty slide (tests/bench/vacuoles.py), and the crisp rim and bright centre of PBC red cells
are this. The effect is off by default (:class:`optics.config.Phase` says why).

The optical path is taken from the stain column densities (the dry mass follows the stained
substance): Σ_s ``refraction``_s × density_s. Haemoglobin's is a red cell's Δn at unit
concentration (0.063 at 33 g/dL: R. Barer, Nature 172:1097, 1953; Y. Park et al., PNAS
105:13730, 2008); the white cells' stains mark their cytoplasm, nucleus and granules, whose Δn
(about 0.03–0.05) the stains' concentrations carry only in proportion. The transport equation
holds at low spatial frequencies; the phase is smoothed over ``smoothing`` (the partial
coherence of the condenser) before its Laplacian.
"""

from __future__ import annotations

import cv2
import numpy as np

from optics.config import OpticsConfig
from optics.strips import strips

PYRAMID = 1.0
"""σ of OpenCV's pyrDown kernel (1, 4, 6, 4, 1) / 16, in the pixels it is applied to."""


def contrast(density: np.ndarray, cfg: OpticsConfig, focus_error: float = 0.0) -> np.ndarray:
    """Factor on the transmitted intensity, 1 − (Δz / n) ∇² OPD, float32 (H, W), at least 0.

    The optical path is smoothed on a pyramid: halved (OpenCV's pyrDown, itself a blur of
    :data:`PYRAMID`) while the smoothing's σ is at least twice the pixel, the rest of the σ a
    Gaussian blur; the Laplacian is taken there and the factor interpolated back (pyrUp).

    Parameters
    ----------
    density
        Column density of each stain, µm × concentration, shape (S, H, W).
    cfg
        Optics configuration: ``phase`` (height, refraction, smoothing), ``psf.immersion`` (n)
        and the pixel size.
    focus_error
        This image's focus error (:mod:`optics.variation`), µm, added to the height.
    """
    ph, p = cfg.phase, cfg.frame.pixel_size
    h, w = density.shape[1:]
    opd = np.empty((h, w), np.float32)
    for rows in strips(h, w):
        part = opd[rows]
        np.multiply(density[0, rows], np.float32(ph.refraction[0]), out=part)
        for k, plane in zip(ph.refraction[1:], density[1:]):
            part += np.float32(k) * plane[rows]
    sigma, levels, spent = ph.smoothing / p, 0, 0.0  # σ in pixels of the current level
    small = opd
    while sigma >= 2.0 * 2 ** levels and min(small.shape) > 1:
        small = cv2.pyrDown(small)
        spent += (PYRAMID * 2 ** levels) ** 2
        levels += 1
    rest = np.sqrt(sigma ** 2 - spent) / 2 ** levels
    small = cv2.GaussianBlur(small, (0, 0), rest)
    lap = cv2.Laplacian(small, cv2.CV_32F, ksize=1)
    # I(Δz) / I with Δz = −height − focus error: Laplacian per coarse pixel², OPD in µm
    coarse = p * 2 ** levels  # µm
    lap *= np.float32((ph.height + focus_error) / (cfg.psf.immersion * coarse * coarse))
    lap += 1.0
    # non-negative before the interpolation (pyrUp's kernel is positive)
    np.maximum(lap, 0.0, out=lap)
    shapes = [opd.shape]
    for _ in range(levels - 1):
        shapes.append(((shapes[-1][0] + 1) // 2, (shapes[-1][1] + 1) // 2))
    for shape in reversed(shapes):
        lap = cv2.pyrUp(lap, dstsize=(shape[1], shape[0]))
    return lap


def refract(transmittance: np.ndarray, density: np.ndarray, cfg: OpticsConfig,
            focus_error: float = 0.0) -> None:
    """Multiply `transmittance` (H, W, 3) in place by :func:`contrast` (nothing with the phase
    effect off)."""
    if cfg.phase.enabled:
        factor = contrast(density, cfg, focus_error)
        for rows in strips(*factor.shape):
            part = transmittance[rows]
            cv2.multiply(part, cv2.merge([factor[rows]] * part.shape[2]), dst=part)
