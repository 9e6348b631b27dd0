"""Default settings (duban.toml.in), the sample registry and the bundled Shizhong 2025 sample."""

from pathlib import Path

CONFIG_DIR = Path(__file__).parent
