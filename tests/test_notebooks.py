"""Notebooks are committed without outputs (CI executes them with nbmake)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_committed_without_outputs(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert code, f"{path.name} has no code cell"
    with_output = [i for i, c in enumerate(cells)
                   if c["cell_type"] == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not with_output, (f"{path.name}: cells {with_output} hold outputs; clear them "
                             "(jupyter nbconvert --clear-output --inplace)")
