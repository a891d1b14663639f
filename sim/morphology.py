"""What each cell is made of: thickness, nucleus, chromatin and granules as stain fields.

A cell's morphology is plain data (:class:`Morphology`) drawn once from its class parameters;
:func:`densities` evaluates it at any points of the cell frame (µm) and returns the column density
of every stain (thickness × relative concentration, µm), the quantity Beer–Lambert needs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from functools import lru_cache

import cv2
import numpy as np

from sim import biconcave, texture
from sim.nucleus import depth as ellipse_depth, place as place_nucleus
from sim.classes import STAINS
from sim.config import CellType

EDGE = 0.15
"""Width of the soft nucleus edge, µm (about one optical resolution element at NA 1.25)."""

RIM = 0.3
"""Depth over which chromatin condenses along the nuclear envelope, µm."""

VACUOLE_DEPTH = 1.0
"""Fraction of the cell's thickness a vacuole leaves empty (a clear hole: the crisp, white
vacuoles of PBC monocytes)."""

NUCLEOLUS_CLEARING = 0.6
"""Fraction of chromatin displaced inside a nucleolus."""

NUCLEOLUS_RNA = 0.25
"""Azure-binding (RNA) concentration of a nucleolus, relative."""

MOTTLE_GRAINS = 4.0
"""Lattice cell of the coarse chromatin blotches, in lattice cells of the fine clumping (blotches
about half of it: 1–2 µm for a 0.45 µm clumping, as the mottling of PBC nuclei)."""

MOTTLE_FLOOR = 0.35
"""Least factor the blotches leave on the clumping (no blotch clears the chromatin entirely)."""

RUFFLE_MODES = np.arange(3, 13)
"""Fourier modes of a cell outline's ruffling (:func:`ruffle`): 3 to 12 bulges and notches round
the cell, each mode of amplitude 1 / k (coarse ones larger); chosen by eye against the ruffled
margins of monocytes and lymphocytes in the PBC reference."""

NUCLEUS_MOST = 0.9
"""Largest nucleus area fraction a cell's spread may reach (a rim of cytoplasm remains)."""

PALLOR_MOST = 0.6
"""Largest relative radius a red cell's pallor may reach (within its rim, which peaks at 0.65-0.7
radii)."""

NUCLEOPLASM_STAINS = {"eosin": 1.24, "azure": 0.84}
"""Eosin and azure concentration of the nucleoplasm per unit of the chromatin concentration it
stands for: under the default stain spectra (green OD per µm 0.71 chromatin, 0.43 eosin, 0.21
azure; optics.stain.tables) its green OD is that of the chromatin it replaces, 3 : 1 from eosin
and azure, the mix that with the chromatin gives an R : G : B OD of 0.62 : 1 : 0.23 (PBC nuclei:
0.57-0.65 : 1 : 0.21-0.25 in the reference's seven nucleated classes, subject segmentation;
the chromatin alone 0.59 : 1 : 0.15)."""

CYTOPLASM_GRAIN = 0.5
"""Lattice cell of the cytoplasm's fine texture, µm (features 0.2–0.5 µm across)."""

HUE_GRAIN = 1.0
"""Lattice cell of a nucleus's ``hue_texture``, µm (bluer and pinker patches about 1 µm across:
PBC nuclei keep 40-50 % of their hue variation after a 0.4 µm blur, tests/bench/hue_texture.py)."""

GREEN_OD = {"eosin": 0.43, "azure": 0.21}
"""Green OD per µm of a unit concentration of eosin and of azure under the default stain spectra
(optics.stain.tables; as for :data:`NUCLEOPLASM_STAINS`): the weights under which the hue
texture keeps the nucleoplasm's green OD (the luminance a camera sees) while tilting its hue."""

HUE_STEP = 4
"""Grid step at which the hue texture is sampled, then interpolated linearly: a lattice cell of
:data:`HUE_GRAIN` spans 20 points at PBC's 0.0987 µm per pixel, sampled twice per pixel, and the
texture's bilinear samples cost ten times its interpolation."""

GRANULE_EDGE = 0.15
"""Soft edge of a granule, in units of the granule texture (a fifth of its radius)."""


