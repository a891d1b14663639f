"""Macenko stain-vector estimation recovers known stains."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from export.realism.stainvectors import macenko


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_recovers_two_mixed_stains(seed):
    rng = np.random.default_rng(seed)
    purple = np.array([0.52, 0.83, 0.20])
    pink = np.array([0.18, 0.90, 0.39])
    amounts = rng.exponential(0.5, (5000, 2)) * (rng.random((5000, 2)) < 0.7)
    od = amounts @ np.vstack([purple, pink]) + rng.normal(0, 0.005, (5000, 3))
    found = macenko(od)
    for got, want in zip(found, (purple, pink)):
        assert got @ want / np.linalg.norm(want) > 0.99
    assert np.allclose(np.linalg.norm(found, axis=1), 1)


def test_refuses_an_unstained_image():
    with pytest.raises(ValueError, match="stained pixels"):
        macenko(np.full((1000, 3), 0.01))
