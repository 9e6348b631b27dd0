"""The bounds every check keeps: the settable ones (``Limits``) and the fixed caps."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * 2**20
    max_uncompressed_bytes: int = 200 * 2**20  # sum of zip members
    max_ratio: int = 200  # per-member compression ratio cap, members > 1 MiB only
    max_rows: int = 20000
    max_cols: int = 200
    max_cell_chars: int = 32767  # for readers; sniff does not look at cell text


DEFAULT_LIMITS = Limits()

# Fixed caps that are not worth a knob.
MAX_ZIP_MEMBERS = 10000
MAX_ZIP_CD_BYTES = 8 * 2**20  # central directory size
RATIO_FLOOR = 2**20  # ratio is only checked for members bigger than this
CHUNK = 64 * 1024
MAX_CARRY = 4 * 2**20  # longest run of sheet XML without a "<" we accept
HEAD = 64 * 1024  # bytes read for the text/HTML sniff