@dataclass
class Morphology:
    """Stain-relevant structure of one cell, in its own frame (µm, origin at the centre).

    Attributes
    ----------
    profile
        ``"biconcave"`` (Evans–Fung red cell) or ``"dome"`` (flattened nucleated cell or
        platelet: thickness T₀ √(1 − ρ^n) at relative radius ρ).
    thickness, dome_edge
        Peak thickness T₀, µm; the dome profile's exponent n (``CellType.dome_edge``).
    centre
        Central thickness coefficient of the biconcave profile, µm (see :func:`sim.biconcave.evans_fung`).
    pallor, pallor_edge
        Relative radius of the biconcave cell's central pallor (0: the Evans–Fung bowl) and the
        half-width of its wall (see :func:`sim.biconcave.relative`).
    nucleus
        Ellipses ``(cx, cy, a, b, theta)`` in µm and rad whose union is the nucleus (may be empty).
    chromatin, chromatin_texture, chromatin_rim, nucleoplasm, chromatin_azure
        Mean chromatin concentration in the nucleus, the contrast of its clumping, the
        relative excess condensed along the nuclear envelope, the share of the nucleus's
        stain the nucleoplasm holds evenly (:data:`NUCLEOPLASM_STAINS`), and the free azure B
        the chromatin holds per unit of it.
    parachromatin, chromatin_grain, chromatin_mottle
        Area fraction of the pale spaces between chromatin clumps; lattice cell of the
        clumping, µm; relative amplitude of the coarse blotches over it.
    nucleus_roughness, outline_grain
        Rms excursion of the nucleus outline from the smooth shape and its lattice cell, µm.
    cytoplasm, cytoplasm_texture
        Concentration of each stain in the cytoplasm; rms relative variation of it over a fine
        texture of lattice cell :data:`CYTOPLASM_GRAIN`.
    hue_texture, cytoplasm_hue
        σ of the log of the nucleoplasm's and of the cytoplasm's azure : eosin balance over a
        texture of lattice cell :data:`HUE_GRAIN` (:func:`_tint`).
    granules, granule_stain, granule_size, granule_coverage, granule_zone, granule_veil
        Stain concentration inside granules, which stain, granule diameter (µm), area fraction,
        outer edge of the granule-bearing zone (cell radii), density over the nucleus relative
        to over the cytoplasm.
    vacuoles, nucleoli
        Discs ``(cx, cy, r, r, 0)`` in µm: clear vacuoles in the cytoplasm, pale RNA-rich
        nucleoli in the nucleus (may be empty).
    stage
        Sub-type (``ig``: promyelocyte, myelocyte, metamyelocyte; ``erythroblast``: basophilic,
        polychromatic, orthochromatic; ``lymphocyte``: small, large), else ``""``.
    texture
        Offsets of the chromatin, granule, nucleus-outline and chromatin-blotch textures in their
        tiles (tile samples).
    """

    profile: str
    thickness: float
    dome_edge: float
    centre: float
    nucleus: np.ndarray
    chromatin: float
    chromatin_texture: float
    chromatin_rim: float
    nucleoplasm: float
    chromatin_azure: float
    parachromatin: float
    chromatin_grain: float
    chromatin_mottle: float
    nucleus_roughness: float
    outline_grain: float
    cytoplasm: dict[str, float]
    cytoplasm_texture: float
    granules: float
    granule_stain: str
    granule_size: float
    granule_coverage: float
    granule_zone: float
    granule_veil: float
    vacuoles: np.ndarray
    nucleoli: np.ndarray
    texture: tuple[float, ...]
    stage: str = ""
    pallor: float = 0.0
    pallor_edge: float = 0.06
    hue_texture: float = 0.0
    cytoplasm_hue: float = 0.0

    def to_dict(self) -> dict:
        """Plain, JSON-ready parameters (a shallow copy: ``dataclasses.asdict`` deep-copies
        every value, which took a third of the time of an image's metadata)."""
        d = {name: getattr(self, name) for name in _names(type(self))}
        for key in ("nucleus", "vacuoles", "nucleoli"):
            v = getattr(self, key)
            d[key] = np.round(v, 4).tolist() if v.size else v.tolist()
        return d


