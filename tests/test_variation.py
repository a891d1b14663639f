"""Image-to-image variation of staining, white balance and focus: statistics, physics, fitting."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from export import load_config, make_image
from export.realism.calibrate import fit_spreads, spread, _stats
from optics import sensor, spectra, stain, variation
from optics.config import OpticsConfig
from sim.classes import STAINS


def config(**sigma):
    """The pbc optics with the variation σ given (others 0, no second white balance)."""
    v = {"stain": [0.0] * 4, "white_balance": [0.0] * 3, "defocus": 0.0, "ph": 0.0,
         "red_cell_azure": 0.0, "chromatin_azure": 0.0, "exposure": 0.0,
         "alternate_fraction": 0.0} | sigma
    return load_config("pbc", overrides=[f"optics.variation.{k}={x}".replace("'", "")
                                         for k, x in v.items()])


@settings(max_examples=10, deadline=None)
@given(s=st.floats(0.02, 0.5), w=st.floats(0.005, 0.1), d=st.floats(0.05, 1.0),
       seed=st.integers(0, 2**32 - 1))
def test_conditions_spread_as_configured(s, w, d, seed):
    """Log factors are centred normals of the configured σ; focus errors lie on their grid."""
    cfg = config(stain=[s, 0.0, s, 0.0], white_balance=[w, 0.0, w], defocus=d).optics
    rng = np.random.default_rng(seed)
    draws = [variation.draw(cfg, rng) for _ in range(2000)]
    log_stain = np.log([c.stain for c in draws])
    log_white = np.log([c.white for c in draws])
    focus = np.array([c.defocus for c in draws])
    # σ of a 2000-sample standard deviation is σ/√4000 ≈ 1.6 %; 5 of those
    assert np.std(log_stain[:, [0, 2]], axis=0) == pytest.approx([s, s], rel=0.08)
    assert np.all(log_stain[:, [1, 3]] == 0) and np.all(log_white[:, 1] == 0)
    assert np.std(log_white[:, [0, 2]], axis=0) == pytest.approx([w, w], rel=0.08)
    assert abs(log_stain[:, 0].mean()) < 5 * s / np.sqrt(2000)
    assert np.allclose(focus / variation.DEFOCUS_STEP, np.round(focus / variation.DEFOCUS_STEP))
    # rounding to the grid adds at most step²/12 to the variance
    assert np.std(focus) == pytest.approx(np.sqrt(d * d + variation.DEFOCUS_STEP ** 2 / 12),
                                          rel=0.1)


@settings(max_examples=8, deadline=None)
@given(ph=st.floats(0.02, 0.5), level=st.floats(0.3, 4.0), seed=st.integers(0, 2**32 - 1))
def test_ph_moves_azure_against_eosin_and_level_scales_every_sigma(ph, level, seed):
    """The pH factor multiplies azure and divides eosin (their product stays 1); the level
    multiplies the σ of stain, pH and white balance alike."""
    cfg = config(ph=ph, stain=[0.1, 0.0, 0.0, 0.0], white_balance=[0.0, 0.02, 0.0],
                 level=level).optics
    rng = np.random.default_rng(seed)
    draws = [variation.draw(cfg, rng) for _ in range(2000)]
    log_stain = np.log([c.stain for c in draws])
    assert np.allclose(log_stain[:, 1] + log_stain[:, 2], 0.0, atol=1e-9)
    assert np.all(log_stain[:, 3] == 0)
    assert np.std(log_stain, axis=0)[[0, 2]] == pytest.approx([0.1 * level, ph * level],
                                                              rel=0.08)
    assert np.std(np.log([c.white[1] for c in draws])) == pytest.approx(0.02 * level, rel=0.08)


@settings(max_examples=5, deadline=None)
@given(share=st.floats(0.05, 0.95), seed=st.integers(0, 2**32 - 1))
def test_the_second_white_balance_comes_in_its_share_of_images(share, seed):
    cfg = config(alternate_fraction=share, alternate_white=[0.9, 0.965, 1.13]).optics
    rng = np.random.default_rng(seed)
    white = np.array([variation.draw(cfg, rng).white for _ in range(2000)])
    alternate = np.all(np.isclose(white, [0.9, 0.965, 1.13]), axis=1)
    assert np.all(alternate | np.all(white == 1.0, axis=1))
    # binomial: 5 standard errors
    assert abs(alternate.mean() - share) < 5 * np.sqrt(share * (1 - share) / 2000)


def test_the_pbc_second_white_balance_gives_the_lavender_background():
    """PBC's second setting: median background (231, 221, 230) in the reference images."""
    cfg = config(alternate_fraction=1.0, alternate_white=[0.9, 0.965, 1.13])
    for i in range(3):
        s = make_image(cfg, 4, i)
        bg = np.median(s.image.rgb[s.image.raster.owner < 0], axis=0)
        assert np.abs(bg - [231, 221, 230]).max() <= 5


