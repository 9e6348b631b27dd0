"""The official blank forms as workbooks a clerk can edit."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent
