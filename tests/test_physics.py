"""Physical invariants of the simulation and the optics."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from export import load_config, make_image
from optics import psf, sensor, stain
from optics.config import Psf, Sensor, Stains
from sim import simulate
from sim.morphology import EVANS_FUNG_PEAK, evans_fung


def test_evans_fung_profile():
    # published values: 0.81 µm at the centre, ≈2.57 µm peak near ρ = 0.7, 0 at the rim
    assert evans_fung(np.array([0.0]))[0] == pytest.approx(0.81)
    assert evans_fung(np.array([1.0]))[0] == 0.0
    assert EVANS_FUNG_PEAK == pytest.approx(2.57, abs=0.01)
    rho = np.linspace(0, 1, 1001)
    # volume of the 7.82 µm cell ≈ 94 fL (Evans & Fung 1972 report 94 ± 14 µm³)
    r = rho * 3.91
    volume = np.trapezoid(evans_fung(rho) * 2 * np.pi * r, r)
    assert volume == pytest.approx(94, rel=0.06)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), coverage=st.floats(0.0, 1.2))
def test_settled_cells_stay_in_the_box_and_the_subject_centred(seed, coverage):
    cfg = load_config("pbc", overrides=[f"sim.population.rbc_coverage={coverage}"])
    w, h, m = 35.5, 35.8, cfg.sim.population.margin
    scene = simulate(cfg.sim, w, h, np.random.default_rng(seed))
    centres = np.array([c.centre for c in scene.cells])
    assert np.all(np.isfinite(centres))
    assert np.all(centres >= -m - 1e-6) and np.all(centres[:, 0] <= w + m + 1e-6)
    assert np.all(centres[:, 1] <= h + m + 1e-6)
    subject = [c for c in scene.cells if c.subject]
    assert len(subject) == 1 and subject[0].centre == pytest.approx((w / 2, h / 2))
    assert sorted(c.z for c in scene.cells) == list(range(len(scene.cells)))


def test_beer_lambert_is_additive_in_optical_density():
    rng = np.random.default_rng(0)
    a, b = rng.random((4, 8, 8), dtype=np.float32), rng.random((4, 8, 8), dtype=np.float32)
    s = Stains()
    assert np.allclose(stain.optical_density(a + b, s),
                       stain.optical_density(a, s) + stain.optical_density(b, s), atol=1e-5)
    assert np.allclose(stain.transmittance(a + b, s),
                       stain.transmittance(a, s) * stain.transmittance(b, s), rtol=1e-5)
    assert np.all(stain.transmittance(np.zeros((4, 2, 2), np.float32), s) == 1)


def test_psf_preserves_total_light_and_widens_with_defocus():
    img = np.zeros((101, 101, 3), np.float32)
    img[50, 50] = 1.0
    widths = []
    for defocus in (0.0, 0.3, 0.6):
        out = psf.blur(img, Psf(defocus=defocus), 0.05)
        assert out.sum() == pytest.approx(3.0, rel=1e-3)
        y, x = np.mgrid[:101, :101]
        widths.append(np.sqrt((out[..., 0] * ((x - 50) ** 2)).sum() / out[..., 0].sum()) * 0.05)
    assert widths == sorted(widths) and widths[-1] > 2 * widths[0]
    assert widths[0] == pytest.approx(psf.sigma(Psf(defocus=0.0)), rel=0.05)


def test_shot_noise_variance_equals_the_mean_in_electrons():
    # a small full well so that one DN is about one electron and the noise is resolved
    cfg = Sensor(full_well=200.0, read_noise=0.0)
    level = 0.5
    flat = np.full((400, 400, 3), level, np.float32)
    electrons = sensor.expose(flat, cfg, np.random.default_rng(1)) / sensor.LEVELS * cfg.full_well
    quantisation = (cfg.full_well / sensor.LEVELS) ** 2 / 12
    assert electrons.mean() == pytest.approx(level * cfg.full_well, rel=0.01)
    assert electrons.var() - quantisation == pytest.approx(level * cfg.full_well, rel=0.05)


def test_with_every_effect_off_the_image_is_the_ideal_transmittance():
    cfg = load_config("pbc", overrides=["optics.illumination.enabled=false",
                                        "optics.psf.enabled=false", "optics.sensor.enabled=false"])
    s = make_image(cfg, 0, 0)
    ideal = stain.transmittance(s.image.raster.density, cfg.optics.stains)
    assert np.array_equal(s.image.rgb, np.clip(np.rint(ideal * 255), 0, 255).astype(np.uint8))
