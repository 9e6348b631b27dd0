#!/usr/bin/env python3
"""duban command line: python run.py -h"""

import sys

from duban.cli import main

if __name__ == "__main__":
    sys.exit(main())