@lru_cache(maxsize=None)
def _names(cls: type) -> tuple[str, ...]:
    """Field names of a morphology dataclass (``dataclasses.fields`` is slow per call)."""
    return tuple(f.name for f in fields(cls))


def _discs(n: int, size: tuple[float, float], centre: np.ndarray, spread: tuple[float, float],
           rng: np.random.Generator) -> np.ndarray:
    """`n` discs ``(cx, cy, r, r, 0)`` of radius in `size` (µm), at a distance in `spread` (µm)
    from `centre` in random directions."""
    if n == 0:
        return np.zeros((0, 5))
    phi, dist = rng.uniform(0, 2 * np.pi, n), rng.uniform(*spread, n)
    r = rng.uniform(*size, n)
    return np.stack([centre[0] + dist * np.cos(phi), centre[1] + dist * np.sin(phi), r, r,
                     np.zeros(n)], axis=1)


def _clear_of(nucleus: np.ndarray, discs: np.ndarray, reach: float) -> np.ndarray:
    """The `discs` each moved outwards along its direction from the cell centre to the first
    of 16 steps where it lies clear of the `nucleus`, within `reach` µm of the centre; a disc
    with no such place is dropped."""
    if not len(discs) or not len(nucleus):
        return discs
    d0 = np.maximum(np.hypot(discs[:, 0], discs[:, 1]), 1e-6)[:, None]
    r = discs[:, 2:3]
    dist = d0 + np.linspace(0.0, 1.0, 16)[None, :] * np.maximum(reach - r - d0, 0.0)
    x, y = (discs[:, i:i + 1] / d0 * dist for i in (0, 1))
    clear = ellipse_depth(nucleus, x.astype(np.float32), y.astype(np.float32)) < -r
    step, keep = clear.argmax(axis=1), clear.any(axis=1)
    rows = np.arange(len(discs))
    moved = discs.copy()
    moved[:, 0], moved[:, 1] = x[rows, step], y[rows, step]
    return moved[keep]


def ruffle(radii: np.ndarray, depth: float, rng: np.random.Generator) -> np.ndarray:
    """The outline radii (µm, at uniform angles) ruffled inwards by up to `depth` µm: a random
    sum of the :data:`RUFFLE_MODES`, scaled to [0, 1] and subtracted. Inward only, so a settled
    cell never reaches further into its neighbours; `radii` itself is left as it was."""
    if depth <= 0:
        return radii
    theta = np.linspace(0.0, 2 * np.pi, radii.size, endpoint=False)
    k = RUFFLE_MODES[:, None]
    wave = np.sum(rng.standard_normal(k.shape) / k
                  * np.cos(k * theta + rng.uniform(0, 2 * np.pi, k.shape)), axis=0)
    span = wave.max() - wave.min()
    return radii - depth * (wave - wave.min()) / max(span, 1e-12)


def individual(t: CellType, rng: np.random.Generator) -> CellType:
    """One cell's own parameters: its class's, each scaled by a log-normal factor of σ given in
    ``t.spread`` (no draw when the class has no spread). The cytoplasm's hue factor multiplies
    its azure and divides its eosin, so a cell may be bluer or pinker than its class."""
    s = t.spread
    sigma = np.array([s.nucleus_fraction, s.chromatin, s.cytoplasm, s.hue, s.granules, s.granules])
    if not sigma.any():
        return t
    f = np.exp(sigma * rng.standard_normal(sigma.size))
    return replace(t, nucleus_fraction=min(t.nucleus_fraction * f[0], NUCLEUS_MOST),
                   chromatin=t.chromatin * f[1], haemoglobin=t.haemoglobin * f[2],
                   eosin=t.eosin * f[2] / f[3], azure=t.azure * f[2] * f[3],
                   granules=t.granules * f[4], granule_coverage=min(t.granule_coverage * f[5], 0.95))


