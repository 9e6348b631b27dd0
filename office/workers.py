"""Worker processes: an ordered parallel map that survives a crashing worker.

Collect parses each returned workbook (sniff + read) in a pure function of its bytes.
Those calls run in a few forked worker processes while the main process hashes,
archives and records files in inbox order.  Results come back in the order the items
went in, so the ledger is written exactly as a serial run writes it.

A worker that dies (a crash inside a native reader, the out-of-memory killer) breaks
the whole pool.  The items that were in flight are then computed again one at a time,
each in a fresh single-use process, so only the item that really kills its process is
lost: it comes back as a :class:`WorkerCrashed` instead of a result.

Workers die with the process that started them, even when it is killed with SIGKILL
(which no cleanup code survives): on Linux each worker asks the kernel for SIGKILL when
its parent goes (``prctl(PR_SET_PDEATHSIG)``), and elsewhere a thread in the worker
watches its parent's pid.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 4


class WorkerCrashed:
    """Stands in for the result of an item whose process died computing it."""

    def __init__(self, exitcode: object = None):
        self.exitcode = exitcode

    def __repr__(self) -> str:
        return f"WorkerCrashed({self.exitcode!r})"


def _context() -> multiprocessing.context.BaseContext | None:
    """fork where the platform has it (workers start in milliseconds and share the
    imported readers); None means no worker processes (the caller computes in-process)."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


PR_SET_PDEATHSIG = 1  # linux/prctl.h
WATCH_SECONDS = 0.5


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this process when ``parent`` (the pid that started it) ends."""
    armed = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    # The parent may have died between the fork and the prctl: the signal then never comes.
    if os.getppid() != parent:
        os._exit(1)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(WATCH_SECONDS)
            os._exit(1)

        threading.Thread(target=watch, name="duban-parent-watch", daemon=True).start()


def _pool(workers: int, ctx: multiprocessing.context.BaseContext | None) -> ProcessPoolExecutor:
    """A process pool whose workers die with this process.

    PR_SET_PDEATHSIG fires when the *thread* that forked a worker ends; the pool's
    workers are forked by the thread that first submits to it, which then waits for
    their results, so it outlives them."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_die_with_parent,
                               initargs=(os.getpid(),))


def auto_workers(n_items: int, setting: int = 0, *, min_items: int = 24) -> int:
    """How many worker processes to use for ``n_items`` items.

    ``setting`` > 0 is taken as given (1 = no worker processes); 0 means automatic: one
    per CPU up to :data:`MAX_WORKERS`, and none for fewer than ``min_items`` items, where
    starting the processes costs more than it saves.
    """
    if setting > 0:
        return setting
    if n_items < min_items or _context() is None:
        return 1
    return max(1, min(MAX_WORKERS, os.cpu_count() or 1))


def _isolated(func: Callable[..., R], args: tuple) -> R | WorkerCrashed:
    """``func(*args)`` in a fresh process of its own; WorkerCrashed if that process dies."""
    ctx = _context()
    with _pool(1, ctx) as pool:
        try:
            return pool.submit(func, *args).result()
        except BrokenProcessPool as exc:
            return WorkerCrashed(getattr(exc, "exitcode", None))


def _done(result: object) -> Future:
    fut: Future = Future()
    fut.set_result(result)
    return fut


def ordered_map(func: Callable[..., R], items: Iterable[T], args_of: Callable[[T], tuple | None], *,
                workers: int = 1, window: int | None = None) -> Iterator[tuple[T, R | WorkerCrashed | None]]:
    """Yield ``(item, func(*args_of(item)))`` for each item, in the items' order.

    ``args_of(item)`` returning None means the item needs no call: it is yielded with
    None, in its place.  ``items`` is consumed lazily, at most ``window`` computed items
    ahead of the one being yielded (their arguments, file bytes say, are held until
    then).  With ``workers`` <= 1, or where processes cannot be forked, ``func`` runs
    in this process.  Exceptions raised by ``func`` propagate here either way; a
    worker process that dies gives :class:`WorkerCrashed` for the item that killed it.
    """
    ctx = _context() if workers > 1 else None
    if ctx is None:
        for item in items:
            args = args_of(item)
            yield item, (None if args is None else func(*args))
        return
    window = window or 2 * workers + 2
    pending: deque[tuple[T, tuple | None, Future | None]] = deque()
    in_flight = 0
    pool: ProcessPoolExecutor | None = None
    source = iter(items)
    try:
        while True:
            while in_flight < window:
                try:
                    item = next(source)
                except StopIteration:
                    break
                args = args_of(item)
                fut = None
                if args is not None:
                    if pool is None:
                        pool = _pool(workers, ctx)
                    fut = _submit(pool, func, args)
                    in_flight += 1
                pending.append((item, args, fut))
            if not pending:
                return
            item, args, fut = pending.popleft()
            if fut is None:
                yield item, None
                continue
            in_flight -= 1
            try:
                result = fut.result()
            except BrokenProcessPool:
                # A worker died, and every item in flight failed with it. Each of them is
                # computed again in a process of its own: only the culprit is lost.
                if pool is not None:
                    pool.shutdown(wait=True)
                pool = None
                result = _isolated(func, args)
                pending = deque((it, a, f if f is None or not _broken(f) else _done(_isolated(func, a)))
                                for it, a, f in pending)
            yield item, result
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, func: Callable, args: tuple) -> Future:
    """pool.submit, or a future failed with BrokenProcessPool when the pool has just broken
    (its turn then comes through the same recovery as the items in flight)."""
    try:
        return pool.submit(func, *args)
    except BrokenProcessPool as exc:
        fut: Future = Future()
        fut.set_exception(exc)
        return fut


def _broken(fut: Future) -> bool:
    """Whether ``fut`` failed (or was cancelled) because its pool broke."""
    if fut.cancelled():
        return True
    try:
        fut.result()
    except BrokenProcessPool:
        return True
    except BaseException:  # noqa: BLE001 - its own error: re-raised when its turn comes
        return False
    return False
