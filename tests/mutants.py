"""Deliberate bugs planted in the code under test, to prove that the tests notice them.

``DUBAN_MUTANT=<name> python -m pytest ...`` makes tests/conftest.py apply the named mutant
before any test runs (tests/test_mutation.py runs the merge tests that way in a subprocess).
A mutant replaces a function in its module and in every module that imported it by name.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable

ENV = "DUBAN_MUTANT"


def _swap_fields(a: str, b: str) -> Callable:
    """A return reader that takes the column of field ``a`` for ``b`` and the other way round:
    values and source cells swapped, as a wrong header vocabulary would do."""

    def wrap(read_return: Callable) -> Callable:
        @functools.wraps(read_return)
        def mutated(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            read = read_return(*args, **kwargs)
            for row in read.rows:
                for mapping in (row.values, row.cells):
                    if a in mapping or b in mapping:
                        mapping[a], mapping[b] = mapping.get(b), mapping.get(a)
            return read

        mutated.duban_mutant = True  # type: ignore[attr-defined]
        return mutated

    return wrap


# name -> (module, function, wrapper)
MUTANTS: dict[str, tuple[str, str, Callable]] = {
    "swap-progress-problems": ("sheets.returns", "read_return", _swap_fields("progress", "problems")),
}


def apply(name: str) -> list[str]:
    """Plant mutant ``name``; returns the modules whose binding was replaced."""
    if name not in MUTANTS:
        raise KeyError(f"unknown mutant {name!r}; known: {', '.join(MUTANTS)}")
    module_name, attr, wrapper = MUTANTS[name]
    module = __import__(module_name, fromlist=[attr])
    original = getattr(module, attr)
    mutated = wrapper(original)
    patched = []
    for mod in list(sys.modules.values()):
        if mod is not None and getattr(mod, attr, None) is original:
            setattr(mod, attr, mutated)
            patched.append(mod.__name__)
    return patched
