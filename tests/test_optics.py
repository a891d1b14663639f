"""Physical invariants of the optical chain (Beer–Lambert, PSF, sensor) and its switches."""

from dataclasses import replace

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from export import load_config, make_image
from optics import effects, illumination, phase, psf, sensor, spectra, stain
from optics.config import OpticsConfig, Sensor


@pytest.fixture(scope="module")
def optics():
    return OpticsConfig()


@pytest.mark.parametrize("mode", ["spectral", "rgb"])
def test_beer_lambert_is_additive_in_optical_density_per_band(optics, mode):
    cfg = replace(optics, stains=replace(optics.stains, mode=mode))
    rng = np.random.default_rng(0)
    a, b = rng.random((4, 8, 8), dtype=np.float32), rng.random((4, 8, 8), dtype=np.float32)
    if mode == "rgb":  # per channel the law is exact: T(a + b) = T(a) T(b)
        assert np.allclose(stain.transmittance(a + b, cfg),
                           stain.transmittance(a, cfg) * stain.transmittance(b, cfg), rtol=1e-4)
    # per band: with one stain at a time, doubling the density squares every band's transmittance
    t = spectra.bands(12, (optics.stains.haemoglobin, optics.stains.eosin, optics.stains.azure,
                           optics.stains.chromatin), 3200.0, optics.sensor.peaks,
                      optics.sensor.widths)
    d = rng.random(4)
    assert np.allclose(10 ** -(2 * d @ t.extinction), (10 ** -(d @ t.extinction)) ** 2)
    assert np.all(stain.transmittance(np.zeros((4, 2, 2), np.float32), cfg) == pytest.approx(1))


@settings(max_examples=20, deadline=None)
@given(stain_index=st.integers(0, 3), temperature=st.floats(2500, 9000))
def test_spectral_and_rgb_modes_agree_for_thin_stains_and_part_for_thick(stain_index,
                                                                          temperature):
    base = OpticsConfig()
    spectral = replace(base, illumination=replace(base.illumination,
                                                  colour_temperature=temperature))
    rgb = replace(spectral, stains=replace(spectral.stains, mode="rgb"))
    d = np.zeros((4, 1, 2), np.float32)
    d[stain_index, 0] = (1e-3, 3.0)
    od_s = stain.optical_density(d, spectral)[0]
    od_r = stain.optical_density(d, rgb)[0]
    assert od_s[0] == pytest.approx(od_r[0], rel=2e-3, abs=1e-6)  # thin: first order agrees
    # thick: polychromatic light makes the apparent OD sub-linear (never above the RGB mode)
    assert np.all(od_s[1] <= od_r[1] + 1e-4)


def test_lamp_spectrum_follows_wien_displacement():
    lam = spectra.grid()
    for temperature in (5000.0, 6500.0):  # peaks within 400–700 nm: λmax = 2.898e6 nm K / T
        peak = lam[np.argmax(spectra.planck(lam, temperature))]
        assert peak == pytest.approx(2.897771955e6 / temperature, abs=1.0)


def test_psf_sums_to_one_and_widens_with_defocus_as_geometric_optics_says():
    p, na, n = 0.05, 1.25, 1.515
    widths = []
    defocus = (1.0, 2.0, 3.0)
    for dz in defocus:
        k = psf.point_spread(na, n, 550.0, dz, p, 301)
        assert k.sum() == pytest.approx(1.0)
        y, x = (np.mgrid[:301, :301] - 150) * p
        widths.append(np.sqrt((k * (x * x + y * y)).sum()))
    # far from focus a ray of direction sin θ = s lands at Δz s / √(1 − s²); with the pupil
    # lit uniformly in s up to a = (NA/n)², the mean square radius is
    # Δz² (−1 − ln(1 − a) / a); diffraction adds a constant, which differences cancel
    a = (na / n) ** 2
    slope = -1 - np.log(1 - a) / a
    w2 = np.square(widths)
    assert np.diff(w2) / np.diff(np.square(defocus)) == pytest.approx([slope, slope], rel=0.1)
    assert widths == sorted(widths)


@settings(max_examples=8, deadline=None)
@given(wavelength=st.floats(400.0, 700.0), defocus=st.floats(-2.0, 2.0),
       pixel=st.floats(0.05, 0.2))
