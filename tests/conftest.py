"""Shared fixtures: small configurations that keep the suite fast."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

from export import load_config

# The property tests run a fixed set of examples, so the suite gives the same answer on every
# machine (a red CI blocks a landing, and CI runners need not set $CI); SMEARSIM_EXPLORE=1 lets
# Hypothesis search new examples, as a developer should before changing a bound
settings.register_profile("fixed", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile("explore" if os.environ.get("SMEARSIM_EXPLORE") else "fixed")

from export.reference import ENV, reference_folder

REFERENCE = (reference_folder(Path(__file__).resolve().parents[1].parent)
             or Path("/nonexistent/smearsim-reference"))
"""Real reference images: $SMEARSIM_REFERENCE, else shared/reference beside the repository; tests
that need them skip without (:data:`NO_REFERENCE`)."""

NO_REFERENCE = (f"no reference images: set ${ENV} to a folder holding pbc/ and bccd/, or place "
                "shared/reference beside the repository")


@pytest.fixture(scope="session")
def pbc():
    return load_config("pbc")


@pytest.fixture(scope="session")
def small_field():
    """The field preset at a quarter of its area: every class of object, quickly."""
    return load_config("field", overrides=["optics.frame.width=320", "optics.frame.height=240"])
