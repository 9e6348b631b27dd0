"""The command line: Chinese help for every command, each documented in the README, no tracebacks."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from duban.cli import COMMANDS, build_parser

ROOT = Path(__file__).resolve().parents[1]
build_parser()
NAMES = sorted(COMMANDS)
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
