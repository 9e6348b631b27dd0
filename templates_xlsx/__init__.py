"""The official blank forms as workbooks a clerk can edit (see README.md)."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).parent
TEMPLATE_FILES = {"plan": "落实计划表.xlsx", "status": "落实情况表.xlsx"}  # 附件3, 附件4


def template_file(kind: str) -> Path:
    """The packaged template for forms of `kind` ("plan" | "status")."""
    return TEMPLATES_DIR / TEMPLATE_FILES[kind]
