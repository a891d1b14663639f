"""The switchable effects of the optical chain, by name, for ablation studies.

Each effect is one configuration switch under ``optics``; :data:`EFFECTS` maps its name to the
key (relative to :class:`~optics.config.OpticsConfig`) and the values that turn it on and off.
"""

from __future__ import annotations

from functools import reduce

from optics.config import OpticsConfig

EFFECTS: dict[str, tuple[str, object, object]] = {
    "spectral": ("stains.mode", "spectral", "rgb"),
    "illumination": ("illumination.enabled", True, False),
    "field": ("illumination.field.enabled", True, False),
    "phase": ("phase.enabled", True, False),
    "psf": ("psf.enabled", True, False),
    "chromatic": ("psf.chromatic.enabled", True, False),
    "curvature": ("psf.curvature.enabled", True, False),
    "variation": ("variation.enabled", True, False),
    "noise": ("sensor.enabled", True, False),
    "bayer": ("bayer.enabled", True, False),
    "normalise": ("normalise.enabled", True, False),
    "colour": ("colour.enabled", True, False),
    "tone": ("tone.enabled", True, False),
    "sharpen": ("sharpen.enabled", True, False),
    "jpeg": ("jpeg.enabled", True, False),
    "slide": ("slide.enabled", True, False),
}
"""Effect name → (config key under ``optics``, value that switches it on, value that switches it
off). An effect that is on may still be the identity at its values: ``colour`` at the default
``colour.saturation = 1`` changes no pixel (:class:`optics.config.Colour`)."""


def active(cfg: OpticsConfig) -> dict[str, bool]:
    """Which effects are switched on in `cfg` (not whether each changes the image at its values,
    see :data:`EFFECTS`)."""
    return {name: reduce(getattr, key.split("."), cfg) == on
            for name, (key, on, _) in EFFECTS.items()}


def _override(name: str, value: object) -> str:
    return f"{EFFECTS[name][0]}={str(value).lower()}"


def enabling(names: list[str]) -> list[str]:
    """``key=value`` overrides (keys under ``optics``) turning on the effects in `names`."""
    return [_override(n, EFFECTS[n][1]) for n in names]


def overrides(ablate: list[str], only: list[str] | None = None) -> list[str]:
    """``key=value`` overrides (keys under ``optics``) turning off the effects in `ablate`, or,
    if `only` is given, every effect not in it (and on every effect in it).

    Raises
    ------
    ValueError
        On an unknown effect name (the message lists the allowed ones).
    """
    for name in ablate + (only or []):
        if name not in EFFECTS:
            raise ValueError(f"unknown effect {name!r}; allowed: {', '.join(EFFECTS)}")
    if only is None:
        return [_override(n, EFFECTS[n][2]) for n in ablate]
    return [_override(n, EFFECTS[n][2]) for n in EFFECTS if n not in only] + enabling(only)
