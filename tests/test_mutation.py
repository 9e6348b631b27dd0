"""The merge tests can fail: with the return reader's 完成情况 and 存在问题 swapped, they go red.

The merge and month tests run in a pytest subprocess twice: once as they are (they pass), once
with DUBAN_MUTANT set, which makes tests/conftest.py plant a mutant (see tests/mutants.py) of the
reader sheets.returns.read_return before any test runs. A green mutated run would mean the tests fill and read
the forms with the same wrong idea of where a field is.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import mutants

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# The merge tests and the month tests built on month_fixture; minus the two that only run the
# command line in subprocesses (a mutant planted in this process does not reach those).
MONTH_TESTS = ["tests/test_merge.py", "tests/test_issued.py", "tests/test_via_lead.py"]
DESELECT = "not killed_merge and not cli_json_and_lock"
# Test modules that test the reader itself (or read a generated form to check the generator):
# they may import sheets.returns; no other test module, and no filler, may.
READER_TESTS = {"test_returns.py", "test_forms.py", "test_generate.py", "test_identity.py", "test_templates.py",
                "mutants.py"}  # (mutants.py wraps the reader to plant a bug in it)
# The demo's simulated units and the demo itself.
DEMO_FILLERS = [ROOT / "jobs" / "simulate.py", ROOT / "jobs" / "demo.py"]


def run_month_tests(tmp_path: Path, mutant: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != mutants.ENV}
    if mutant:
        env[mutants.ENV] = mutant
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "pytest"),
                           *MONTH_TESTS, "-k", DESELECT],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def failed_tests(output: str) -> list[str]:
    return re.findall(r"^FAILED (tests/\S+::\w+)", output, re.M)


def test_month_tests_pass_as_they_are(tmp_path):
    r = run_month_tests(tmp_path, None)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "mutant planted" not in r.stdout
    assert re.search(r"\b(\d+) passed\b", r.stdout) and not failed_tests(r.stdout)


@pytest.mark.parametrize("mutant", sorted(mutants.MUTANTS))
def test_month_tests_fail_with_a_swapped_reader(tmp_path, mutant):
    r = run_month_tests(tmp_path, mutant)
    # the mutant reached the collect job (it imported read_return by name) as well as the reader's module
    assert re.search(rf"mutant planted: {mutant} \(.*jobs\.collect.*\)", r.stdout), r.stdout[:2000]
    assert r.returncode == 1, r.stdout[-4000:] + r.stderr[-2000:]
    failed = failed_tests(r.stdout)
    assert failed, r.stdout[-4000:]
    # the tracker's 完成情况/存在问题 cells, checked against what the unit wrote, give it away
    assert "tests/test_merge.py::test_each_field_of_a_return_lands_under_its_own_tracker_column" in failed, failed


def imports_of(path: Path) -> set[str]:
    """Every module named by an import statement in ``path`` (``from a.b import c`` -> a.b and a.b.c)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def test_no_filler_and_no_test_outside_the_reader_tests_imports_the_reader():
    """Forms in tests are filled by tests/fill.py (the demo's units by jobs/simulate.py), both finding
    cells by header text: none of them, and no test module but the reader's own, uses sheets.returns."""
    offenders = []
    for path in sorted(TESTS.glob("*.py")) + DEMO_FILLERS:
        if path.name in READER_TESTS:
            continue
        bad = {n for n in imports_of(path) if n == "sheets.returns" or n.startswith("sheets.returns.")}
        if bad or re.search(r"\bread_return\s*\(", path.read_text(encoding="utf-8")):
            offenders.append(path.relative_to(ROOT).as_posix())
    # (test_collect.py patches the collect job's own read_return with a flaky or crashing one: no call, no import)
    assert offenders == [], offenders


def test_the_fillers_do_not_load_the_reader():
    """Importing the fillers does not even load sheets.returns (nothing reaches it indirectly)."""
    code = ("import sys; sys.path.insert(0, 'tests'); import fill, jobs.simulate; "
            "print('sheets.returns' in sys.modules)")
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "False"
