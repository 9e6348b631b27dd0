#!/usr/bin/env python3
"""duban command line: python run.py -h"""

import sys

from office.cli import main  # noqa: F401  (the installed `duban` script calls run:main)

if __name__ == "__main__":
    sys.exit(main())
