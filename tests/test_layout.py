"""The shape of the code: small modules, no import cycles, one job shape, no clock in the jobs."""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from jobs.commands import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("office", "sheets", "jobs", "config", "templates_xlsx", "web")
MAX_LINES = 600
# Modules still over the limit, each being split by the change that owns it; remove a name
# once its module is under the limit.
PENDING_SPLIT: set[str] = set()


def project_modules() -> dict[str, Path]:
    """Dotted name -> file, for every module of the project's packages and run.py."""
    out = {"run": ROOT / "run.py"}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out[".".join(parts)] = path
    return out


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``name`` imports, at any level (inside functions too).

    ``from a.b import c`` is an import of the module a.b.c when there is one, else of a.b.
    Importing a.b.c also runs a/__init__ and a/b/__init__; those implicit imports are not
    edges here (a package that imports its own modules would otherwise be a cycle by itself).
    """

    def known(dotted: str) -> str | None:
        while dotted and dotted not in modules:
            dotted = dotted.rpartition(".")[0]
        return dotted or None

    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {m for a in node.names if (m := known(a.name))}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            for a in node.names:
                target = f"{source}.{a.name}"
                m = target if target in modules else known(source)
                if m:
                    found.add(m)
    found.discard(name)
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def test_no_module_is_over_600_lines():
    too_long = {}
    for path in project_modules().values():
        rel = path.relative_to(ROOT).as_posix()
        n = len(path.read_text(encoding="utf-8").splitlines())
        if n > MAX_LINES and rel not in PENDING_SPLIT:
            too_long[rel] = n
    assert not too_long, f"split these modules (over {MAX_LINES} lines): {too_long}"


def test_the_cycle_finder_finds_a_cycle_through_a_function_level_import(tmp_path):
    """The check below can fail: a cycle closed only by an import inside a function is found."""
    (tmp_path / "a.py").write_text("import b\n")
    (tmp_path / "b.py").write_text("def f():\n    from c import x\n")
    (tmp_path / "c.py").write_text("from a import y\n")
    (tmp_path / "d.py").write_text("import a\n")
    modules = {p.stem: p for p in tmp_path.glob("*.py")}
    graph = {n: imports_of(n, p, modules) for n, p in modules.items()}
    assert cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_among_project_modules():
    modules = project_modules()
    graph = {name: imports_of(name, path, modules) for name, path in modules.items()}
    assert graph["run"] >= {"jobs.commands", "office.cli"}  # the graph is really built
    assert "sheets.decomposition.prose" in graph["sheets.decomposition"]
    assert cycles(graph) == []


# The clock is read by the front ends only: the command line (run.py turns --now into the
# jobs' "now") and the web page (each request's "now", unless started with --now; session
# timeouts); jobs/inbox.py measures how long a file has been quiet (settling) on the real clock.
CLOCK = re.compile(r"datetime\.now|datetime\.today|date\.today|datetime\.utcnow|time\.time\(\)|time\.localtime\(")
CLOCK_ALLOWED = {"jobs/inbox.py": 1, "office/clock.py": 1}  # the settling timer; the office wall clock (run.py only)


def test_no_job_reads_the_clock():
    found = {}
    for path in project_modules().values():
        rel = path.relative_to(ROOT).as_posix()
        if rel == "run.py" or rel.startswith("web/"):
            continue
        hits = CLOCK.findall(path.read_text(encoding="utf-8"))
        if len(hits) != CLOCK_ALLOWED.get(rel, 0):
            found[rel] = hits
    assert not found, found


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_job_has_the_one_shape(name):
    """run(ws, request, now) -> Report, ``request`` a frozen dataclass of the job's module;
    anything else ``run`` takes is a keyword-only hook the table declares."""
    cmd = COMMANDS[name]
    module = cmd.module()
    assert dataclasses.is_dataclass(module.Request) and module.Request.__dataclass_params__.frozen
    params = list(inspect.signature(cmd.function()).parameters.values())
    assert [p.name for p in params[:3]] == ["ws", "request", "now"]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params[:3])
    hooks = [p.name for p in params[3:]]
    assert all(p.kind is p.KEYWORD_ONLY for p in params[3:]) and set(hooks) == set(cmd.hooks), (hooks, cmd.hooks)
    for option in cmd.options:  # each option fills a field of the Request, by its name
        for o in getattr(option, "options", (option,)):
            dest = o.kwargs.get("dest") or o.flags[-1].lstrip("-").replace("-", "_")
            assert dest in {f.name for f in dataclasses.fields(module.Request)}, (name, dest)
    assert set(cmd.fixed) <= {f.name for f in dataclasses.fields(module.Request)}


def test_every_package_and_data_file_is_declared_for_the_wheel():
    """pyproject.toml lists each package (subpackages too) and every data file of config/
    and templates_xlsx/ matches its package data, so an installed wheel holds them all."""
    import fnmatch
    import tomllib

    tool = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    found = {".".join(p.parent.relative_to(ROOT).parts) for pkg in PACKAGES for p in (ROOT / pkg).rglob("__init__.py")}
    assert set(tool["packages"]) == found
    assert tool["py-modules"] == ["run"]
    for pkg in ("config", "templates_xlsx"):
        globs = tool["package-data"][pkg]
        for path in (ROOT / pkg).rglob("*"):
            rel = path.relative_to(ROOT / pkg).as_posix()
            if path.is_file() and path.suffix != ".py" and "__pycache__" not in rel:
                assert any(fnmatch.fnmatch(rel, g) for g in globs), f"{pkg}/{rel} is not in [tool.setuptools.package-data]"
