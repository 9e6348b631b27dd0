"""Worker processes: results in input order, and a dying worker costs only its own item."""

from __future__ import annotations

import os

import pytest

from duban.workers import MAX_WORKERS, WorkerCrashed, auto_workers, ordered_map

PARENT = os.getpid()


def square_or_die(n: int) -> tuple[int, int]:
    """n*n and the pid that computed it; 13 kills its process (outside the parent) like a native crash."""
    if n == 13 and os.getpid() != PARENT:
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
        assert pids == {PARENT}
    else:
        assert PARENT not in pids and 1 <= len(pids) <= workers


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
    from duban.errors import ConfigError
    from duban.settings import CONFIG_NAME, load_settings

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
