"""Shared fixtures: small configurations that keep the suite fast."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

from export import load_config

# CI runs the property tests on a fixed set of examples (a red CI blocks a landing); local runs
# keep exploring new ones
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

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
