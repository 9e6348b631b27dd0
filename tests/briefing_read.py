"""Reading a briefing back: Word -> PDF with LibreOffice, the PDF page by page (poppler's pdfinfo,
pdftotext), the body paragraphs of the .docx, and the sentence patterns of a text."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import uuid
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

HAVE_TOOLS = bool((shutil.which("soffice") or shutil.which("libreoffice")) and shutil.which("pdftotext")
                  and shutil.which("pdfinfo"))
needs_tools = pytest.mark.skipif(not HAVE_TOOLS, reason="LibreOffice or poppler-utils not installed")


def to_pdf(src: Path, outdir: Path, timeout: int = 180) -> Path:
    """Convert a .docx to PDF with a private LibreOffice profile; the PDF's path."""
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    outdir.mkdir(parents=True, exist_ok=True)
    profile = Path(f"/tmp/lo-brief-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    cmd = [exe, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore", "--nologo",
           "--convert-to", "pdf", "--outdir", str(outdir), str(src)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"soffice timed out after {timeout}s")
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    pdf = outdir / f"{src.stem}.pdf"
    assert pdf.exists() and pdf.read_bytes()[:5] == b"%PDF-", f"no PDF from {src.name}"
    return pdf


def landscape_pages(pdf: Path) -> list[bool]:
    """For each page, whether it is wider than tall."""
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True, text=True, timeout=60).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert sizes, info
    return [float(w) > float(h) for w, h in sizes]


def page_texts(pdf: Path) -> list[str]:
    """The text of each page, whitespace removed."""
    n = len(landscape_pages(pdf))
    out = []
    for i in range(1, n + 1):
        txt = subprocess.run(["pdftotext", "-enc", "UTF-8", "-f", str(i), "-l", str(i), str(pdf), "-"],
                             capture_output=True, text=True, timeout=60).stdout
        out.append(re.sub(r"\s+", "", txt))
    return out


def section(doc_or_path, heading: str) -> list[str]:  # noqa: ANN001 - a python-docx Document or a path
    """Texts of the paragraphs after a level-1 heading, up to the next level-1 heading or the 附件 line."""
    doc = doc_or_path if hasattr(doc_or_path, "paragraphs") else docx.Document(str(doc_or_path))
    out, inside = [], False
    for p in doc.paragraphs:
        if p.style.name == "一级标题":
            if inside:
                break
            inside = p.text == heading
            continue
        if inside:
            if p.text.startswith("附件："):
                break
            out.append(p.text)
    assert inside or out, f"heading {heading!r} not found"
    return out


def body_paragraphs(path: Path) -> list[str]:
    """Texts of the paragraphs before the annex section (the first section break)."""
    out = []
    for p in docx.Document(str(path)).paragraphs:
        out.append(p.text)
        if p._element.find(qn("w:pPr") + "/" + qn("w:sectPr")) is not None:
            break
    return out


_QUOTED = re.compile(r"“[^“”]*(?:“[^“”]*”[^“”]*)*”")
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")


def sentence_patterns(paragraphs: list[str], names: list[str]) -> list[str]:
    """Each sentence (ended by 。！？ or the end of its paragraph) with unit names, category and
    task names (``names``, longest first) replaced by U, quoted text by “T”, numbers by N."""
    names = sorted({n for n in names if n}, key=len, reverse=True)
    out = []
    for par in paragraphs:
        text = _QUOTED.sub("“T”", par)
        for n in names:
            text = text.replace(n, "U")
        text = _NUMBER.sub("N", text)
        text = re.sub(r"U(?:[、]U)+", "U", text)  # a list of names is one name
        out += [s.strip() for s in re.split(r"(?<=[。！？])", text) if s.strip()]
    return out
