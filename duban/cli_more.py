"""Commands added as the jobs land; each registers itself once here."""

from __future__ import annotations

import argparse
from typing import Callable

from .model import Report


def register(sub: argparse._SubParsersAction, commands: dict[str, tuple[Callable[[argparse.Namespace], Report], str]]) -> None:
    return None
