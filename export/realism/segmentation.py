"""One segmentation of real and synthetic smear images, by optical density: what
:mod:`~export.realism.morphometry`, :mod:`~export.realism.compare` and
:mod:`~export.realism.calibrate` measure.

1. Background: per channel, the median of the brightest 15 % of pixels (the empty slide;
   :func:`background`).
2. Optical density OD = −log10(I / background) per channel, clipped at 0, smoothed (σ = 1 px,
   against pixel noise; :func:`relative_od`).
3. Pixel classes of an OD image (:func:`regions`):

   * background: OD sum < :data:`BACKGROUND_OD`;
   * nucleus (chromatin): OD_red > 0.12, OD_green > 0.25 and OD_red > 0.45 OD_green
     (:data:`NUCLEUS_OD`; the purple-blue azure B–eosin complex absorbs red as well as green,
     eosin-stained granules and red cells absorb little red); a single cell's nucleus is
     segmented at the level of dense chromatin, :data:`DENSE_OD` (see there why);
   * red cell: stained (OD sum > :data:`FOREGROUND_OD`) and not nucleus, with a blue share
     OD_blue / OD_sum above :data:`RBC_BLUE_SHARE` (haemoglobin's Soret band absorbs blue);
   * cytoplasm: the rest of the stained pixels.

4. The centred subject cell of a single-cell (PBC-style) image (:func:`subject`): the dense
   chromatin components reaching the central disc, the stained non-red-cell component holding
   them, its convex hull.
5. Red-cell diameters by the circle Hough transform (:func:`rbc_diameters`).

Structuring elements are lengths on the specimen (µm), turned into pixels with the image's
pixel size; the Hough search window is in pixels, as the scale of a real folder is unknown
(:func:`rbc_diameters` says why).
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy import ndimage

BACKGROUND_PERCENTILE = 85.0
"""Pixels at or above this percentile of brightness (mean of R, G, B) are taken as empty slide."""

BACKGROUND_OD = 0.06
"""OD sum below which a pixel is empty slide."""

FOREGROUND_OD = 0.12
"""OD sum above which a pixel holds stained material."""

NUCLEUS_OD = (0.12, 0.25, 0.45)
"""Chromatin: OD_red > 0.12, OD_green > 0.25 and OD_red > 0.45 OD_green. Loose enough for the
pale BCCD nuclei as well as the PBC ones (BCCD nuclei: median OD 0.18 red, 0.31 green)."""

DENSE_OD = (0.22, 0.40)
"""Dense chromatin, the body of a nucleus: OD_red > 0.22 and OD_green > 0.40, denser in red than
any eosin- or haemoglobin-stained material (PBC eosinophil granules: OD_red 0.17), so no hue
test is needed. A single cell's nucleus is segmented at this level: in the PBC reference the
RNA-rich (azure) cytoplasm of lymphocytes, monocytes and erythroblasts passes the looser
:data:`NUCLEUS_OD`, and taking it in doubles their N:C ratio (``tests/bench/morphometry.py``:
lymphocyte 5.2 instead of 2.8), while the hue test would drop dark basophil and platelet
granulomere pixels (N:C −24 %, −14 %). The nuclei of the paler BCCD images mostly lie below this
level (5 % of their chromatin pixels reach it), so colour statistics over whole images
(:func:`regions`) use :data:`NUCLEUS_OD`."""

RBC_BLUE_SHARE = 0.245
"""Blue share of OD above which non-nuclear stained material is red-cell material (PBC reference:
red cells ≈ 0.27, white-cell cytoplasm 0.14–0.23)."""

CENTRAL = 0.2
"""Radius of the central disc the subject's nucleus reaches, as a fraction of the image's
shorter side (the subject cell is centred)."""

CLOSING_UM = 0.2
"""Radius of the disc closing the gaps in the subject cell's stained area, µm."""

GUARD_UM = 0.3
"""Red-cell material within this distance of the subject cell is not counted as red cell, µm
(its blurred edge)."""

EDGE_UM = 0.2
"""Band inside the nuclear edge not counted as cytoplasm, µm (the blurred nuclear edge)."""

HOUGH_MIN_RADIUS_PX = 15
"""Smallest radius of the circles the Hough transform looks for, px: smaller circles are
chromatin texture and noise at any scale."""

HOUGH_MAX_RADIUS = 0.2
"""Largest radius of the circles the Hough transform looks for, as a fraction of the image's
shorter side (PBC 360 px: 72 px, 1.8 red-cell radii; BCCD 480 px: 96 px)."""

HOUGH_SPACING_PX = 20
"""Least distance between two circle centres the Hough transform reports, px."""


def disc(radius_um: float, pixel_size: float) -> np.ndarray:
    """A boolean disc structuring element of `radius_um` µm at `pixel_size` µm/px (the radius
    rounded to whole pixels)."""
    r = int(round(radius_um / pixel_size))
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * r + 1, 2 * r + 1)).astype(bool)


def background(rgb: np.ndarray) -> np.ndarray:
    """Background colour (3,) of an RGB image: per channel, the median of the pixels at or above
    the :data:`BACKGROUND_PERCENTILE` of brightness, in the image's units (+0.5 if it was
    offset)."""
    img = rgb.astype(np.float32) if rgb.dtype != np.float32 else rgb
    grey = img.mean(axis=2)
    return np.median(img[grey >= np.percentile(grey, BACKGROUND_PERCENTILE)], axis=0)