def test_no_variation_and_variation_off_make_the_same_bytes():
    off = load_config("pbc", overrides=["optics.variation.enabled=false"])
    zero = config()
    for i in range(3):
        assert make_image(off, 5, i).image.jpeg == make_image(zero, 5, i).image.jpeg
        assert make_image(zero, 5, i).image.conditions.to_dict() == \
            variation.nominal(4).to_dict()


def test_a_stain_factor_scales_that_stains_density():
    """Beer–Lambert: more dye bound is the same as a denser column."""
    cfg = OpticsConfig()
    d = np.random.default_rng(1).random((4, 16, 16), dtype=np.float32)
    factor = np.array([1.3, 1.0, 0.7, 1.1])
    assert np.allclose(stain.transmittance(d, cfg, factor),
                       stain.transmittance(d * factor[:, None, None].astype(np.float32), cfg),
                       rtol=1e-5, atol=1e-6)


@settings(max_examples=8, deadline=None)
@given(red=st.floats(0.05, 0.8), nuclei=st.floats(0.05, 0.8), light=st.floats(0.05, 0.8),
       seed=st.integers(0, 2**32 - 1))
def test_free_azure_is_log_normal_and_the_light_never_exceeds_the_configured(red, nuclei, light,
                                                                            seed):
    """log red-cell and nuclear azure factors ~ N(0, σ), independent; log light factor = −σ |z|,
    so it is at most 1 and its mean is −σ √(2/π)."""
    cfg = config(red_cell_azure=red, chromatin_azure=nuclei, exposure=light).optics
    rng = np.random.default_rng(seed)
    draws = [variation.draw(cfg, rng) for _ in range(2000)]
    log_red = np.log([c.red_azure for c in draws])
    log_nuclei = np.log([c.chromatin_azure for c in draws])
    log_light = np.log([c.exposure for c in draws])
    for log, sigma in ((log_red, red), (log_nuclei, nuclei)):
        assert np.std(log) == pytest.approx(sigma, rel=0.08)
        assert abs(log.mean()) < 5 * sigma / np.sqrt(2000)
    assert abs(np.corrcoef(log_red, log_nuclei)[0, 1]) < 5 / np.sqrt(2000)
    assert np.all(log_light <= 0)
    # a half-normal's mean σ√(2/π) and its σ √(1 − 2/π) ≈ 0.60 σ: 5 standard errors
    assert -log_light.mean() == pytest.approx(light * np.sqrt(2 / np.pi),
                                              abs=5 * 0.61 * light / np.sqrt(2000))
    assert all(np.all(c.stain == 1) and np.all(c.white == 1) for c in draws)


