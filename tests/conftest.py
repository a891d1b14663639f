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

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


@pytest.fixture(scope="session")
def pbc():
    return load_config("pbc")


@pytest.fixture(scope="session")
def small_field():
    """The field preset at a quarter of its area: every class of object, quickly."""
    return load_config("field", overrides=["optics.frame.width=320", "optics.frame.height=240"])
