"""The whole configuration of one dataset: ``sim``, ``optics`` and ``export`` sections.

A configuration is resolved in layers, each overriding the one before: the documented defaults
of every field, a preset shipped with the package (``export/presets/NAME.toml``), a user's TOML
file, then ``key.path=value`` overrides. The result is validated as a whole; any mistake raises
:class:`~sim.schema.ConfigError` with one line naming the field and what is allowed.
"""

from __future__ import annotations

import stat
import tomllib
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Iterable

from optics.config import OpticsConfig
from sim.classes import GROUPS, label_ids, parents
from sim.config import ClassMix, SimConfig
from sim.schema import ConfigError, build, merge, option, param, section, to_toml

FORMATS = ("yolo", "yolo-seg", "coco", "masks", "crops", "meta")
"""Annotation formats ``generate`` can write (see :mod:`export.formats`)."""


@dataclass(frozen=True)
class ExportConfig:
    """How images and labels are written."""

    formats: str = param("yolo", "", "annotation formats to write, comma-separated, from: "
                         + ", ".join(FORMATS) + " (per-image metadata is always written)")
    split: tuple[float, ...] = param((0.8, 0.1, 0.1), "", "relative shares of the train, val "
                                     "and test splits", 0.0, 1.0, length=3)
    jpeg_quality: int = param(95, "", "JPEG quality of written images when optics.jpeg is off "
                               "(otherwise the camera's own JPEG is written)", 1, 100)
    min_visible: float = param(0.1, "", "smallest fraction of a cell's area visible in the image "
                               "for it to be labelled", 0.0, 1.0)
    polygon_tolerance: float = param(0.5, "px", "largest distance of a simplified polygon from "
                                     "the traced pixel boundary (Douglas-Peucker)", 0.0, 10.0)
    crop_margin: float = param(0.25, "", "context around a cell in a crop, as a fraction of the "
                               "larger side of its visible box on each side", 0.0, 5.0)
    merge: str = param("", "", "classes labelled as a base class (ids 0-8), comma-separated: "
                       "NAME or NAME=PARENT, NAME a class of id 9 or more or a group ("
                       + ", ".join(GROUPS) + "), PARENT a base class (default: the class's own "
                       "parent, sim.classes.PARENT); '' labels every class as itself")

    def check(self, path: str) -> None:
        names = self.format_list()
        unknown = [f for f in names if f not in FORMATS]
        if unknown:
            raise ConfigError(f"{path}.formats = {self.formats!r} has unknown format "
                              f"{unknown[0]!r}; allowed: {', '.join(FORMATS)} (comma-separated)")
        if "yolo" in names and "yolo-seg" in names:
            raise ConfigError(f"{path}.formats = {self.formats!r}: choose one of yolo, yolo-seg "
                              "(both use the Ultralytics labels/ folder; YOLO detection trains "
                              "on yolo-seg labels too)")
        try:
            parents(self.merge)
        except ConfigError as e:
            raise ConfigError(f"{path}.merge = {self.merge!r}: {e}") from None
        if sum(self.split) <= 0:
            raise ConfigError(f"{path}.split = {list(self.split)} must give at least one split "
                              "a share > 0")

    def label_ids(self) -> dict[str, int]:
        """Label id written for each class name (see :func:`sim.classes.label_ids`)."""
        return label_ids(self.merge)

    def format_list(self) -> tuple[str, ...]:
        """The requested formats, in the order of :data:`FORMATS`, metadata included."""
        names = {f.strip() for f in self.formats.split(",") if f.strip()} | {"meta"}
        return tuple(f for f in FORMATS if f in names) + tuple(sorted(names - set(FORMATS)))


@dataclass(frozen=True)
class Config:
    """Everything that determines a dataset, apart from the seed and the image count."""

    sim: SimConfig = section(SimConfig)
    optics: OpticsConfig = section(OpticsConfig)
    export: ExportConfig = section(ExportConfig)


def presets() -> dict[str, str]:
    """Shipped presets: name → one-line description (the first comment line of its file)."""
    out = {}
    for f in sorted(resources.files("export").joinpath("presets").iterdir(), key=lambda f: f.name):
        if f.name.endswith(".toml"):
            out[f.name[:-5]] = f.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
    return out