def draw(t: CellType, radius: float, profile: str, rng: np.random.Generator,
         stage: str = "") -> Morphology:
    """Draw the morphology of one cell of type `t` (sub-type `stage`) with mean radius `radius`
    (µm).

    Vacuoles (a Poisson number of mean ``t.vacuoles``) have radii from 0.4 to 1 × half of
    ``t.vacuole_size`` and are drawn 0.5–0.85 cell radii from the centre, then moved out of the
    nucleus (:func:`_clear_of`: a vacuole is a clear space in the cytoplasm). Nucleoli
    (Poisson, mean ``t.nucleoli``) have radii 0.35–0.6 µm (0.7–1.2 µm across, the pale round
    nucleoli of promyelocytes in the PBC reference; chosen by eye, no morphometry figure checks
    them) and lie within 0.4 of the main nuclear bead's smaller semi-axis of its centre. The
    class's values are first made the cell's own (:func:`individual`), and its nucleus fraction
    scaled by (cell diameter / class diameter) ** (2 (``nucleus_coupling`` − 1)): the nucleus
    area grows as the cell area to the power ``nucleus_coupling``.
    """
    t = individual(t, rng)
    if t.nucleus_coupling != 1.0:
        scale = (2.0 * radius / t.diameter) ** (2.0 * (t.nucleus_coupling - 1.0))
        t = replace(t, nucleus_fraction=min(t.nucleus_fraction * scale, NUCLEUS_MOST))
    nucleus = place_nucleus(t, radius, rng)
    half = t.vacuole_size / 2
    vacuoles = _discs(rng.poisson(t.vacuoles) if len(nucleus) else 0, (0.4 * half, half),
                      np.zeros(2), (0.5 * radius, max(0.5 * radius, 0.85 * radius - half)), rng)
    vacuoles = _clear_of(nucleus, vacuoles, 0.9 * radius)
    main = nucleus[0] if len(nucleus) else np.zeros(5)
    nucleoli = _discs(rng.poisson(t.nucleoli) if len(nucleus) else 0, (0.35, 0.6), main[:2],
                      (0.0, 0.4 * min(main[2], main[3])), rng)
    return Morphology(
        profile=profile,
        thickness=t.thickness,
        dome_edge=t.dome_edge,
        centre=(t.centre_thickness * float(np.exp(t.centre_spread * rng.standard_normal()))
                if t.centre_spread > 0 else t.centre_thickness),
        nucleus=nucleus,
        chromatin=t.chromatin,
        chromatin_texture=t.chromatin_texture,
        chromatin_rim=t.chromatin_rim,
        nucleoplasm=t.nucleoplasm,
        chromatin_azure=t.chromatin_azure,
        parachromatin=t.parachromatin,
        chromatin_grain=t.chromatin_grain,
        chromatin_mottle=t.chromatin_mottle,
        nucleus_roughness=t.nucleus_roughness,
        outline_grain=t.outline_grain,
        cytoplasm={s: getattr(t, s) for s in ("haemoglobin", "eosin", "azure") if getattr(t, s)},
        cytoplasm_texture=t.cytoplasm_texture,
        granules=t.granules,
        granule_stain=t.granule_stain,
        granule_size=t.granule_size,
        granule_coverage=t.granule_coverage,
        granule_zone=t.granule_zone,
        granule_veil=t.granule_veil,
        vacuoles=vacuoles,
        nucleoli=nucleoli,
        texture=tuple(float(v) for v in rng.uniform(0, texture.TILE_PX, 8)),
        stage=stage,
        pallor=(min(t.pallor_radius * float(np.exp(t.pallor_spread * rng.standard_normal())),
                    PALLOR_MOST) if t.pallor_radius > 0 and t.pallor_spread > 0
                else t.pallor_radius),
        pallor_edge=t.pallor_edge, hue_texture=t.hue_texture, cytoplasm_hue=t.cytoplasm_hue,
    )