def test_pruned_psf_transform_equals_the_full_2d_transform(wavelength, defocus, pixel):
    # the reference: the pupil on the whole m × m frequency grid, numpy's 2-D inverse FFT,
    # sampled at the kernel's offsets and binned over each pixel
    na, n = 1.25, 1.515
    size = psf.kernel_size(na, n, wavelength, defocus, pixel)
    lam = wavelength * 1e-3
    m = max(size, 2 * int(np.ceil(psf.PUPIL_SAMPLES * lam / (2 * na * pixel))) + 1) * psf.OVERSAMPLE
    df = psf.OVERSAMPLE / (m * pixel)
    f = np.fft.fftfreq(m, 1.0 / m) * df
    f2 = f[:, None] ** 2 + f[None, :] ** 2
    pupil = (f2 <= (na / lam) ** 2) * np.exp(2j * np.pi * defocus * (
        np.sqrt(np.maximum((n / lam) ** 2 - f2, 0.0)) - n / lam))
    s = (np.arange(psf.OVERSAMPLE * size) - psf.OVERSAMPLE * size // 2) % m
    amp = np.fft.ifft2(pupil)[np.ix_(s, s)]
    full = (np.abs(amp) ** 2).reshape(size, psf.OVERSAMPLE, size, psf.OVERSAMPLE).sum(axis=(1, 3))
    k = psf.point_spread(na, n, wavelength, defocus, pixel, size)
    assert np.allclose(k, full / full.sum(), rtol=0, atol=1e-12 * k.max())


@pytest.mark.parametrize("shape", [(300, 260), (97, 410)])
def test_tiled_convolution_equals_one_piece_and_direct_convolution(pbc, shape, monkeypatch):
    cfg = pbc.optics
    img = np.random.default_rng(1).random(shape + (3,), dtype=np.float32)
    whole = psf.blur(img, cfg)
    kernels = psf.kernels(cfg, cfg.psf.defocus)
    direct = np.dstack([cv2.filter2D(img[..., c], -1, kernels[c], borderType=cv2.BORDER_REFLECT)
                        for c in range(3)])
    monkeypatch.setattr(psf, "ONE_PIECE", 0)
    monkeypatch.setattr(psf, "BLOCK", 128)
    assert len(psf._tiles(shape[1], kernels.shape[1] // 2)[0]) > 1
    tiled = psf.blur(img, cfg)
    assert np.allclose(whole, direct, atol=1e-5) and np.allclose(tiled, whole, atol=1e-5)


def test_in_focus_psf_is_the_airy_pattern():
    p = 0.05
    k = psf.point_spread(0.5, 1.0, 500.0, 0.0, p, 61)
    centre = k[30, 30:]
    minima = np.flatnonzero((centre[1:-1] < centre[:-2]) & (centre[1:-1] <= centre[2:])) + 1
    first_zero = minima[0] * p                    # Airy: 0.61 λ / NA
    assert first_zero == pytest.approx(0.61 * 0.5 / 0.5, abs=p)
    assert np.allclose(k, k.T, atol=1e-12) and np.allclose(k, k[::-1], atol=1e-12)


def test_blur_preserves_light_and_chromatic_aberration_widens_the_extreme_channels(pbc):
    cfg = pbc.optics
    img = np.zeros((81, 81, 3), np.float32)
    img[40, 40] = 1.0
    out = psf.blur(img, cfg)
    assert out.sum(axis=(0, 1)) == pytest.approx([1, 1, 1], rel=1e-4)
    no_ca = replace(cfg, psf=replace(cfg.psf, defocus=0.0, chromatic=replace(
        cfg.psf.chromatic, enabled=False)))
    ca = replace(no_ca, psf=replace(no_ca.psf, chromatic=replace(cfg.psf.chromatic, enabled=True,
                                                                 shift=1.0)))
    peak = lambda c: psf.kernels(c, c.psf.defocus).max(axis=(1, 2))
    assert np.all(peak(ca)[[0, 2]] < peak(no_ca)[[0, 2]])


def test_shot_noise_variance_equals_the_mean_in_electrons():
    cfg = Sensor(prnu=0.0, dsnu=0.0, dark_current=0.0, read_noise=0.0, full_well=20000.0)
    electrons = np.array([5000.0, 5000.0, 5000.0])
    level = 0.6
    flat = np.full((300, 300), level, np.float32)
    out = sensor.capture(flat, electrons, cfg, np.random.default_rng(1)) * electrons[0]
    quantisation = 1 / cfg.gain ** 2 / 12
    assert out.mean() == pytest.approx(level * electrons[0], rel=1e-3)
    assert out.var() - quantisation == pytest.approx(level * electrons[0], rel=0.05)


def test_read_noise_and_dsnu_add_their_variance_in_the_dark():
    cfg = Sensor(prnu=0.0, dsnu=4.0, dark_current=0.0, read_noise=3.0, full_well=20000.0,
                 adc_bits=16)
    dark = sensor.capture(np.full((300, 300), 0.1, np.float32), np.full(3, 1000.0), cfg,
                          np.random.default_rng(2)) * 1000.0
    quantisation = 1 / cfg.gain ** 2 / 12
    assert dark.var() == pytest.approx(100.0 + 9.0 + 16.0 + quantisation, rel=0.08)


@pytest.mark.parametrize("bits, gain", [(12, 0.2), (8, 0.05)])
def test_the_signal_saturates_at_the_full_well_or_the_adc_top(bits, gain):
    cfg = Sensor(full_well=20000.0, adc_bits=bits, gain=gain)
    out = sensor.capture(np.full((50, 50), 3.0, np.float32), np.full(3, 10000.0), cfg,
                         np.random.default_rng(4)) * 10000.0
    top = min(cfg.full_well, (2 ** bits - 1) / gain)      # electrons, less the dark signal
    assert np.allclose(out, top - cfg.dark_current * cfg.exposure_time, rtol=1e-4, atol=1 / gain)


def test_unknown_effect_names_are_refused_with_the_allowed_list():
    with pytest.raises(ValueError, match="unknown effect 'blur'; allowed: spectral"):
        effects.overrides(["blur"])
    every = load_config("pbc", overrides=[f"optics.{o}" for o in
                                          effects.overrides([], only=list(effects.EFFECTS))])
    assert all(effects.active(every.optics).values())
    one = load_config("pbc", overrides=[f"optics.{o}" for o in effects.overrides([], ["tone"])])
    assert [k for k, v in effects.active(one.optics).items() if v] == ["tone"]


def test_with_every_effect_off_the_image_is_the_ideal_transmittance():
    off = [f"optics.{o}" for o in effects.overrides([], only=[])]
    cfg = load_config("pbc", overrides=off)
    assert not any(effects.active(cfg.optics).values())
    s = make_image(cfg, 0, 0)
    ideal = stain.transmittance(s.image.raster.density, cfg.optics)
    assert s.image.jpeg is None
    assert np.array_equal(s.image.rgb, np.clip(np.rint(ideal * 255), 0, 255).astype(np.uint8))


def test_each_ablation_changes_the_image_and_only_its_switch():
    # the colour matrix is the identity at the pbc default saturation: give it work to do
    vivid = ["optics.colour.saturation=1.2"]
    pbc = load_config("pbc", overrides=vivid)
    base = make_image(pbc, 0, 0).image.rgb
    for name in effects.EFFECTS:
        if not effects.active(pbc.optics)[name]:
            continue
        cfg = load_config("pbc", overrides=vivid + [f"optics.{o}"
                                                    for o in effects.overrides([name])])
        on = effects.active(cfg.optics)
        assert not on[name] and sum(on.values()) == sum(effects.active(pbc.optics).values()) - 1
        assert not np.array_equal(make_image(cfg, 0, 0).image.rgb, base), name


@settings(max_examples=30, deadline=None)
@given(saturation=st.floats(0.2, 3.0), seed=st.integers(0, 2**32 - 1))
def test_colour_matrix_keeps_the_background_and_greys_and_scales_colour(saturation, seed):
    from optics import isp
    rng = np.random.default_rng(seed)
    bg = rng.uniform(0.5, 1.0, 3)
    m = isp.colour_matrix(saturation, bg)
    assert np.allclose(m @ bg, bg, rtol=1e-5)
    # a pixel's departure from the grey of its mean, in white-balanced space, scales by s
    pixel = rng.uniform(0.05, 1.0, 3)
    balanced = pixel / bg
    out = (m @ pixel) / bg
    assert np.allclose(out - out.mean(), saturation * (balanced - balanced.mean()), atol=1e-5)
    assert out.mean() == pytest.approx(balanced.mean(), rel=1e-5)


def test_a_saturating_camera_makes_a_purple_nucleus_brighter_than_the_slide_in_blue():
    """No absorption can transmit more than the slide; a colour matrix can (BCCD nuclei)."""
    from optics import isp
    cfg = load_config("field", overrides=["optics.colour.saturation=1.8"]).optics
    bg = np.asarray(cfg.illumination.background, np.float32)
    nucleus = (bg * np.array([0.6, 0.45, 0.95], np.float32)).reshape(1, 1, 3)
    out = isp.colour_correct(nucleus, cfg)[0, 0]
    assert out[2] > bg[2] and out[1] < nucleus[0, 0, 1]


def test_white_balance_maps_the_empty_slide_to_the_background(pbc):
    cfg = pbc.optics
    t = np.ones((40, 40, 3), np.float32)
    flat = replace(cfg, illumination=replace(cfg.illumination, field=replace(
        cfg.illumination.field, enabled=False)))
    out = illumination.illuminate(t, flat, np.random.default_rng(0))
    assert np.allclose(out, cfg.illumination.background)
    e = illumination.electrons_per_unit(flat)
    assert e.max() * min(cfg.illumination.background) <= cfg.sensor.full_well


def test_field_curvature_blurs_the_corners_more_than_the_centre(pbc):
    cfg = pbc.optics
    curved = replace(cfg, psf=replace(cfg.psf, defocus=0.0, curvature=replace(
        cfg.psf.curvature, enabled=True, sag=1.5)))
    img = np.zeros((201, 201, 3), np.float32)
    img[100, 100] = img[3, 3] = 1.0               # a point at the centre and one at a corner
    out = psf.blur(img, curved)
    assert out[100, 100, 1] > 3 * out[3, 3, 1]
    flat = psf.blur(img, replace(curved, psf=replace(curved.psf, curvature=cfg.psf.curvature)))
    assert out[100, 100, 1] == pytest.approx(flat[100, 100, 1], rel=1e-3)


def test_normalisation_undoes_vignetting_and_sets_the_background_colour(pbc):
    from optics import isp
    ill = pbc.optics.illumination
    # no random gradient: the calibrated flat field knows all of the unevenness
    cfg = replace(pbc.optics, illumination=replace(ill, field=replace(ill.field, unevenness=0.0)))
    t = np.full((120, 160, 3), 0.7, np.float32)       # an evenly tinted slide, dimmer than usual
    lit = illumination.illuminate(t, cfg, np.random.default_rng(3))
    assert np.ptp(lit[:, :, 1]) > 0.02
    flat = isp.normalise(lit, cfg)
    assert np.ptp(flat.reshape(-1, 3), axis=0) == pytest.approx([0, 0, 0], abs=1e-5)
    assert flat[0, 0] == pytest.approx(ill.background, rel=1e-5)


@pytest.mark.parametrize("method", ["bilinear", "ea"])
def test_bayer_mosaic_and_demosaic_keep_a_flat_colour(method):
    from optics import isp
    colour = np.array([0.8, 0.5, 0.3], np.float32)
    flat = np.broadcast_to(colour, (32, 48, 3)).copy()
    back = isp.demosaic(sensor.mosaic(flat), method)
    assert np.allclose(back[2:-2, 2:-2], colour, atol=1e-4)


def test_the_jpeg_bytes_decode_to_the_image_pixels(pbc):
    import cv2
    img = make_image(pbc, 0, 1).image
    decoded = cv2.cvtColor(cv2.imdecode(np.frombuffer(img.jpeg, np.uint8), cv2.IMREAD_COLOR),
                           cv2.COLOR_BGR2RGB)
    assert np.array_equal(decoded, img.rgb)
    assert img.jpeg[:2] == b"\xff\xd8"


def test_oxyhaemoglobin_follows_the_tabulated_spectrum_from_soret_to_q_bands():
    """The band model against S. Prahl's molar extinction (cm⁻¹/M, Gratzer and Kollias) at the
    Soret peak, its blue tail, the trough and the Q bands, relative to the Soret peak."""
    table = {414: 524280, 440: 102580, 460: 44480, 480: 26629.2, 500: 20932.8, 510: 20035.2,
             542: 53292, 560: 32613.2, 576: 55540, 600: 3200}
    lam = np.array(list(table), float)
    model = spectra.component("oxyhaemoglobin", lam)
    expected = np.array(list(table.values())) / 524280
    assert np.allclose(model, expected, rtol=0.08, atol=0.003)


@given(h=st.integers(1, 40), w=st.integers(1, 40), op=st.sampled_from([np.multiply, np.subtract]))
def test_per_site_values_act_as_the_whole_bayer_map_would(h, w, op):
    # the sensor applies per-channel values by the RGGB site of each pixel without making a
    # frame-sized map of them: bit for bit what the map gives
    values = np.array([0.7, 1.3, 2.9], np.float32)
    image = np.random.default_rng(h * 41 + w).random((h, w), np.float32)
    whole = np.tile(values[sensor.RGGB], (-(-h // 2), -(-w // 2)))[:h, :w]
    expected = op(image, whole)
    np.testing.assert_array_equal(sensor._by_site(op, image, sensor._site_values(values, (h, w))),
                                  expected)
    with pytest.raises(ValueError, match="C-contiguous"):
        sensor._by_site(op, np.zeros((4, 12), np.float32)[:, ::2],
                        sensor._site_values(values, (4, 6)))


def _disc_density(shape: tuple[int, int], centre: tuple[float, float], radius: float,
                  depth: float, base: float = 0.0) -> np.ndarray:
    """Stain densities (4, H, W): a flat layer `base` of azure with a smooth-edged disc of
    `depth` more (negative: a hole in the layer) at `centre`, `radius` px."""
    y, x = np.mgrid[:shape[0], :shape[1]].astype(np.float32)
    r = np.hypot(x - centre[0], y - centre[1])
    dens = np.zeros((4,) + shape, np.float32)
    dens[2] = base + depth * np.clip(radius + 0.5 - r, 0.0, 1.0)
    return dens


@settings(max_examples=25, deadline=None)
@given(cx=st.floats(60.0, 140.0), cy=st.floats(60.0, 140.0), radius=st.floats(3.0, 25.0),
       depth=st.floats(-0.3, 0.5), height=st.floats(-1.0, 1.0))
def test_defocus_phase_moves_light_about_and_keeps_it(optics, cx, cy, radius, depth, height):
    # the transport of intensity is a divergence: an object well inside the frame brightens
    # some pixels and darkens others, and the frame holds the same light
    cfg = replace(optics, phase=replace(optics.phase, height=height))
    factor = phase.contrast(_disc_density((200, 210), (cx, cy), radius, depth, 0.2), cfg)
    assert factor.shape == (200, 210) and factor.min() >= 0.0
    change = float(np.abs(factor - 1.0).max())
    assert abs(float(factor.mean()) - 1.0) <= 1e-3 * change + 1e-6
    uniform = phase.contrast(np.full((4, 50, 60), 0.3, np.float32), cfg)
    assert np.allclose(uniform, 1.0, atol=1e-6)


@pytest.mark.parametrize("height", [0.3, -0.3])
def test_a_vacuole_is_bright_and_a_dense_body_dark_below_the_refracting_surface(optics, height):
    # a hole in the cytoplasm is a minimum of the optical path: the light converges on it when
    # the focal plane lies below the cells' refracting surface (height > 0), and leaves it when
    # above; a dense body is the other way round
    cfg = replace(optics, phase=replace(optics.phase, height=height))
    sign = np.sign(height)
    hole = phase.contrast(_disc_density((101, 101), (50, 50), 6.0, -0.2, 0.2), cfg)
    body = phase.contrast(_disc_density((101, 101), (50, 50), 6.0, 0.2, 0.2), cfg)
    assert sign * (hole[50, 50] - 1.0) > 0.02 and sign * (body[50, 50] - 1.0) < -0.02
    # the change is linear in the defocus (weak-phase, first order) and in the refraction
    double = replace(optics, phase=replace(optics.phase, height=2 * height))
    assert np.allclose(phase.contrast(_disc_density((101, 101), (50, 50), 6.0, -0.2, 0.2),
                                      double) - 1.0, 2 * (hole - 1.0), atol=1e-5)
    # the image's focus error adds to the height
    assert np.allclose(phase.contrast(_disc_density((101, 101), (50, 50), 6.0, -0.2, 0.2), cfg,
                                      focus_error=height), hole * 2 - 1.0, atol=1e-5)


def test_defocus_phase_sharpens_the_red_cell_rim_and_brightens_its_centre(pbc):
    # the same red cells imaged with the phase effect on and off: their rim (thickest) darker,
    # their thin parts (central pallor, outer edge) brighter
    on = load_config("pbc", overrides=["optics.phase.enabled=true"])
    with_phase, without = make_image(on, 0, 3).image, make_image(pbc, 0, 3).image
    assert np.array_equal(with_phase.raster.density, without.raster.density)
    hb = with_phase.raster.density[0]
    red = hb > 0.05
    rim, centre = hb > np.percentile(hb[red], 90), red & (hb < np.percentile(hb[red], 10))
    green = lambda im: im.irradiance[..., 1]  # noqa: E731
    assert green(with_phase)[rim].mean() < green(without)[rim].mean()
    assert green(with_phase)[centre].mean() > green(without)[centre].mean()