MAX_CONFIG_BYTES = 1 << 20
"""Largest config file read, bytes (a full resolved config is about 30 kB)."""

MAX_DEPTH = 32
"""Deepest nesting of tables and arrays accepted in a config (the schema's is 5)."""


def _depth(value, limit: int) -> int:
    """Nesting depth of `value` (tables and arrays), counted up to `limit` + 1."""
    stack, deepest = [(value, 0)], 0
    while stack:
        v, d = stack.pop()
        deepest = max(deepest, d)
        if d > limit:
            break
        children = v.values() if isinstance(v, dict) else v if isinstance(v, list) else ()
        stack += [(c, d + 1) for c in children]
    return deepest


def _read_toml(text: str, source: str) -> dict:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"cannot parse {source}: {e}") from None
    except RecursionError:
        data = None
    if data is None or _depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise ConfigError(f"cannot parse {source}: nested deeper than {MAX_DEPTH} levels")
    return data


def read_config_file(file: str | Path) -> str:
    """The text of a config file: a regular file of at most :data:`MAX_CONFIG_BYTES`, UTF-8
    (a device, FIFO or folder is refused before it is opened, so nothing blocks or reads on
    without end)."""
    path = Path(file)
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise ConfigError(f"{option('config')} {str(file)!r} is not a regular file")
        with open(path, "rb") as f:
            raw = f.read(MAX_CONFIG_BYTES + 1)
        if len(raw) > MAX_CONFIG_BYTES:
            raise ConfigError(f"{option('config')} {str(file)!r} is larger than "
                              f"{MAX_CONFIG_BYTES // 1024} KiB; a config is a small TOML file")
        return raw.decode("utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read {option('config')} {str(file)!r}: "
                          f"{getattr(e, 'strerror', None) or e}") from None


def parse_override(item: str) -> dict:
    """``"a.b.c=value"`` → ``{"a": {"b": {"c": value}}}``; the value is read as TOML (strings
    may be left unquoted)."""
    key, sep, text = item.partition("=")
    key = key.strip()
    if not sep or not key or any(not part for part in key.split(".")):
        raise ConfigError(f"{option('set')} {item[:60]!r} must look like key.path=value, e.g. "
                          "sim.population.rbc_coverage=0.5")
    try:
        value = _read_toml(f"v = {text.strip()}", "")["v"]
    except ConfigError:
        value = text.strip()
    if len(key.split(".")) > MAX_DEPTH:
        raise ConfigError(f"{option('set')} key {key[:60]!r}… is nested deeper than "
                          f"{MAX_DEPTH} levels")
    for part in reversed(key.split(".")):
        value = {part: value}
    return value


def load_config(preset: str | None = "pbc", file: str | Path | None = None,
                overrides: Iterable[str] = ()) -> Config:
    """Resolve a configuration.

    Parameters
    ----------
    preset
        Name of a shipped preset (see :func:`presets`), or None for the bare defaults.
    file
        A TOML file laid over the preset (e.g. one printed by ``smearsim config`` and edited).
    overrides
        ``"key.path=value"`` strings laid over both.

    Raises
    ------
    ConfigError
        Unknown preset, unreadable file, unknown key or a value out of range.
    """
    data: dict = {}
    if preset is not None:
        known = presets()
        if preset not in known:
            raise ConfigError(f"unknown preset {preset!r}; allowed: {', '.join(known)}")
        text = resources.files("export").joinpath("presets", f"{preset}.toml").read_text("utf-8")
        data = _read_toml(text, f"preset {preset}")
    if file is not None:
        text = read_config_file(file)
        data = merge(data, _read_toml(text, f"config file {str(file)!r}"))
    for item in overrides:
        data = merge(data, parse_override(item))
    return build(Config, data)


def dump_config(config: Config) -> str:
    """The resolved configuration as commented TOML, readable by :func:`load_config`."""
    return ("# smearsim configuration: every value resolved; pass back with --config FILE\n\n"
            + to_toml(config) + "\n")


def with_subject(config: Config, kind: str) -> Config:
    """`config` with one centred subject cell in every image, always of class `kind`."""
    mix = ClassMix(**{c: float(c == kind) for c in ClassMix.options()})
    population = replace(config.sim.population, subject="centre", subject_mix=mix)
    return replace(config, sim=replace(config.sim, population=population))
