"""Weight tables: relative frequencies of named options (classes, maturation stages, nucleus
shapes), and one draw from them."""

from __future__ import annotations

from dataclasses import fields
from typing import Sequence

import numpy as np

from sim.schema import ConfigError


def weighted_choice(options: Sequence[str], weights: Sequence[float],
                    rng: np.random.Generator) -> str:
    """One of `options`, drawn with probabilities proportional to `weights` (non-negative, not
    all zero): one ``rng.choice`` over their indices."""
    w = np.asarray(weights, dtype=float)
    return options[int(rng.choice(len(w), p=w / w.sum()))]


class WeightTable:
    """Base of a frozen config dataclass whose fields are the relative weights of named options,
    the options being the field names in their order.

    A subclass sets ``option`` (what one option is, for messages) and ``may_be_empty`` (whether
    all weights may be zero, meaning "none").
    """

    option = "option"
    may_be_empty = False

    @classmethod
    def options(cls) -> tuple[str, ...]:
        """The option names, in field order."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def require_options(cls, names: Sequence[str]) -> None:
        """Raise TypeError unless the fields are exactly `names`, in that order (the tuples of
        names the rest of the code indexes by must match the table)."""
        if cls.options() != tuple(names):
            raise TypeError(f"{cls.__name__} fields {cls.options()} must be {tuple(names)}")

    def weights(self) -> np.ndarray:
        """The weights in option order, float (K,)."""
        return np.array([getattr(self, name) for name in self.options()], dtype=float)

    def empty(self) -> bool:
        """Whether every weight is zero."""
        return bool(self.weights().sum() <= 0)

    def draw(self, rng: np.random.Generator) -> str:
        """One option drawn with these weights (:func:`weighted_choice`)."""
        return weighted_choice(self.options(), self.weights(), rng)

    def check(self, path: str) -> None:
        if not self.may_be_empty and self.empty():
            raise ConfigError(f"{path} must give at least one {self.option} a weight > 0")