def relative_od(rgb: np.ndarray) -> np.ndarray:
    """OD (H, W, 3) of an RGB uint8 image relative to its own background (:func:`background`),
    smoothed: what the segmentation works on (the camera's OD is
    :func:`optics.stain.optical_density`)."""
    img = rgb.astype(np.float32) + 0.5
    od = np.clip(-np.log10(img / background(img)), 0.0, None)
    return cv2.GaussianBlur(od, (0, 0), 1.0)


def nucleus(od: np.ndarray, dense: bool = False) -> np.ndarray:
    """Chromatin pixels of an OD image: of the chromatin hue (:data:`NUCLEUS_OD`), or with
    `dense` those of dense chromatin (:data:`DENSE_OD`)."""
    r, g = od[..., 0], od[..., 1]
    if dense:
        return (r > DENSE_OD[0]) & (g > DENSE_OD[1])
    red, green, hue = NUCLEUS_OD
    return (r > red) & (g > green) & (r > hue * g)


def regions(od: np.ndarray) -> dict[str, np.ndarray]:
    """Boolean masks ``background``, ``rbc``, ``nucleus`` and ``cytoplasm`` of an OD image
    (H, W, 3); the last three do not overlap."""
    total = od.sum(axis=2)
    chromatin = nucleus(od)
    stained = (total > FOREGROUND_OD) & ~chromatin
    rbc = stained & (od[..., 2] > RBC_BLUE_SHARE * total)
    return {"background": total < BACKGROUND_OD, "rbc": rbc, "nucleus": chromatin,
            "cytoplasm": stained & ~rbc}


def subject(od: np.ndarray, pixel_size: float, hull: bool = True
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks of the centred subject cell, its nucleus and the red-cell material around it.

    The nucleus is the dense chromatin components (:data:`DENSE_OD`) reaching the central disc
    (:data:`CENTRAL`), holes filled; the cell the stained, non-red-cell component (gaps closed over
    :data:`CLOSING_UM`) holding the nucleus, or without one the central stained area, as its convex
    hull (with `hull` false: as stained, holes filled, the concavities of its outline kept); red-cell
    material within :data:`GUARD_UM` of the cell is left out.

    Parameters
    ----------
    od
        OD image (H, W, 3), :func:`relative_od`.
    pixel_size
        Specimen size of one pixel, µm.
    hull
        Whether the cell is its convex hull (the default) or the stained area itself.
    """
    h, w = od.shape[:2]
    yy, xx = np.mgrid[:h, :w]
    central = np.hypot(yy - h / 2, xx - w / 2) < CENTRAL * min(h, w)
    masks = regions(od)
    labels, _ = ndimage.label(nucleus(od, dense=True))
    hit = np.unique(labels[central])
    nuc = ndimage.binary_fill_holes(np.isin(labels, hit[hit > 0]))
    stained = masks["cytoplasm"] | masks["nucleus"] | nuc  # every stained pixel but red cells'
    body = ndimage.binary_closing(stained, disc(CLOSING_UM, pixel_size))
    labels, _ = ndimage.label(body)
    seed = nuc if nuc.any() else central
    keep = np.unique(labels[seed & (labels > 0)])
    cell = np.isin(labels, keep[keep > 0])
    if not hull:
        cell = ndimage.binary_fill_holes(cell)
    elif cell.any():
        points = cv2.convexHull(np.argwhere(cell)[:, ::-1].astype(np.int32))
        cell = cv2.fillConvexPoly(np.zeros((h, w), np.uint8), points, 1).astype(bool)
    rbc = masks["rbc"] & ~ndimage.binary_dilation(cell, disc(GUARD_UM, pixel_size))
    return cell, nuc & cell, rbc


def rbc_diameters(od: np.ndarray) -> np.ndarray:
    """Diameters (px) of round cells found by the circle Hough transform (OpenCV
    ``HOUGH_GRADIENT``) on the smoothed OD-sum image, radii :data:`HOUGH_MIN_RADIUS_PX` to
    :data:`HOUGH_MAX_RADIUS` of the image side.

    The search window is in pixels and image sides, not µm: the pixel size of a real folder is
    unknown, and calibrate measures it with this very transform (the lab's red-cell diameter in
    pixels against 7.82 µm). A window in µm at an assumed scale biases the result on images of
    another scale: at the PBC scale (15–72 px) the median BCCD diameter falls from 102 to 88 px
    (true ≈ 106 px).

    Detections include some false circles; their median tracks the red-cell size (synthetic
    ``pbc``: 83 px for cells of 79 px; PBC reference: about 88 px; BCCD: about 106 px).
    """
    g = cv2.GaussianBlur(np.clip(od.sum(axis=2) * 255, 0, 255).astype(np.uint8), (0, 0), 2)
    circles = cv2.HoughCircles(g, cv2.HOUGH_GRADIENT, dp=2, minDist=HOUGH_SPACING_PX, param1=40,
                               param2=30, minRadius=HOUGH_MIN_RADIUS_PX,
                               maxRadius=int(HOUGH_MAX_RADIUS * min(g.shape)))
    return np.zeros(0) if circles is None else 2.0 * circles[0][:, 2]
