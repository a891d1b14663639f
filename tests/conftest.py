"""Shared fixtures: small configurations that keep the suite fast."""

from pathlib import Path

import pytest

from export import load_config

REFERENCE = Path(__file__).resolve().parents[1].parent / "shared" / "reference"


@pytest.fixture(scope="session")
def pbc():
    return load_config("pbc")


@pytest.fixture(scope="session")
def small_field():
    """The field preset at a quarter of its area: every class of object, quickly."""
    return load_config("field", overrides=["optics.frame.width=320", "optics.frame.height=240"])
