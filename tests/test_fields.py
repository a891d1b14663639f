"""What a field holds besides round cells: oval and spiculated outlines, the free-platelet count,
and the slide's extras (stain precipitate, specks, plasma film), which change pixels, never
labels."""

import dataclasses

import cv2
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from export import load_config, make_image
from optics import slide
from sim.population import (OUTLINE_SAMPLES, _lifted, _oval, _platelet_density, _spicules,
                            _spread, draw_radii)
from sim.rings import detail
from sim.scene import outline_area

THETA = np.linspace(0.0, 2 * np.pi, OUTLINE_SAMPLES, endpoint=False)


@given(log_aspect=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_an_oval_keeps_the_area_and_has_the_drawn_aspect(log_aspect, seed):
    r = _oval(THETA, log_aspect, np.random.default_rng(seed))
    assert outline_area(r) == pytest.approx(np.pi, rel=0.01)
    # the sampled outline holds both axes to within the sampling's 5.6° step
    assert r.max() / r.min() == pytest.approx(np.exp(log_aspect), rel=0.03)


@given(n=st.integers(0, 20), length=st.floats(0.0, 1.0), seed=st.integers(0, 2**32 - 1))
def test_spicules_only_push_the_outline_out_and_by_at_most_their_length(n, length, seed):
    r = _spicules(THETA, n, length, np.random.default_rng(seed))
    assert np.all(r >= 1.0) and np.all(r <= 1.0 + length + 1e-9)
    if n and length:
        # each spicule rises above half its least height somewhere
        assert r.max() >= 1.0 + 0.5 * length * 0.5


def test_smooth_cells_draw_as_before_and_outline_detail_rides_on_the_ring(pbc):
    neutrophil = pbc.sim.cells.neutrophil
    assert neutrophil.elongation == 0 and neutrophil.spiculated == 0
    # detail is only what a 16-node ring cannot hold: none in a smooth outline
    smooth = draw_radii(neutrophil, np.random.default_rng(1))
    assert np.allclose(detail(smooth, 16), 0.0, atol=1e-12)
    spiky = dataclasses.replace(pbc.sim.cells.platelet, spiculated=1.0, spicules=12.0)
    r = draw_radii(spiky, np.random.default_rng(2))
    d = detail(r, 16)
    assert np.abs(d).max() > 0.02 * r.mean()
    # what is left is smooth: no mode above the ring's resolution
    assert np.allclose(np.fft.rfft(r - d)[9:], 0.0, atol=1e-9)


def test_free_platelet_counts_are_overdispersed_as_in_real_fields(pbc):
    pop = pbc.sim.population
    rng = np.random.default_rng(0)
    dens = np.array([_platelet_density(pop, rng) for _ in range(20000)])
    assert dens.mean() == pytest.approx(pop.platelets, rel=0.03)
    assert dens.std() / dens.mean() == pytest.approx(pop.platelet_spread, rel=0.05)
    flat = dataclasses.replace(pop, platelet_spread=0.0)
    assert _platelet_density(flat, rng) == pop.platelets


@settings(max_examples=3, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_slide_extras_change_pixels_not_labels(seed):
    busy = ["optics.slide.precipitate=5", "optics.slide.dust=5", "optics.slide.refractile=5"]
    on = make_image(load_config("pbc", overrides=busy), seed, 0)
    off = make_image(load_config("pbc", overrides=["optics.slide.enabled=false"]), seed, 0)
    assert [(a.class_id, a.box) for a in on.labels] == [(a.class_id, a.box) for a in off.labels]
    assert not np.array_equal(on.image.rgb, off.image.rgb)
    # extras only absorb: never brighter by more than the sensor's noise and JPEG
    dark = on.image.rgb.astype(int).sum(axis=2) < off.image.rgb.astype(int).sum(axis=2) - 60
    brighter = on.image.rgb.astype(int).sum(axis=2) > off.image.rgb.astype(int).sum(axis=2) + 60
    assert dark.sum() > brighter.sum()


@given(seed=st.integers(0, 2**32 - 1))
def test_deposits_add_stain_and_specks_only_absorb(seed, pbc):
    rng = np.random.default_rng(seed)
    density = np.zeros((4, 60, 80), np.float32)
    cfg = dataclasses.replace(pbc.optics, slide=dataclasses.replace(
        pbc.optics.slide, precipitate=200.0, dust=200.0, refractile=200.0))
    slide.deposit(density, cfg, rng)
    assert np.all(density >= 0) and density.sum() > 0
    t = np.ones((60, 80, 3), np.float32)
    slide.specks(t, cfg, rng)
    assert np.all(t <= 1.0) and np.all(t > 0) and t.min() < 0.99
    none = dataclasses.replace(cfg, slide=dataclasses.replace(cfg.slide, enabled=False))
    untouched = np.ones((60, 80, 3), np.float32)
    slide.specks(untouched, none, rng)
    assert np.all(untouched == 1.0)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_best_candidate_spacing_spreads_red_cells_within_the_box(seed, pbc):
    box = (-4.0, 40.0, -4.0, 40.0)

    def nearest(k):
        pop = dataclasses.replace(pbc.sim.population, rbc_spacing=k)
        x, y = _spread(30, pop, box, 36.0, [(18.0, 18.0, 3.0)], np.random.default_rng(seed))
        assert np.all((x >= box[0]) & (x <= box[1]) & (y >= box[2]) & (y <= box[3]))
        d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]) + np.diag(np.full(30, np.inf))
        return d.min(axis=1).mean()

    # the best of several candidates lies farther from its neighbours than a uniform draw
    assert nearest(8) > nearest(1)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), share=st.floats(0.05, 0.95))
