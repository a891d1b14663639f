"""Physical invariants of the simulation (optics invariants: tests/test_optics.py)."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from export import load_config
from sim import simulate
from sim.biconcave import evans_fung, evans_fung_peak, relative


def test_evans_fung_profile():
    # published values: 0.81 µm at the centre, ≈2.57 µm peak near ρ = 0.7, 0 at the rim
    assert evans_fung(np.array([0.0]))[0] == pytest.approx(0.81)
    assert evans_fung(np.array([1.0]))[0] == 0.0
    assert evans_fung_peak() == pytest.approx(2.57, abs=0.01)
    rho = np.linspace(0, 1, 1001)
    # volume of the 7.82 µm cell ≈ 94 fL (Evans & Fung 1972 report 94 ± 14 µm³)
    r = rho * 3.91
    volume = np.trapezoid(evans_fung(rho) * 2 * np.pi * r, r)
    assert volume == pytest.approx(94, rel=0.06)


@given(centre=st.floats(0.0, 30.0))
def test_closed_form_evans_fung_peak_is_the_profile_maximum(centre):
    assert evans_fung_peak(centre) == pytest.approx(
        evans_fung(np.linspace(0, 1, 20001), centre).max(), rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(centre=st.floats(0.05, 1.5), pallor=st.floats(0.15, 0.5), edge=st.floats(0.03, 0.2))
def test_dried_red_cell_keeps_the_rim_and_centre_and_walls_its_pallor(centre, pallor, edge):
    """The air-dried profile has the Evans–Fung rim from its peak outwards (when the pallor's
    wall lies inside the peak) and (nearly) its centre thickness; it never falls inwards of the
    peak but at the pallor's wall, which is steeper than the bowl's, and it is the bowl itself
    without a pallor."""
    rho = np.linspace(0.0, 1.0, 4001)
    bowl = evans_fung(rho, centre) / evans_fung_peak(centre)
    assert np.array_equal(relative(rho, centre), bowl)
    dried = relative(rho, centre, pallor, edge)
    peak = rho[np.argmax(bowl)]
    outer = rho >= peak
    wall_inside = pallor + 4 * edge <= peak
    assert not wall_inside or np.allclose(dried[outer], bowl[outer], rtol=2e-3)
    assert np.all(dried <= 1.0 + 1e-6) and (not wall_inside or dried.max() > 0.998)
    floor = centre / evans_fung_peak(centre)
    # the centre: the bowl's, up to the tail of the tanh wall
    assert dried[0] == pytest.approx(floor + (1 - floor) * (1 + np.tanh(-pallor / edge)) / 2,
                                     rel=1e-6)
    inner = rho <= peak
    assert np.all(np.diff(dried[inner]) >= -1e-6)
    step = rho[1] - rho[0]
    assert np.max(np.diff(dried[inner])) / step > np.max(np.diff(bowl[inner])) / step


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




@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(0, 200), span=st.floats(5.0, 200.0))
def test_overlapping_pairs_are_those_a_kd_tree_finds(seed, n, span):
    # the sweep finds the pairs, in the order, that the KD-tree query it replaced found
    from scipy.spatial import cKDTree
    from sim.contact import overlapping
    rng = np.random.default_rng(seed)
    centre, r = rng.uniform(0.0, span, (n, 2)), rng.uniform(1.0, 5.0, n)
    centre[: n // 4, 0] = np.round(centre[: n // 4, 0])  # ties in x
    layer, group = rng.integers(0, 2, n), np.where(rng.random(n) < 0.2, n, np.arange(n))
    pairs = np.array(sorted(cKDTree(centre).query_pairs(2 * r.max())) if n > 1 else [],
                     dtype=int).reshape(-1, 2)
    a, b = pairs.T
    depth = r[a] + r[b] - np.hypot(*(centre[a] - centre[b]).T)
    hit = (layer[a] == layer[b]) & (group[a] != group[b]) & (depth > 0)
    for got, want in zip(overlapping(centre, r, layer, group), (a[hit], b[hit], depth[hit])):
        np.testing.assert_array_equal(got, want)
