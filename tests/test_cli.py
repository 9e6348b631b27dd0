"""The command line: Chinese help for every command, each documented in the README, no tracebacks."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]

NAMES = sorted(name for name, cmd in COMMANDS.items() if cmd.cli)
HAN = re.compile(r"[\u4e00-\u9fff]")


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_top_level_help_is_chinese_and_lists_every_command():
    r = run("--help")
    assert r.returncode == 0
    assert r.stdout.startswith("用法：")
    for name in NAMES:
        assert name in r.stdout
    assert "usage:" not in r.stdout and "options:" not in r.stdout


@pytest.mark.parametrize("name", NAMES)
def test_every_command_has_chinese_help_with_its_options(name):
    r = run(name, "-h")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("用法：")
    assert "显示本帮助并退出" in r.stdout
    options = re.findall(r"^\s+(--[a-z-]+)", r.stdout, re.M)
    assert options, r.stdout
    for line in r.stdout.splitlines():
        if line.strip().startswith("--") and "  " in line.strip():
            assert HAN.search(line), line  # every option is explained in Chinese


@pytest.mark.parametrize("name", NAMES)
def test_every_command_is_in_the_readme(name):
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"`{name}`" in readme


def test_errors_are_one_chinese_line_without_traceback(tmp_path):
    r = run("merge", "--month", "2025-03", "-w", str(tmp_path / "none"))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "不是 duban 工作区" in r.stderr
    r = run("generate", "bogus", "-w", str(tmp_path))
    assert r.returncode == 2 and "错误" in r.stderr and "Traceback" not in r.stderr
    r = run("init", str(tmp_path / "ws"), "--year", "2025")
    assert r.returncode == 0
    r = run("merge", "--month", "2025-13", "-w", str(tmp_path / "ws"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and "错误" in r.stderr
    r = run("init", str(tmp_path / "ws"), "--year", "2025")
    assert r.returncode == 2 and "已经是一个工作区" in r.stderr
    r = run("merge", "--month", "2025-03", "-w", str(tmp_path / "ws"), "--now", "昨天")
    assert r.returncode == 2 and "--now" in r.stderr


def test_deadlines_2025(tmp_path):
    import json

    r = run("deadlines", "--year", "2025", "--json", cwd=tmp_path)
    data = json.loads(r.stdout)
    due = {d["period"]: d["due"] for d in data["deadlines"]}
    assert due["2025-01"] == "2025-02-10" and due["2025-09"] == "2025-10-14"
    r = run("deadlines", "--year", "2026", cwd=tmp_path)
    assert r.returncode == 0 and "2027" in r.stdout  # December 2026 needs the 2027 calendar


# ---- set-up on a new machine: README, CI and the declared dependencies agree -----------------

def readme_commands() -> tuple[str, str]:
    """The README's two commands: (demo, tests)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## 两条命令", 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    lines = block.splitlines()
    demo = lines[lines.index(next(x for x in lines if x.startswith("# 1."))) + 1]
    tests = lines[lines.index(next(x for x in lines if x.startswith("# 2."))) + 1]
    return demo, tests


def test_the_readme_commands_use_a_virtual_environment():
    demo, tests = readme_commands()
    assert demo == "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/python run.py demo"
    assert "pip install" not in demo.replace(".venv/bin/pip install", "")  # never the system's pip
    assert tests.startswith("apt-get update && apt-get install -y ")
    for package in ("python3-venv", "libreoffice-calc", "libreoffice-writer", "fonts-noto-cjk", "poppler-utils",
                    "dovecot-imapd", "chromium", "chromium-driver"):
        assert f" {package} " in tests, package
    assert tests.endswith('&& python3 -m venv .venv && .venv/bin/pip install -e ".[test]" && .venv/bin/python -m pytest -q')


def test_ci_runs_the_readme_test_command_verbatim_in_a_fresh_venv():
    _, tests = readme_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci
    assert "rm -rf .venv" in ci and ci.index("rm -rf .venv") < ci.index(tests)
    assert ci[0] == "#!/usr/bin/env bash" and "set -euo pipefail" in ci
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


PACKAGES = ("office", "sheets", "jobs", "config", "templates_xlsx", "web")


def _third_party_imports() -> set[str]:
    import ast

    local = {p.stem for d in ("tests", "benchmarks") for p in (ROOT / d).glob("*.py")} | {*PACKAGES, "run", "tests", "benchmarks"}
    local |= {p.name for p in (ROOT / "benchmarks").iterdir() if p.is_dir()}
    found: set[str] = set()
    for folder in (*PACKAGES, "tests", "benchmarks"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    found |= {a.name.split(".")[0] for a in node.names}
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    found.add(node.module.split(".")[0])
    return {m for m in found if m not in sys.stdlib_module_names and m not in local and m != "__future__"}


def test_every_imported_package_is_declared():
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = project["dependencies"] + [d for ds in project["optional-dependencies"].values() for d in ds]
    declared = {re.split(r"[<>=!~\[; ]", d, maxsplit=1)[0].lower().replace("_", "-") for d in wanted}
    dists = packages_distributions()
    imports = _third_party_imports()
    assert {"xlrd", "python_calamine", "openpyxl", "rich", "aiosmtpd"} <= imports
    for module in sorted(imports):
        names = {n.lower().replace("_", "-") for n in dists.get(module, [])}
        assert names, f"{module} is imported but not installed: declare it in pyproject.toml"
        assert names & declared, f"{module} (from {sorted(names)}) is imported but not declared in pyproject.toml"
