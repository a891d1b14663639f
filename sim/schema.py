"""Typed, validated configuration sections.

Every tunable number in smearsim is a field of a frozen dataclass declared with :func:`param`,
which records the field's unit, allowed range and meaning. :func:`build` turns a nested mapping
(as read from TOML) into such a dataclass and rejects unknown keys, wrong types and out-of-range
values with a one-line :class:`ConfigError` naming the field and what is allowed.
:func:`to_toml` writes a section back as commented TOML that :func:`build` reads unchanged.

The machinery lives in ``sim`` because ``sim`` is the lowest layer: ``optics`` and ``export``
declare their own sections with it.
"""

from __future__ import annotations

import json
import math
import typing
from dataclasses import field, fields, is_dataclass
from functools import lru_cache
from typing import Any


OPTIONS = {"out": ("out", "--out"), "resume": ("resume=True", "--resume"),
           "overwrite": ("overwrite=True", "--overwrite"), "set": ("override", "--set"),
           "scheduler": ("scheduler", "--scheduler"), "count": ("count", "--count"),
           "seed": ("seed", "--seed"), "workers": ("workers", "--workers"),
           "columns": ("columns", "--columns"), "images": ("images", "--images"),
           "seeds": ("seeds", "--seeds"), "reference": ("reference", "--reference"),
           "real": ("real", "--real"), "synthetic": ("synthetic", "--synthetic"),
           "config": ("config file", "--config"), "epochs": ("epochs", "--epochs"),
           "imgsz": ("imgsz", "--imgsz"), "batch": ("batch", "--batch"), "work": ("work", "--work"),
           "transfer": ("transfer", "--transfer")}
"""How an error message names an option: as the Python parameter, or as the command-line flag."""

_MARK = "\x00"


def option(name: str) -> str:
    """A placeholder for option `name` (a key of :data:`OPTIONS`) in an error message: shown as
    the Python parameter by ``str(error)`` and as the flag by :meth:`SmearsimError.cli`."""
    if name not in OPTIONS:
        raise KeyError(name)
    return f"{_MARK}{name}{_MARK}"


class SmearsimError(Exception):
    """A mistake in what smearsim was given, told in one line (base of every smearsim error)."""

    def _render(self, which: int) -> str:
        parts = str(self.args[0] if self.args else "").split(_MARK)
        return "".join(OPTIONS[p][which] if k % 2 else p for k, p in enumerate(parts))

    def __str__(self) -> str:
        return self._render(0)

    def cli(self) -> str:
        """The message as the command line shows it (options named by their flags)."""
        return self._render(1)


class ConfigError(SmearsimError, ValueError):
    """A configuration value is unknown, of the wrong type, or out of its allowed range."""


def param(default: Any, unit: str = "", doc: str = "", lo: float | None = None,
          hi: float | None = None, choices: tuple[str, ...] | None = None,
          length: int | None = None) -> Any:
    """Declare a configuration field.

    Parameters
    ----------
    default
        Default value (a number, bool, string, or tuple of numbers).
    unit
        Physical unit, e.g. ``"µm"``; empty for dimensionless values.
    doc
        One-line meaning of the value, with the source of its default.
    lo, hi
        Inclusive bounds for numbers (each element of a tuple).
    choices
        Allowed strings.
    length
        Required length of a tuple value.
    """
    meta = {"unit": unit, "doc": doc, "lo": lo, "hi": hi, "choices": choices, "length": length}
    return field(default=default, metadata=meta)


def section(factory: Any) -> Any:
    """Declare a nested section whose default is ``factory()``."""
    return field(default_factory=factory)


MAGNITUDE = 1e15
"""Largest magnitude of any number in a configuration, whatever its own range: sums and products
of a few such values (weights normalised, densities times areas) stay far from float overflow."""


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _allowed(meta: dict) -> str:
    lo, hi, unit = meta["lo"], meta["hi"], meta["unit"]
    unit = f" {unit}" if unit else ""
    if lo is not None and hi is not None:
        return f"{lo} <= value <= {hi}{unit}"
    if lo is not None:
        return f"value >= {lo}{unit}"
    if hi is not None:
        return f"value <= {hi}{unit}"
    return f"any value{unit}"