def relative_radius(radii: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """ρ = |p| / R(θ): 0 at the centre, 1 on the outline given by `radii` at uniform angles.

    Polar coordinates come from OpenCV's ``cartToPolar`` (float32, angle accurate to about 0.3°,
    far finer than the 5.6° between outline samples); R is linear in angle between samples,
    R = r_i + (r_{i+1} − r_i) f, and ρ computed in the precision of `radii` (float32 for the
    raster's radii, float64 for the scene statistics'), its operands converted once.
    """
    k = radii.size
    flat = [np.ascontiguousarray(a, dtype=np.float32).reshape(-1, 1) for a in (x, y)]
    mag, u = (a.reshape(np.shape(x)) for a in cv2.cartToPolar(*flat))
    u *= np.float32(k / (2 * np.pi))
    i0 = u.astype(np.int32)  # 0 … k (an angle of 2π may round to k)
    r = np.concatenate([radii, radii[:2]])  # r_i and r_{i+1} without wrapping the indices
    dtype = np.result_type(radii, np.float32)
    f = u.astype(dtype, copy=False)
    f -= i0  # exact in float32 too: the fraction of a float32 in [0, k]
    f *= (r[1:] - r[:-1]).take(i0).astype(dtype, copy=False)
    f += r.take(i0).astype(dtype, copy=False)
    return np.divide(mag.astype(dtype, copy=False), f, out=f)


def _inside(depth: np.ndarray, edge: float = EDGE) -> np.ndarray:
    """Soft indicator (0–1) of positive depth, with an edge `edge` µm wide."""
    return np.clip(depth / edge + 0.5, 0.0, 1.0)


def _thickness(m: Morphology, rho: np.ndarray, inside: np.ndarray, x: np.ndarray,
               y: np.ndarray) -> np.ndarray:
    """Cell thickness (µm, float32) from its profile, thinned where vacuoles are."""
    if m.profile == "biconcave":
        thick = m.thickness * biconcave.relative(rho, m.centre, m.pallor, m.pallor_edge)
    else:
        thick = m.thickness * np.sqrt(np.clip(1.0 - rho ** m.dome_edge, 0.0, None))
    thick = np.where(inside, thick, 0.0).astype(np.float32)
    if len(m.vacuoles):
        thick *= 1.0 - VACUOLE_DEPTH * _inside(ellipse_depth(m.vacuoles, x, y))
    return thick


def _tint(sigma: float, stains: dict[str, float], x: np.ndarray, y: np.ndarray,
          offset: tuple[float, ...]) -> dict[str, np.ndarray]:
    """Factors on the azure (k q) and eosin (k) of a stain mix of concentrations `stains` at each
    point of the grid `x`, `y` (2-D): q = exp(2 σ n) multiplies their ratio, k keeps their green
    OD (the weights :data:`GREEN_OD`), so the hue varies, not the density. n is the chromatin
    tile (zero mean, unit variance) at lattice cell :data:`HUE_GRAIN` and tile `offset`, sampled
    every :data:`HUE_STEP` points and interpolated; σ = `sigma`. Empty for an even hue (`sigma`
    0, or a mix without both azure and eosin)."""
    if sigma <= 0 or not (stains.get("azure") and stains.get("eosin")):
        return {}
    h, w = x.shape
    coarse = texture.sample("chromatin", np.ascontiguousarray(x[::HUE_STEP, ::HUE_STEP]),
                            np.ascontiguousarray(y[::HUE_STEP, ::HUE_STEP]), HUE_GRAIN, offset)
    coarse = np.exp(np.float32(2 * sigma) * coarse)
    q = cv2.resize(coarse, (coarse.shape[1] * HUE_STEP, coarse.shape[0] * HUE_STEP),
                   interpolation=cv2.INTER_LINEAR)[:h, :w]
    azure, eosin = (stains[s] * GREEN_OD[s] for s in ("azure", "eosin"))
    k = np.float32(azure) * q
    k += np.float32(eosin)
    np.divide(np.float32(azure + eosin), k, out=k)
    return {"azure": k * q, "eosin": k}


def _chromatin(m: Morphology, depth: np.ndarray, thick: np.ndarray, nuc: np.ndarray,
               x: np.ndarray, y: np.ndarray, dens: np.ndarray) -> None:
    """Add the nucleus's chromatin (clumps, blotches, envelope rim), its nucleoplasm (with the
    hue texture, :func:`_tint`) and its nucleoli's RNA to `dens`, in place. The clumps carry
    1 − ``nucleoplasm`` of the stain, with the contrast that leaves the whole nucleus
    ``chromatin_texture`` (at most 1: spaces of bare nucleoplasm)."""
    share = 1.0 - m.nucleoplasm
    clumps = texture.clumping(x, y, m.chromatin_grain, m.texture[:2], m.parachromatin,
                              min(1.0, m.chromatin_texture / share))
    if m.chromatin_mottle > 0:
        clumps *= texture.modulation(x, y, MOTTLE_GRAINS * m.chromatin_grain, m.texture[6:8],
                                     m.chromatin_mottle, MOTTLE_FLOOR)
    rim = m.chromatin_rim * np.exp(-np.maximum(depth, 0.0) / RIM)
    chromatin = m.chromatin * thick * nuc * (share * clumps + rim)
    if len(m.nucleoli):
        nucleolus = _inside(ellipse_depth(m.nucleoli, x, y)) * nuc
        chromatin *= 1.0 - NUCLEOLUS_CLEARING * nucleolus
        dens[STAINS.index("azure")] += NUCLEOLUS_RNA * thick * nucleolus
    dens[STAINS.index("chromatin")] += chromatin
    if m.chromatin_azure > 0:
        dens[STAINS.index("azure")] += m.chromatin_azure * chromatin
    if m.nucleoplasm > 0:
        ground = m.nucleoplasm * m.chromatin * thick * nuc
        hue = _tint(m.hue_texture, NUCLEOPLASM_STAINS, x, y, m.texture[4:6])
        for stain, conc in NUCLEOPLASM_STAINS.items():
            dens[STAINS.index(stain)] += conc * ground * hue.get(stain, 1.0)


def densities(m: Morphology, radii: np.ndarray, x: np.ndarray, y: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray]:
    """Stain column densities of a cell at points of its frame.

    Parameters
    ----------
    m
        The cell's morphology.
    radii
        Outline radius (µm) at uniform angles in the cell frame.
    x, y
        Sample points in the cell frame, µm (float32 arrays of one shape).

    Returns
    -------
    inside : numpy.ndarray of bool
        Points inside the outline.
    dens : numpy.ndarray of float32, shape ``(len(STAINS),) + x.shape``
        Column density of each stain of :data:`sim.classes.STAINS`, µm × concentration.
    """
    rho = relative_radius(radii, x, y)
    inside = rho < 1.0
    thick = _thickness(m, rho, inside, x, y)
    dens = np.zeros((len(STAINS),) + x.shape, dtype=np.float32)
    # depths below -EDGE / 2 less the roughness's largest dent (and 0.01 µm to spare) stain
    # nothing: they need not be computed exactly
    floor = EDGE / 2 + m.nucleus_roughness * texture.extreme("chromatin") + 0.01
    depth = ellipse_depth(m.nucleus, x, y, floor) if len(m.nucleus) else None
    if depth is not None and m.nucleus_roughness > 0:
        depth += m.nucleus_roughness * texture.sample("chromatin", x, y, m.outline_grain,
                                                      m.texture[4:6])
    nuc = _inside(depth) if depth is not None else 0.0
    cytoplasm = thick
    if m.cytoplasm_texture > 0:
        # the chromatin offset serves: nucleus and cytoplasm do not overlap
        cytoplasm = cytoplasm * texture.modulation(x, y, CYTOPLASM_GRAIN, m.texture[:2],
                                                   m.cytoplasm_texture, 0.0)
    # the chromatin offset serves here too: the cytoplasm's hue patches continue the nucleus's
    tint = _tint(m.cytoplasm_hue, m.cytoplasm, x, y, m.texture[4:6])
    for stain, conc in m.cytoplasm.items():
        i = STAINS.index(stain)
        dens[i] = conc * cytoplasm * (1.0 - nuc)
        if stain in tint:
            dens[i] *= tint[stain]
    if depth is not None:
        _chromatin(m, depth, thick, nuc, x, y, dens)
    if m.granules > 0 and m.granule_coverage > 0:
        # lattice cell such that dots of the given coverage have the given diameter
        cell = m.granule_size / (2.0 * np.sqrt(m.granule_coverage / np.pi))
        g = texture.sample("granules", x, y, cell, m.texture[2:4])
        level = texture.threshold("granules", m.granule_coverage)
        grains = np.clip((g - level) / GRANULE_EDGE, 0.0, 1.0) * (rho < m.granule_zone)
        if m.granule_veil < 1.0:
            grains *= 1.0 - (1.0 - m.granule_veil) * nuc
        dens[STAINS.index(m.granule_stain)] += m.granules * m.granule_size * grains
    return inside, dens
