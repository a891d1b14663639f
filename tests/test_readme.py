"""The README's Python example runs as written and makes the dataset it promises."""

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_python_example(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has a Python example"
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "README.md", "exec"), {"__name__": "__main__"})
    assert (tmp_path / "demo" / "data.yaml").exists()
    assert len(list((tmp_path / "demo" / "images").rglob("*.jpg"))) == 10


def test_readme_opens_with_the_two_commands_ci_runs():
    text = README.read_text(encoding="utf-8")
    commands = re.findall(r"```bash\n(.*?)\n```", text, re.S)[:2]
    assert "smearsim generate --preset pbc" in commands[0]
    assert "pytest" in commands[1]
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci


def _layout() -> dict[str, set[str]]:
    """Words of each package's paragraph in the README's layout block ("How an image is made")."""
    block = README.read_text(encoding="utf-8").split("## How an image is made", 1)[1]
    block = block.split("```", 2)[1]
    words: dict[str, set[str]] = {}
    package = None
    for line in block.splitlines():
        match = re.match(r"([a-z/]+)/\s", line)
        if match:
            package = match.group(1)
        if package:
            words.setdefault(package, set()).update(re.findall(r"[a-z_]+", line))
    return words


def test_readme_layout_names_every_module_of_each_package():
    layout = _layout()
    root = README.parent
    packages = {p.parent.relative_to(root).as_posix() for p in root.glob("*/**/__init__.py")
                if ".venv" not in p.parts and "tests" not in p.parts}
    assert set(layout) == packages
    for package, words in layout.items():
        modules = {p.stem for p in (root / package).glob("*.py") if p.stem != "__init__"}
        assert modules <= words, f"{package}/ modules missing from the README layout: " \
                                 f"{sorted(modules - words)}"


def test_readme_names_every_preset():
    from export.config import presets
    text = README.read_text(encoding="utf-8")
    missing = [name for name in presets() if f"`{name}`" not in text]
    assert not missing, f"presets missing from the README: {missing}"
