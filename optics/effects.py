"""The switchable effects of the optical chain, by name, for ablation studies.

Each effect is one configuration switch under ``optics``; :data:`EFFECTS` maps its name to the
key (relative to :class:`~optics.config.OpticsConfig`) and the value that turns it off.
"""

from __future__ import annotations

from functools import reduce

from optics.config import OpticsConfig

EFFECTS: dict[str, tuple[str, object]] = {
    "spectral": ("stains.mode", "rgb"),
    "illumination": ("illumination.enabled", False),
    "field": ("illumination.field.enabled", False),
    "psf": ("psf.enabled", False),
    "chromatic": ("psf.chromatic.enabled", False),
    "curvature": ("psf.curvature.enabled", False),
    "noise": ("sensor.enabled", False),
    "bayer": ("bayer.enabled", False),
    "normalise": ("normalise.enabled", False),
    "tone": ("tone.enabled", False),
    "sharpen": ("sharpen.enabled", False),
    "jpeg": ("jpeg.enabled", False),
}
"""Effect name → (config key under ``optics``, value that switches it off)."""


def active(cfg: OpticsConfig) -> dict[str, bool]:
    """Which effects are on in `cfg`."""
    return {name: reduce(getattr, key.split("."), cfg) != off
            for name, (key, off) in EFFECTS.items()}


def overrides(ablate: list[str], only: list[str] | None = None) -> list[str]:
    """``key=value`` overrides (keys under ``optics``) turning off the effects in `ablate`, or,
    if `only` is given, every effect not in it.

    Raises
    ------
    ValueError
        On an unknown effect name (the message lists the allowed ones).
    """
    for name in ablate + (only or []):
        if name not in EFFECTS:
            raise ValueError(f"unknown effect {name!r}; allowed: {', '.join(EFFECTS)}")
    off = [n for n in EFFECTS if n not in only] if only is not None else ablate
    return [f"{EFFECTS[n][0]}={str(EFFECTS[n][1]).lower()}" for n in off]
