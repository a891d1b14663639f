"""The speed guard's logic (tests/bench/budget.py): which figures it calls over budget, and the
budget file it reads. Nothing here is timed."""

import importlib.util
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

BENCH = Path(__file__).resolve().parent / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


budget = _load("budget")

names = st.sampled_from(["packing", "raster", "psf", "end to end, 2 workers", "writing"])
figures = st.dictionaries(st.sampled_from(["pbc", "field", "crowded"]),
                          st.dictionaries(names, st.floats(0.001, 20.0), max_size=5), max_size=3)


@given(measured=figures, limits=figures)
def test_over_budget_names_exactly_the_figures_above_their_budget(measured, limits):
    over = budget.over_budget(measured, limits)
    expected = [(p, n) for p, f in measured.items() for n, v in f.items()
                if n in limits.get(p, {}) and v > limits[p][n]]
    assert len(over) == len(expected)
    for line, (preset, name) in zip(over, expected):
        assert line.startswith(f"{preset} {name}: ")
        assert f"{measured[preset][name]:.2f}x" in line and f"{limits[preset][name]:.2f}x" in line
    unjudged = budget.unbudgeted(measured, limits)
    assert unjudged == [f"{p} {n}" for p, f in measured.items() for n in f
                        if n not in limits.get(p, {})]


def test_report_exit_codes_and_lines(tmp_path, capsys):
    path = tmp_path / "budget.toml"
    path.write_text('[pbc]\npsf = 0.5\nraster = 1.0\n')
    assert budget.report({"pbc": {"psf": 0.4, "raster": 0.9}}, path) == 0
    assert budget.report({"pbc": {"psf": 0.6, "raster": 1.2, "isp": 9.0}}, path) == 1
    out = capsys.readouterr().out
    assert "OVER BUDGET  pbc psf: 0.60x" in out and "OVER BUDGET  pbc raster: 1.20x" in out
    assert "no budget for pbc isp" in out and "2 of 2 figures over budget" in out


@pytest.mark.parametrize("text, what", [
    ("[pbc]\npsf = -1\n", "pbc.psf = -1 must be a positive number"),
    ("[pbc]\npsf = 'fast'\n", "pbc.psf = 'fast' must be a positive number"),
    ("[pbc]\npsf = true\n", "pbc.psf = True must be a positive number"),
    ("psf = 1.0\n", "'psf' must be a table of figures"),
    ("[pbc\n", "cannot read it"),
])
def test_a_bad_budget_file_is_refused_in_one_line(tmp_path, capsys, text, what):
    path = tmp_path / "budget.toml"
    path.write_text(text)
    with pytest.raises(budget.BudgetError, match="budget .*") as e:
        budget.load_budget(path)
    assert what in str(e.value) and "\n" not in str(e.value)
    assert budget.report({"pbc": {"psf": 0.1}}, path) == 2
    assert what in capsys.readouterr().err


def test_the_shipped_budget_covers_every_stage_the_benchmark_times():
    sys.path.insert(0, str(BENCH))  # stages imports its neighbour floor
    try:
        stages = _load("stages")
    finally:
        sys.path.remove(str(BENCH))
    shipped = budget.load_budget()
    for preset in ("pbc", "field", "crowded"):
        assert set(stages.STAGES) | {"all stages"} <= set(shipped[preset]), preset
        assert shipped[preset]["all stages"] <= sum(shipped[preset][s] for s in stages.STAGES)
    assert any(name.endswith("image") for name in shipped["crowded"])
