"""The speed guard: a CPU budget per stage, in multiples of the floor, kept in ``budget.toml``.

A benchmark measures each stage's CPU milliseconds per image and the floor
(:func:`floor.floor_ms`) in the same run; their ratio does not depend on the machine or its
load. :func:`over_budget` names every figure above its budget. Benchmarks call it with
``--check-budget`` and exit with code 1 if any is over; it is not a timed test in CI.
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

BUDGET = Path(__file__).with_name("budget.toml")
"""The budget kept in the repository."""


class BudgetError(ValueError):
    """The budget file is missing, not TOML, or holds something other than positive numbers."""


def load_budget(path: Path = BUDGET) -> dict[str, dict[str, float]]:
    """Preset → figure name → budget in multiples of the floor.

    Raises
    ------
    BudgetError
        If the file cannot be read or a budget is not a positive number in a preset's table.
    """
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise BudgetError(f"budget {path}: cannot read it ({e})") from None
    for preset, table in data.items():
        if not isinstance(table, dict):
            raise BudgetError(f"budget {path}: {preset!r} must be a table of figures; "
                              f"got {table!r}")
        for name, limit in table.items():
            if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
                raise BudgetError(f"budget {path}: {preset}.{name} = {limit!r} must be a positive "
                                  "number (multiples of the floor)")
    return {p: {n: float(v) for n, v in t.items()} for p, t in data.items()}


def over_budget(measured: dict[str, dict[str, float]], budget: dict[str, dict[str, float]]
                ) -> list[str]:
    """One line per measured figure above its budget (figures without a budget are not
    judged), in the order measured.

    Parameters
    ----------
    measured
        Preset → figure name → measured multiple of the floor.
    budget
        As :func:`load_budget` returns it.
    """
    return [f"{preset} {name}: {value:.2f}x the floor, over its budget of "
            f"{budget[preset][name]:.2f}x"
            for preset, figures in measured.items() for name, value in figures.items()
            if value > budget.get(preset, {}).get(name, float("inf"))]


def unbudgeted(measured: dict[str, dict[str, float]], budget: dict[str, dict[str, float]]
               ) -> list[str]:
    """``preset figure`` of every measured figure that has no budget."""
    return [f"{preset} {name}" for preset, figures in measured.items() for name in figures
            if name not in budget.get(preset, {})]


def report(measured: dict[str, dict[str, float]], path: Path = BUDGET) -> int:
    """Print the comparison of `measured` with the budget at `path`; the exit code: 1 if a
    figure is over budget, 2 if the budget cannot be read (one line on stderr), else 0."""
    try:
        budget = load_budget(path)
    except BudgetError as e:
        print(e, file=sys.stderr)
        return 2
    over = over_budget(measured, budget)
    for name in unbudgeted(measured, budget):
        print(f"budget: no budget for {name} (not judged)")
    for line in over:
        print(f"OVER BUDGET  {line}")
    judged = sum(len(f) for f in measured.values()) - len(unbudgeted(measured, budget))
    print(f"budget {path}: {len(over)} of {judged} figures over budget")
    return 1 if over else 0
