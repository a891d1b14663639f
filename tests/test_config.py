"""Configuration: presets, layering, round trip, and every kind of bad value."""

import pytest

from export.config import Config, dump_config, load_config, parse_override, presets
from sim.schema import ConfigError, to_dict


def test_presets_are_listed_with_descriptions():
    p = presets()
    assert {"pbc", "field"} <= set(p)
    assert all(text for text in p.values())


def test_pbc_preset_is_a_360x363_field_at_about_a_tenth_micrometre(pbc):
    f = pbc.optics.frame
    assert (f.width, f.height) == (360, 363)
    # TXL-PBC: unclipped RBC boxes median 79 px for a 7.8 µm cell
    assert 7.82 / f.pixel_size == pytest.approx(79, abs=2)
    assert pbc.sim.population.subject == "centre"


def test_field_preset_is_640x480_without_subject():
    f = load_config("field")
    assert (f.optics.frame.width, f.optics.frame.height) == (640, 480)
    assert f.sim.population.subject == "none"


@pytest.mark.parametrize("preset", ["pbc", "field"])
def test_dumped_config_loads_back_identical(preset, tmp_path):
    config = load_config(preset)
    path = tmp_path / "c.toml"
    path.write_text(dump_config(config), encoding="utf-8")
    again = load_config(None, path)
    assert again == config
    assert to_dict(again) == to_dict(config)


def test_layers_override_in_order(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text("[sim.population]\nrbc_coverage = 0.3\nplatelets = 1.0\n", encoding="utf-8")
    c = load_config("pbc", path, ["sim.population.platelets=2.5"])
    assert c.sim.population.rbc_coverage == 0.3
    assert c.sim.population.platelets == 2.5
    assert c.optics.frame.width == 360  # from the preset


def test_override_values_are_parsed_as_toml_or_bare_strings():
    assert parse_override("a.b=1") == {"a": {"b": 1}}
    assert parse_override("a.b=[1, 2]") == {"a": {"b": [1, 2]}}
    assert parse_override("a=none") == {"a": "none"}
    assert parse_override("x.y=true") == {"x": {"y": True}}


def test_integer_accepted_where_a_float_is_expected():
    c = load_config("pbc", overrides=["optics.psf.defocus=1"])
    assert c.optics.psf.defocus == 1.0 and isinstance(c.optics.psf.defocus, float)


@pytest.mark.parametrize("override, words", [
    ("sim.population.rbc_coverage=3.5", ["sim.population.rbc_coverage", "0.0 <= value <= 3.0"]),
    ("optics.frame.width=3", ["optics.frame.width", "16 <= value <= 8192"]),
    ("optics.frame.width=20.5", ["optics.frame.width", "integer"]),
    ("sim.population.subject=middle", ["sim.population.subject", "centre, none"]),
    ("optics.psf.enabled=3", ["optics.psf.enabled", "true or false"]),
    ("optics.illumination.background=[1, 1]", ["optics.illumination.background", "3 numbers"]),
    ("optics.illumination.background=[1, 1, 2]", ["background[2]", "0.0 <= value <= 1.1"]),
    ("sim.cells.neutrophil.lobes=[4, 2]", ["sim.cells.neutrophil.lobes", "min <= max"]),
    ("sim.cells.neutrophil.lobe_kink=[1, 0.5]", ["sim.cells.neutrophil.lobe_kink", "min <= max"]),
    ("sim.cells.neutrophil.band_beads=[16, 13]", ["sim.cells.neutrophil.band_beads",
                                                  "min <= max"]),
    ("sim.cells.ig.myelocyte.eccentricity_least=1.1", ["eccentricity_least", "<= 1.0"]),
    ("sim.cells.basophil.eccentricity_least=0.9", ["sim.cells.basophil.eccentricity_least",
                                                   "at most sim.cells.basophil.eccentricity"]),
    ("sim.nonsense=1", ["unknown key 'sim.nonsense'", "population"]),
    ("sim.population=3", ["sim.population must be a table"]),
    ("optics.psf.defocus=nan", ["optics.psf.defocus", "out of range"]),
    ("noequals", ["key.path=value"]),
])
def test_bad_values_name_the_field_and_what_is_allowed(override, words):
    with pytest.raises(ConfigError) as err:
        load_config("pbc", overrides=[override])
    message = str(err.value)
    assert "\n" not in message
    for w in words:
        assert w in message


def test_class_mix_needs_some_weight():
    zero = [f"sim.population.subject_mix.{c}=0" for c in
            ("neutrophil", "eosinophil", "basophil", "lymphocyte", "monocyte", "ig",
             "erythroblast", "platelet")]
    with pytest.raises(ConfigError, match="subject_mix"):
        load_config("pbc", overrides=zero)


def test_ig_stage_mix_needs_some_weight():
    zero = [f"sim.cells.ig.stages.{s}=0" for s in ("promyelocyte", "myelocyte", "metamyelocyte")]
    with pytest.raises(ConfigError, match="sim.cells.ig.stages"):
        load_config("pbc", overrides=zero)


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigError, match="unknown preset 'nope'; allowed: .*pbc"):
        load_config("nope")


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config("pbc", tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[sim\nx = ", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot parse config file"):
        load_config("pbc", bad)
    binary = tmp_path / "bin.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config("pbc", binary)


def test_defaults_are_a_valid_config():
    assert load_config(None) == Config()
