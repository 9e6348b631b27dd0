"""Worker processes: results in input order, and a dying worker costs only its own item."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import procs
import pytest

from office.workers import MAX_WORKERS, WorkerCrashed, auto_workers, ordered_map

PARENT_PID = os.getpid()
ROOT = Path(__file__).resolve().parents[1]


def square_or_die(n: int) -> tuple[int, int]:
    """n*n and the pid that computed it; 13 kills its process (outside the parent) like a native crash."""
    if n == 13 and os.getpid() != PARENT_PID:
        os._exit(3)
    if n == 7:
        raise ValueError("seven")
    return n * n, os.getpid()


def args_of(n: int) -> tuple[int] | None:
    return None if n % 5 == 0 else (n,)


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_results_come_back_in_order(workers):
    items = [n for n in range(60) if n not in (7, 13)]
    got = list(ordered_map(square_or_die, items, args_of, workers=workers, window=4))
    assert [item for item, _ in got] == items
    for item, result in got:
        if item % 5 == 0:
            assert result is None  # no call for it, yielded in its place
        else:
            assert result[0] == item * item
    pids = {result[1] for _, result in got if result is not None}
    if workers == 1:
        assert pids == {PARENT_PID}
    else:
        assert PARENT_PID not in pids and 1 <= len(pids) <= workers


def test_a_dying_worker_costs_only_its_item():
    items = list(range(1, 40))
    items.remove(7)
    got = dict(ordered_map(square_or_die, items, args_of, workers=2, window=6))
    assert list(got) == items
    assert isinstance(got[13], WorkerCrashed) and got[13].exitcode in (3, None)
    for n in items:
        if n == 13:
            continue
        assert got[n] is None if n % 5 == 0 else got[n][0] == n * n, n


def test_an_exception_in_the_function_reaches_the_caller():
    with pytest.raises(ValueError, match="seven"):
        list(ordered_map(square_or_die, list(range(10)), args_of, workers=2))
    with pytest.raises(ValueError, match="seven"):
        list(ordered_map(square_or_die, list(range(10)), args_of, workers=1))


def test_auto_workers():
    cpus = os.cpu_count() or 1
    assert auto_workers(5) == 1  # a small inbox: no processes to start
    assert auto_workers(500) == max(1, min(MAX_WORKERS, cpus))
    assert auto_workers(5, 3) == 3 and auto_workers(500, 1) == 1  # a setting is taken as given


def test_collect_workers_setting(sample_ws):
    from office.errors import ConfigError
    from office.settings import CONFIG_NAME, load_settings

    path = sample_ws.root / CONFIG_NAME
    text = path.read_text(encoding="utf-8")
    assert "workers = 0" in text  # the template names it, with its meaning in Chinese
    assert load_settings(path).collect_workers == 0
    path.write_text(text.replace("workers = 0", "workers = 3"), encoding="utf-8")
    assert load_settings(path).collect_workers == 3
    for bad in ('"很多"', "-1", "2.5", "true"):
        path.write_text(text.replace("workers = 0", f"workers = {bad}"), encoding="utf-8")
        with pytest.raises(ConfigError, match=r"\[collect\] workers"):
            load_settings(path)


# A parent that starts two workers busy for a minute, then waits for them.
PARENT_SCRIPT = """
import sys, time
sys.path.insert(0, {root!r})
if {fallback!r}:
    sys.platform = "no-prctl"  # the workers fall back to watching their parent's pid
from office.workers import ordered_map

def busy(n):
    time.sleep(60)
    return n

for _ in ordered_map(busy, range(8), lambda n: (n,), workers=2):
    pass
"""


@pytest.mark.skipif(not procs.available(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("fallback", [False, True], ids=["pdeathsig", "parent-watch"])
def test_workers_die_with_a_parent_killed_by_sigkill(fallback):
    proc = subprocess.Popen([sys.executable, "-c", PARENT_SCRIPT.format(root=str(ROOT), fallback=fallback)])
    kids: dict[int, int] = {}
    try:
        deadline = time.monotonic() + 30
        while len(kids) < 2 and time.monotonic() < deadline and proc.poll() is None:
            kids = procs.children(proc.pid)
            time.sleep(0.05)
        assert len(kids) == 2, kids
        time.sleep(0.3)  # the workers are busy: no cleanup code of the parent's will run now
        assert procs.survivors(kids, timeout=0) == sorted(kids)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert procs.survivors(kids, timeout=5) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in procs.survivors(kids, timeout=0):
            os.kill(pid, signal.SIGKILL)