def _short(value: Any) -> str:
    """`value` as an error message quotes it: at most 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:20]}…({len(text)} characters)"


def _number(value: Any, kind: type, meta: dict, key: str) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        what = "an integer" if kind is int else "a number"
        raise ConfigError(f"{key} = {_short(value)} must be {what}; allowed: {_allowed(meta)}")
    if not -MAGNITUDE <= value <= MAGNITUDE:  # keeps float() of a huge integer from overflowing
        raise ConfigError(f"{key} = {_short(value)} is out of range; allowed: {_allowed(meta)}, "
                          f"and at most {MAGNITUDE:g} in magnitude")
    if kind is int and not float(value).is_integer():
        raise ConfigError(f"{key} = {_short(value)} must be an integer; allowed: {_allowed(meta)}")
    value = kind(value)
    if not math.isfinite(value) or (meta["lo"] is not None and value < meta["lo"]) or (
            meta["hi"] is not None and value > meta["hi"]):
        raise ConfigError(f"{key} = {_short(value)} is out of range; allowed: {_allowed(meta)}")
    return value


def _value(value: Any, kind: Any, meta: dict, key: str) -> Any:
    if kind in (int, float):
        return _number(value, kind, meta, key)
    if kind is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {_short(value)} must be true or false")
        return value
    if kind is str:
        if not isinstance(value, str) or (meta["choices"] and value not in meta["choices"]):
            raise ConfigError(f"{key} = {_short(value)} is not allowed; allowed: "
                              f"{', '.join(meta['choices'] or ('a string',))}")
        return value
    if typing.get_origin(kind) is tuple:
        inner = typing.get_args(kind)[0]
        n = meta["length"]
        if not isinstance(value, (list, tuple)) or (n is not None and len(value) != n):
            raise ConfigError(f"{key} = {_short(value)} must be a list of {n or 'some'} numbers, "
                              f"each {_allowed(meta)}")
        return tuple(_number(v, inner, meta, f"{key}[{i}]") for i, v in enumerate(value))
    raise TypeError(f"unsupported configuration type {kind!r} for {key}")


def build(cls: type, data: Any, path: str = "") -> Any:
    """Build a validated section of type `cls` from a nested mapping.

    Keys missing from `data` take the section's defaults.

    Raises
    ------
    ConfigError
        On an unknown key, a value of the wrong type, or a value out of range.
    """
    names = {f.name: f for f in fields(cls)}
    if not isinstance(data, dict):
        raise ConfigError(f"{path or 'config'} must be a table with keys: {', '.join(names)}")
    unknown = sorted(set(data) - set(names))
    if unknown:
        where = f" in [{path}]" if path else ""
        raise ConfigError(f"unknown key '{_join(path, unknown[0])}'; allowed keys{where}: "
                          f"{', '.join(names)}")
    hints = _hints(cls)
    kwargs = {}
    for name, value in data.items():
        key, kind = _join(path, name), hints[name]
        if is_dataclass(kind):
            default = names[name].default_factory()
            kwargs[name] = build(kind, merge(to_dict(default), value) if isinstance(value, dict)
                                 else value, key)
        else:
            kwargs[name] = _value(value, kind, names[name].metadata, key)
    obj = cls(**kwargs)
    check = getattr(obj, "check", None)
    if check is not None:
        check(path)
    return obj


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    """Resolved field types of a section class (``typing.get_type_hints`` evaluates every string
    annotation anew: two thirds of the time of loading a configuration)."""
    return typing.get_type_hints(cls)


def check_ranges(obj: Any, path: str, names: tuple[str, ...]) -> None:
    """Raise :class:`ConfigError` unless each field of `names` of section `obj` (at `path`) is a
    ``[min, max]`` pair with min <= max."""
    for name in names:
        lo, hi = getattr(obj, name)
        if lo > hi:
            raise ConfigError(f"{path}.{name} = {[lo, hi]} must be [min, max] with min <= max")


def to_dict(obj: Any) -> dict:
    """A section as a nested dict of plain values (tuples become lists)."""
    out = {}
    for f in fields(obj):
        v = getattr(obj, f.name)
        out[f.name] = to_dict(v) if is_dataclass(v) else list(v) if isinstance(v, tuple) else v
    return out


def merge(base: dict, overlay: dict) -> dict:
    """Deep-merge `overlay` onto `base` (new dict; neither argument is changed)."""
    out = dict(base)
    for k, v in overlay.items():
        out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, float):
        return repr(v)
    return json.dumps(v, ensure_ascii=False) if isinstance(v, str) else str(v)


def to_toml(obj: Any, path: str = "") -> str:
    """A section as TOML, each value commented with its unit, range and meaning."""
    lines, subsections = [], []
    for f in fields(obj):
        v = getattr(obj, f.name)
        if is_dataclass(v):
            subsections.append(to_toml(v, _join(path, f.name)))
            continue
        meta = f.metadata
        note = ", ".join(meta["choices"]) if meta.get("choices") else _allowed(meta)
        lines.append(f"{f.name} = {_toml_value(v)}  # {note}. {meta.get('doc', '')}".rstrip())
    head = [f"[{path}]"] if path and lines else []
    return "\n\n".join(filter(None, ["\n".join(head + lines)] + subsections))


__all__ = ["SmearsimError", "ConfigError", "option", "OPTIONS", "param", "section", "build",
           "check_ranges", "to_dict", "merge", "to_toml"]
