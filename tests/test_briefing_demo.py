"""The demo's two briefings (2025年3月, 2025年第一季度) printed through LibreOffice: page limits,
主送 line, signature with the last paragraph, sentence variety, rates equal to the tracker's figures."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

import docx
import openpyxl
import pytest

from briefing_read import body_paragraphs, landscape_pages, needs_tools, page_texts, sentence_patterns, to_pdf
from jobs import demo as demo_job
from sheets.briefing_text import RECIPIENTS
from office.wording import percent
from office.workspace import open_workspace

# the limits: (body pages, annex pages)
LIMITS = {"monthly": (4, 4), "quarterly": (8, 10)}
DATE = "2025年4月15日"  # the demo's now


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("briefdemo")
    r = demo_job.run(None, demo_job.Request(root / "demo-ws"), datetime(2025, 4, 15, 9))
    ws = open_workspace(root / "demo-ws")
    try:
        units = [u.name for u in ws.registry.units]
        tasks = ws.ledger.tasks()
        office = ws.settings.office
        closing = ws.settings.brief.closing
    finally:
        ws.close()
    names = units + [t.category for t in tasks] + [u for t in tasks for u in t.units]
    monthly, quarterly = (Path(p) for p in r.data["briefings"])
    return {"root": root, "tracker": r.data["tracker"], "monthly": monthly, "quarterly": quarterly, "names": names,
            "office": office, "closing": closing}


@pytest.fixture(scope="module")
def pdfs(demo) -> dict[str, Path]:
    return {k: to_pdf(demo[k], demo["root"] / "pdf") for k in ("monthly", "quarterly")}


@needs_tools
@pytest.mark.parametrize("which", ["monthly", "quarterly"])
def test_page_limits_body_then_landscape_annex(demo, pdfs, which):
    pages = landscape_pages(pdfs[which])
    body = pages.index(True)  # the first landscape page starts the annex
    assert body >= 1 and all(not p for p in pages[:body]) and all(pages[body:]), pages
    annex = len(pages) - body
    max_body, max_annex = LIMITS[which]
    assert body <= max_body, f"{which}: body {body} pages"
    assert annex <= max_annex, f"{which}: annex {annex} pages"
    texts = page_texts(pdfs[which])
    assert texts[body].startswith("附件"), texts[body][:40]
    # the annex table's header row repeats on every annex page
    for t in texts[body:]:
        assert "序号" in t and "牵头单位" in t and "完成情况" in t and "状态" in t


@needs_tools
@pytest.mark.parametrize("which", ["monthly", "quarterly"])
def test_recipients_title_and_signature_with_last_paragraph(demo, pdfs, which):
    texts = page_texts(pdfs[which])
    first = texts[0]
    assert RECIPIENTS in first
    title = docx.Document(str(demo[which])).paragraphs[0].text
    lines = title.split("\n")
    assert len(lines) == 2 and lines[-1] not in ("通报", "的通报") and len(lines[-1]) >= 4, lines
    assert first.startswith(title.replace("\n", ""))
    body = landscape_pages(pdfs[which]).index(True)
    paras = [p for p in body_paragraphs(demo[which]) if p.strip()]
    annex_line = next(i for i, p in enumerate(paras) if p.startswith("附件："))
    last = "".join(paras[annex_line - 1].split())
    assert last.endswith("".join(demo["closing"].split()))
    signature_page = next(i for i in range(body) if demo["office"] in texts[i] and DATE in texts[i])
    assert signature_page == body - 1  # the body's last page
    page = texts[signature_page]
    assert last[:12] in page and last[-12:] in page, "the last paragraph is split from the signature"
    assert page.index(last[-12:]) < page.index(demo["office"]) < page.index(DATE)


@pytest.mark.parametrize("which", ["monthly", "quarterly"])
def test_no_sentence_pattern_repeats_more_than_three_times(demo, which):
    paras = body_paragraphs(demo[which])
    patterns = Counter(sentence_patterns(paras, demo["names"]))
    assert len(patterns) > 10
    worst = patterns.most_common(3)
    assert worst[0][1] <= 3, worst


def overview(path: str) -> dict:
    sheet = openpyxl.load_workbook(path)["总览"]
    return {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if isinstance(row[0], str) and row[1] is not None}


def test_rates_are_the_shared_rule_on_the_tracker_figures(demo):
    ov = overview(demo["tracker"])
    due = ov["应报单位"] - ov.get("未到期", 0)
    text = "".join(body_paragraphs(demo["monthly"]))
    assert f"报送率{percent(ov['已报'], due)}" in text
    assert f"按时报送率{percent(ov['按时'], due)}" in text
    assert "报送率93.8%" in text  # 61 of 65, rounded half up: the example


def test_monthly_names_only_what_needs_attention(demo):
    """20 projects, 19 green: the green ones are one sentence, the red one has its own paragraph."""
    d = docx.Document(str(demo["monthly"]))
    table = d.tables[0]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    red = [r for r in rows if r[-1] == "红"]
    green = [r for r in rows if r[-1] == "绿"]
    assert len(rows) == 20 and red and green
    text = "".join(body_paragraphs(demo["monthly"]))
    assert "状态为绿色（完成阶段目标）" not in text
    assert f"{len(green)}个项目完成阶段目标" in text
    for r in red:
        assert f"第{r[0]}项" in text
    assert text.count("按计划推进") == 1


def test_brief_job_warns_once_without_cjk_font(demo, monkeypatch):
    from jobs import brief
    from sheets import briefing_chart

    monkeypatch.setattr(briefing_chart, "find_cjk_font", lambda *a, **k: None)
    ws = open_workspace(demo["root"] / "demo-ws")
    try:
        r = brief.run(ws, brief.Request(quarter="2025Q1"), datetime(2025, 4, 15, 9))
    finally:
        ws.close()
    assert r.warnings.count(briefing_chart.NO_FONT_WARNING) == 1
    assert r.data["chart_font"] is None
    d = docx.Document(r.data["briefing"])
    caption = next(p.text for p in d.paragraphs if p.text.startswith("图"))
    assert "绿色" in caption and "红色" in caption and "为民办实事" in caption