@pytest.mark.parametrize("name", sorted(stain.FREE_AZURE))
def test_an_azure_factor_scales_only_that_stains_free_azure(name):
    """A free-azure factor on one stain is the same as that much more azure B in its mixture,
    and leaves every other stain's colour as it was."""
    cfg = OpticsConfig()
    k = STAINS.index(name)
    mix = list(getattr(cfg.stains, name))
    mix[spectra.MIXTURES[name].index(stain.FREE_AZURE[name])] *= 1.8
    more = replace(cfg, stains=replace(cfg.stains, **{name: tuple(mix)}))
    factor = np.ones(len(STAINS))
    factor[k] = 1.8
    d = np.random.default_rng(2).random((4, 16, 16), dtype=np.float32)
    assert np.allclose(stain.transmittance(d, cfg, azure=factor), stain.transmittance(d, more),
                       rtol=1e-5, atol=1e-6)
    d[k] = 0.0
    assert np.array_equal(stain.transmittance(d, cfg, azure=factor), stain.transmittance(d, cfg))
    d[:] = 0.0
    d[k] = 2.0
    # more azure absorbs more red light
    assert stain.transmittance(d, cfg, azure=factor)[0, 0, 0] < \
        stain.transmittance(d, cfg)[0, 0, 0]


def test_less_light_leaves_the_mean_and_raises_the_shot_noise_as_its_inverse_root():
    """Exposure f: the camera's normalisation keeps the mean signal; the shot noise (σ² = N
    electrons) grows by 1/√f relative to the signal."""
    s = replace(OpticsConfig().sensor, read_noise=0.0, dsnu=0.0, prnu=0.0, dark_current=0.0)
    flat = np.full((200, 200, 3), 0.5, np.float32)
    electrons = np.full(3, 20000.0)
    full = sensor.capture(flat, electrons, s, np.random.default_rng(3))
    dim = sensor.capture(flat, electrons, s, np.random.default_rng(3), exposure=0.25)
    assert full.mean() == pytest.approx(0.5, rel=2e-3) and dim.mean() == pytest.approx(0.5, rel=2e-3)
    assert dim.std() / full.std() == pytest.approx(2.0, rel=0.05)


def test_white_balance_factor_moves_the_background_colour():
    base = load_config("pbc", overrides=["optics.variation.enabled=false"])
    cfg = config(white_balance=[0.0, 0.05, 0.05])
    for i in range(4):
        nominal, varied = make_image(base, 2, i), make_image(cfg, 2, i)
        w = varied.image.conditions.white
        assert w[0] == 1.0 and w[1] != 1.0
        bg = lambda s: np.median(s.image.rgb[s.image.raster.owner < 0], axis=0)
        # the camera normalised the empty slide to its colour times the factor (±1 DN of noise
        # and JPEG)
        expected = np.clip(bg(nominal) * w, 0, 255)
        assert np.abs(bg(varied) - expected).max() <= 1.5


def test_the_metadata_records_each_images_conditions(tmp_path):
    import json

    from export import generate
    generate(config(stain=[0.2, 0, 0, 0]), 3, tmp_path, seed=1, workers=1)
    metas = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("meta/*/*.json"))]
    factors = {m["conditions"]["stain"][0] for m in metas}
    assert len(factors) == 3 and all(m["conditions"]["stain"][1:] == [1, 1, 1] for m in metas)
    for m in metas:
        again = make_image(config(stain=[0.2, 0, 0, 0]), 1, m["index"]).image.conditions
        assert again.to_dict() == m["conditions"]


def test_fit_spreads_recovers_a_known_staining_and_white_balance_variation():
    """Real set: pbc images whose red cells vary by σ 0.2 and green background by 0.03;
    fitting from the variation-off preset finds both σ within sampling error."""
    truth = config(stain=[0.2, 0, 0, 0], white_balance=[0.0, 0.03, 0.0])
    real = _stats(truth, 40)
    off = load_config("pbc", overrides=["optics.variation.enabled=false"])
    found = fit_spreads(off, real, 40).optics.variation
    assert found.enabled
    # a percentile-range σ from 40 images is good to about ±20 %
    assert found.stain[0] == pytest.approx(0.2, rel=0.3)
    assert found.white_balance[1] == pytest.approx(0.03, rel=0.3)
    assert found.white_balance[0] < 0.01 and found.stain[3] < 0.1
    assert spread(_stats(load_config("pbc"), 30), "rbc_od_g") > spread(_stats(off, 30),
                                                                        "rbc_od_g")