def test_overlap_lifts_its_share_of_the_first_layer_only(seed, share, pbc):
    pop = dataclasses.replace(pbc.sim.population, overlap=share)
    stack = np.zeros(3000, int)
    stack[:500] = 1
    up = _lifted(stack, pop, np.random.default_rng(seed))
    assert not up[:500].any()  # stacked cells stay where they are
    assert abs(up[500:].mean() - share) < 5 * np.sqrt(share * (1 - share) / 2500)
    for off in (dataclasses.replace(pop, overlap=0.0), dataclasses.replace(pop, layers=1)):
        assert not _lifted(stack, off, np.random.default_rng(seed)).any()


def test_lifted_red_cells_lie_over_their_neighbours_in_a_thin_film(pbc):
    def red_stacks(share):
        cfg = load_config("pbc", overrides=[f"sim.population.overlap={share}"])
        return np.array([c.stack for seed in range(6)
                         for c in make_image(cfg, seed, 0).scene.cells if c.kind == "rbc"])

    assert red_stacks(0.0).max() == 0  # the pbc film is thin: one layer
    lifted = red_stacks(0.3)
    assert 0.15 < (lifted == 1).mean() < 0.45 and lifted.max() == 1  # none in rouleaux


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 30), radius=st.floats(0.1, 12.0),
       h=st.integers(40, 900), w=st.integers(40, 900))
def test_blobs_blurred_in_their_windows_are_those_of_the_whole_frame(seed, n, radius, h, w):
    # bit for bit, whatever the windows' sizes, how they merge and where they meet the frame
    ij, weight = slide._impulses((h, w), n, np.random.default_rng(seed))
    ij[0] = [(h - 1) * (seed % 2), (w - 1) * (seed // 2 % 2)]  # a corner
    whole = slide._paint((slice(0, h), slice(0, w)), ij, weight)
    part, cover = np.zeros((h, w), np.float32), np.zeros((h, w), int)
    for window in slide._windows((h, w), ij, radius):
        part[window] = slide._blob(slide._paint(window, ij, weight), radius)
        cover[window] += 1
    assert cover.max() == 1  # disjoint windows
    np.testing.assert_array_equal(part, slide._blob(whole, radius))


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), scale=st.floats(5.0, 300.0), h=st.integers(20, 700),
       w=st.integers(20, 700))
def test_film_is_the_frame_cut_from_the_coarse_grid_resized_whole(seed, scale, h, w):
    # the film interpolates one axis at a time and only near the frame: what cv2.resize of the
    # whole grid gives there, up to float32 rounding
    step = scale / slide.FILM_GRID
    gh, gw = (int(np.ceil(n / step)) + 2 * slide.FILM_GRID for n in (h, w))
    coarse = cv2.GaussianBlur(np.random.default_rng(seed).standard_normal((gh, gw))
                              .astype(np.float32), (0, 0), slide.FILM_GRID / 2)
    whole = cv2.resize(coarse, (int(gw * step), int(gh * step)), interpolation=cv2.INTER_CUBIC)
    off = int(slide.FILM_GRID * step)
    whole = whole[off:off + h, off:off + w]
    film = slide._film((h, w), scale, np.random.default_rng(seed))
    np.testing.assert_allclose(film, whole / whole.std(), atol=2e-5)


def test_film_does_not_depend_on_opencv_threads():
    # a parallel sum (cv2.meanStdDev) rounds by its thread count: the film's must not
    threads = cv2.getNumThreads()
    try:
        films = []
        for n in (1, 4):
            cv2.setNumThreads(n)
            films.append(slide._film((480, 640), 200.0, np.random.default_rng(3)))
    finally:
        cv2.setNumThreads(threads)
    np.testing.assert_array_equal(*films)
