"""The briefing (通报) .docx: facts from MonthData, official layout, and a LibreOffice round trip.

MonthData is built by hand here (no ledger): three months of one quarter, five units in
registry order, livelihood and annual tasks. The expectations (who is late, which tasks are
red or yellow) are written out by hand below, not computed by the code under test.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import uuid
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm

from duban.errors import DubanError
from duban.model import Finding, Task
from duban.rollup import Line, MonthData, TaskRow, UnitState, traffic_light
from duban.settings import BriefSettings
from duban.sheets import briefing
from duban.sheets.briefing import monthly_facts, quarterly_facts, render_chart, write_briefing

OFFICE = "市中区人民政府督查室"
# registry order
UNITS = ["区发展改革局", "区教育局", "区民政局", "区住房城乡建设局", "区卫生健康局"]

TASKS = [
    Task("livelihood", 1, "新建改造城市公厕20座，提升市容环境卫生水平", "为民办实事", ("区长",), ("区住房城乡建设局",), ("区民政局",)),
    Task("livelihood", 2, "新增公办幼儿园学位600个", "为民办实事", ("副区长",), ("区教育局",)),
    Task("livelihood", 3, "为65岁以上老年人免费健康体检", "为民办实事", ("副区长",), ("区卫生健康局",)),
    Task("livelihood", 4, "改造提升社区养老服务站5处", "为民办实事", ("副区长",), ("区民政局",)),
    Task("annual", 1, "地区生产总值增长6%左右", "经济发展", ("区长",), ("区发展改革局",)),
    Task("annual", 2, "完成老旧小区改造30个", "城市建设", ("副区长",), ("区住房城乡建设局",), ("区发展改革局",)),
    Task("annual", 3, "推进义务教育优质均衡发展", "社会事业", ("副区长",), ("区教育局",)),
    Task("annual", 4, "完善分级诊疗制度", "社会事业", ("副区长",), ("区卫生健康局",)),
]
LONG_PROGRESS = ("已完成选址论证和方案设计，开工建设公厕12座，其中主体完工8座，完成投资约460万元；" * 3).rstrip("；") + "。"

# March: 区教育局 and 区发展改革局 on time, 区民政局 late 1 day, 区住房城乡建设局 late 2 days, 区卫生健康局 missing
MARCH = {
    "区发展改革局": ("on_time", 0),
    "区教育局": ("on_time", 0),
    "区民政局": ("late", 1),
    "区住房城乡建设局": ("late", 2),
    "区卫生健康局": ("missing", 0),
}
# January: 区发展改革局 late 3 days (on time in March); February: 区民政局 missing
JANUARY = {**{u: ("on_time", 0) for u in UNITS}, "区发展改革局": ("late", 3)}
FEBRUARY = {**{u: ("on_time", 0) for u in UNITS}, "区民政局": ("missing", 0)}

# what each unit reports in March, per task id: (progress, problems, achieved)
MARCH_VALUES = {
    ("livelihood-1", "区住房城乡建设局"): (LONG_PROGRESS, "部分点位用地协调难度大", "否"),
    ("livelihood-1", "区民政局"): ("配合做好选址工作", "", "是"),
    ("livelihood-2", "区教育局"): ("新增学位420个，两所新建幼儿园已竣工验收", "无", "是"),
    ("livelihood-4", "区民政局"): ("完成3处站点改造，其余2处正在施工", "", ""),
    ("annual-1", "区发展改革局"): ("一季度地区生产总值同比增长6.1%", "", "是"),
    ("annual-2", "区住房城乡建设局"): ("已开工改造小区18个", "资金拨付进度偏慢", "是"),
    ("annual-2", "区发展改革局"): ("争取中央预算内资金3000万元", "", "否"),
    ("annual-3", "区教育局"): ("完成集团化办学改革方案", "", "是"),
}


def month_data(month: int, states: dict[str, tuple[str, int]], values: dict, findings: list[Finding]) -> MonthData:
    due = date(2025, month + 1, 8)
    units = [UnitState(u, due, st, days, f"{u}.xlsx" if st != "missing" else "") for u, (st, days) in states.items()]
    state_of = {u.unit: u for u in units}
    rows = []
    for t in TASKS:
        lines = []
        for u in t.units:
            v = values.get((t.id, u))
            vals = {"progress": v[0], "problems": v[1], "achieved": v[2], "next_steps": "继续推进"} if v else {}
            lines.append(Line(u, t.role_of(u), vals, {}, f"{u}.xlsx" if v else "", v is not None))
        rows.append(TaskRow(t, traffic_light(lines, state_of), lines))
    return MonthData(f"2025-{month:02d}", 2025, month, due, datetime(2025, month + 1, 10, 9, 30), rows, units,
                     {}, [], findings, date(2025, 2, 18))


def march() -> MonthData:
    findings = [
        Finding("late", "区民政局", "", "2025-03", "区民政局.xlsx", "", "迟报1个工作日"),
        Finding("copied", "区民政局", "livelihood-4", "2025-03", "区民政局.xlsx", "E5", "与上月相同"),
        Finding("incomplete", "区民政局", "livelihood-4", "2025-03", "区民政局.xlsx", "H5", "是否完成未填写"),
        Finding("late", "区住房城乡建设局", "", "2025-03", "区住房城乡建设局.xlsx", "", "迟报2个工作日"),
        Finding("not_achieved", "区住房城乡建设局", "livelihood-1", "2025-03", "区住房城乡建设局.xlsx", "H4", "未完成"),
        Finding("not_achieved", "区发展改革局", "annual-2", "2025-03", "区发展改革局.xlsx", "H5", "未完成"),
        Finding("missing", "区卫生健康局", "", "2025-03", "", "", "未报"),
    ]
    return month_data(3, MARCH, MARCH_VALUES, findings)


def quarter() -> list[MonthData]:
    jan_values = {k: (f"1月：{v[0][:20]}", "", "是") for k, v in MARCH_VALUES.items()}
    feb_values = {k: (f"2月：{v[0][:20]}", "", "是") for k, v in MARCH_VALUES.items() if k[1] != "区民政局"}
    return [month_data(1, JANUARY, jan_values, []), month_data(2, FEBRUARY, feb_values, []), march()]


# --- reading the document back -------------------------------------------------------------

def paragraphs(path: Path) -> list:
    return docx.Document(str(path)).paragraphs


def section(path: Path, heading: str) -> list[str]:
    """Texts of the paragraphs after a level-1 heading, up to the next level-1 heading or the closing."""
    out, inside = [], False
    for p in paragraphs(path):
        if p.style.name == "一级标题":
            if inside:
                break
            inside = p.text == heading
            continue
        if inside:
            if p.text == BriefSettings().closing:
                break
            out.append(p.text)
    assert inside or out, f"heading {heading!r} not found"
    return out


def east_asia(run) -> str | None:
    rpr = run._element.rPr
    if rpr is None or rpr.rFonts is None:
        return None
    return rpr.rFonts.get(qn("w:eastAsia"))


@pytest.fixture(scope="module")
def out(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("brief")
    s = BriefSettings()
    mf = monthly_facts(march(), s, OFFICE)
    qf = quarterly_facts(quarter(), s, OFFICE)
    monthly, quarterly = d / "monthly.docx", d / "quarterly.docx"
    write_briefing(monthly, mf, render_chart(mf))
    write_briefing(quarterly, qf, render_chart(qf))
    return {"monthly": monthly, "quarterly": quarterly, "dir": d}


# --- facts ---------------------------------------------------------------------------------

def test_monthly_facts_cover_livelihood_only_and_counts_are_monthdata():
    data = march()
    f = monthly_facts(data, BriefSettings(), OFFICE)
    assert f.scope == "monthly" and f.period_label == "2025年3月"
    assert f.title == "关于2025年3月为民办实事项目进展情况的通报"
    assert [t.id for t in f.tasks] == ["livelihood-1", "livelihood-2", "livelihood-3", "livelihood-4"]
    assert f.counts == data.counts
    # 1: lead says 否 -> 红; 2: 是 -> 绿; 3: lead missing -> 红; 4: achieved blank -> 黄
    assert [t.status for t in f.tasks] == ["红", "绿", "红", "黄"]
    assert f.task_counts == {"tasks": 4, "green": 1, "yellow": 1, "red": 2}
    assert f.late_units == ["区民政局", "区住房城乡建设局"]
    assert f.missing_units == ["区卫生健康局"]
    assert f.date == date(2025, 4, 10)


def test_quarterly_facts_use_last_month_and_all_months_for_reporting():
    months = quarter()
    f = quarterly_facts([months[2], months[0], months[1]], BriefSettings(), OFFICE)
    assert f.period_label == "2025年第一季度"
    assert f.counts == months[2].counts
    assert len(f.tasks) == len(TASKS)
    assert [k.name for k in f.categories] == ["为民办实事", "经济发展", "城市建设", "社会事业"]
    # registry order, each unit once per list
    assert f.late_units == ["区发展改革局", "区民政局", "区住房城乡建设局"]
    assert f.missing_units == ["区民政局", "区卫生健康局"]


def test_quarterly_rejects_mixed_quarters():
    months = quarter()
    april = month_data(4, MARCH, {}, [])
    with pytest.raises(DubanError):
        quarterly_facts([months[2], april], BriefSettings(), OFFICE)
    with pytest.raises(DubanError):
        quarterly_facts([], BriefSettings(), OFFICE)


# --- the monthly document ------------------------------------------------------------------

def test_monthly_reporting_names_exactly_late_and_missing(out):
    text = "".join(section(out["monthly"], "四、报送情况"))
    assert "区民政局（迟报1个工作日）" in text
    assert "区住房城乡建设局（迟报2个工作日）" in text
    assert "区卫生健康局" in text
    for on_time in ("区教育局", "区发展改革局"):
        assert on_time not in text
    # registry order: 区民政局 before 区住房城乡建设局
    assert text.index("区民政局") < text.index("区住房城乡建设局")
    named = set(re.findall("区[\u4e00-\u9fff]+?局", text))
    assert named == {"区民政局", "区住房城乡建设局", "区卫生健康局"}


def test_monthly_overall_counts_equal_monthdata(out):
    c = march().counts
    text = "".join(section(out["monthly"], "一、总体情况"))
    for phrase in (f"单位{c['units']}个", f"已报送{c['reported']}个", f"按时报送{c['on_time']}个", f"迟报{c['late']}个",
                   f"未报送{c['missing']}个", f"重点任务共{c['tasks']}项", f"绿色{c['green']}项", f"黄色{c['yellow']}项",
                   f"红色{c['red']}项", "为民办实事项目4项", "绿色1项、黄色1项、红色2项"):
        assert phrase in text, phrase
    assert "绿色表示完成阶段目标" in text and "黄色表示推进中或信息不全" in text and "红色表示未完成阶段目标或未报送" in text


def test_monthly_progress_and_problems(out):
    prog = section(out["monthly"], "二、推进情况")
    text = "".join(prog)
    assert "区住房城乡建设局牵头" in text and "未完成阶段任务目标" in text
    assert "区卫生健康局未报送本月落实情况" in text
    assert "地区生产总值" not in text  # annual tasks are not in the monthly briefing
    # the long 完成情况 is shortened
    assert LONG_PROGRESS not in text
    assert max(len(m) for m in re.findall("报告：([^。]*)", text)) <= 80
    probs = "".join(section(out["monthly"], "三、存在的问题"))
    assert "部分点位用地协调难度大" in probs
    assert "资金拨付进度偏慢" not in probs  # an annual task's problem
    assert "区民政局（第4项）" in probs  # copied from last month
    assert "区教育局" not in probs  # 无 is no problem


def test_monthly_annex_table(out):
    d = docx.Document(str(out["monthly"]))
    assert len(d.tables) == 1
    t = d.tables[0]
    assert [c.text for c in t.rows[0].cells] == ["序号", "任务", "牵头单位", "完成情况", "是否完成", "状态"]
    body = [[c.text for c in r.cells] for r in t.rows[1:]]
    assert [r[0] for r in body] == ["1", "2", "3", "4"]
    assert [r[5] for r in body] == ["红", "绿", "红", "黄"]
    assert [r[4] for r in body] == ["否", "是", "未报送", "未填写"]
    borders = t._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None and borders.find(qn("w:insideH")).get(qn("w:val")) == "single"
    assert any(p.text.startswith("附件：") for p in d.paragraphs)


def test_official_layout(out):
    d = docx.Document(str(out["monthly"]))
    sec = d.sections[0]
    assert abs(sec.page_width - Cm(21)) < Cm(0.02) and abs(sec.page_height - Cm(29.7)) < Cm(0.02)
    for got, want in ((sec.top_margin, 3.7), (sec.bottom_margin, 3.5), (sec.left_margin, 2.8), (sec.right_margin, 2.6)):
        assert abs(got - Cm(want)) < Cm(0.02)
    title = d.paragraphs[0]
    assert title.text == "关于2025年3月为民办实事项目进展情况的通报"
    assert title.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    fonts = {}
    for p in d.paragraphs:
        for r in p.runs:
            if r.text.strip():
                fonts.setdefault(p.style.name, set()).add(east_asia(r))
    assert fonts["一级标题"] == {"黑体"}
    assert fonts["二级标题"] == {"楷体_GB2312"}
    assert fonts["Normal"] == {"仿宋_GB2312"}
    normal = d.styles["Normal"]
    assert normal.font.size.pt == 16
    assert normal.paragraph_format.line_spacing.pt == 28
    assert normal.paragraph_format.line_spacing_rule == docx.enum.text.WD_LINE_SPACING.EXACTLY
    ind = normal.element.pPr.find(qn("w:ind"))
    assert ind.get(qn("w:firstLineChars")) == "200"
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    footer = sec.footer._element.xml
    assert "PAGE" in footer and ("fldChar" in footer or "fldSimple" in footer)
    assert "— " in "".join(p.text for p in sec.footer.paragraphs)
    # signature: office and the date of data.now
    texts = [p.text for p in d.paragraphs]
    i = texts.index(OFFICE)
    assert texts[i + 1] == "2025年4月10日"


def test_chart_embedded(out):
    d = docx.Document(str(out["monthly"]))
    assert len(d.inline_shapes) == 1
    shape = d.inline_shapes[0]
    assert abs(shape.width - Cm(15)) < Cm(0.05)
    blips = [r for r in d.part.rels.values() if "image" in r.reltype]
    assert blips and blips[0].target_part.blob[:8] == b"\x89PNG\r\n\x1a\n"
    # under 总体情况, before 推进情况
    texts = [p.text for p in d.paragraphs]
    pic = next(i for i, p in enumerate(d.paragraphs) if p._element.findall(".//" + qn("w:drawing")))
    assert texts.index("一、总体情况") < pic < texts.index("二、推进情况")


# --- the quarterly document ----------------------------------------------------------------

def test_quarterly_covers_every_category_and_task_behind(out):
    d = docx.Document(str(out["quarterly"]))
    assert d.paragraphs[0].text == "关于2025年第一季度政府工作报告重点任务落实情况的通报"
    prog = section(out["quarterly"], "二、推进情况")
    heads = [p.text for p in d.paragraphs if p.style.name == "二级标题"]
    for cat in ("为民办实事", "经济发展", "城市建设", "社会事业"):
        assert any(cat in h for h in heads), cat
    text = "".join(prog)
    # behind, by hand: livelihood 1 (否), 3 (missing), 4 (blank) ; annual 2 (co-unit 否), 4 (lead missing)
    last = quarter()[-1]
    behind = [r.task for r in last.rows if r.status in ("黄", "红")]
    assert {t.id for t in behind} == {"livelihood-1", "livelihood-3", "livelihood-4", "annual-2", "annual-4"}
    for t in behind:
        label = f"为民办实事第{t.seq}项" if t.kind == "livelihood" else f"第{t.seq}项"
        assert label in text, label
    # each within its own category block
    blocks: dict[str, str] = {}
    current = None
    for p in d.paragraphs:
        if p.style.name == "二级标题":
            current = p.text
        elif p.style.name == "一级标题":
            current = None
        elif current:
            blocks[current] = blocks.get(current, "") + p.text
    social = next(v for k, v in blocks.items() if "社会事业" in k)
    assert "第4项" in social and "共2项任务" in social
    assert "红色1项" in social


def test_quarterly_reporting_covers_all_months(out):
    text = "".join(section(out["quarterly"], "四、报送情况"))
    assert "区发展改革局（1月迟报3个工作日）" in text
    assert "区民政局（3月迟报1个工作日）" in text
    assert "区民政局（2月）" in text
    assert "区卫生健康局（3月）" in text
    assert "区教育局" not in text  # on time every month
    overall = "".join(section(out["quarterly"], "一、总体情况"))
    c = quarter()[-1].counts
    assert f"按时报送{c['on_time']}个" in overall and f"重点任务共{c['tasks']}项" in overall


def test_quarterly_annex_rows(out):
    d = docx.Document(str(out["quarterly"]))
    t = d.tables[0]
    rows = [[c.text for c in r.cells] for r in t.rows[1:]]
    seqs = [r[0] for r in rows if len(set(r)) > 1]
    assert len(seqs) == len(TASKS)
    groups = [r[0] for r in rows if len(set(r)) == 1]
    assert groups == ["（一）为民办实事", "（二）经济发展", "（三）城市建设", "（四）社会事业"]


# --- settings, chart fallback, no printing -------------------------------------------------

def test_settings_title_changes_document(tmp_path, capfd):
    s = BriefSettings(monthly_title="{period}民生实事专项通报", section_overall="一、基本情况")
    f = monthly_facts(march(), s, OFFICE)
    p = tmp_path / "t.docx"
    write_briefing(p, f)
    d = docx.Document(str(p))
    assert d.paragraphs[0].text == "2025年3月民生实事专项通报"
    assert "一、基本情况" in [x.text for x in d.paragraphs]
    assert len(d.inline_shapes) == 0  # no chart given
    assert capfd.readouterr() == ("", "")


def test_chart_without_cjk_font(monkeypatch, capfd):
    monkeypatch.setattr(briefing, "_cjk_font", lambda: None)
    for f in (monthly_facts(march(), BriefSettings(), OFFICE), quarterly_facts(quarter(), BriefSettings(), OFFICE)):
        png = render_chart(f)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 2000
    assert capfd.readouterr() == ("", "")


def test_chart_with_cjk_font_is_png():
    f = quarterly_facts(quarter(), BriefSettings(), OFFICE)
    png = render_chart(f)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


# --- LibreOffice round trip ----------------------------------------------------------------

def to_pdf(src: Path, outdir: Path, timeout: int = 120) -> Path:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
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
    return outdir / f"{src.stem}.pdf"


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice not installed")
@pytest.mark.parametrize("which", ["monthly", "quarterly"])
def test_pdf_conversion(out, which):
    pdf = to_pdf(out[which], out["dir"] / f"pdf-{which}")
    assert pdf.exists()
    data = pdf.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 20000
    if shutil.which("pdftotext"):
        txt = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, timeout=60).stdout
        assert "区住房城乡建设局" in re.sub(r"\s+", "", txt)


def test_before_deadline_nobody_is_called_on_time():
    pend = month_data(3, {u: ("pending", 0) for u in UNITS}, {}, [])
    f = monthly_facts(pend, BriefSettings(), OFFICE)
    text = briefing.reporting_text(f)
    assert "按时" not in text and "5个单位尚未到报送截止日期" in text
    assert f.lapses == []


def test_heading_numbers_beyond_ninety_nine():
    from duban.sheets.briefing import _cn

    assert [_cn(n) for n in (1, 10, 11, 20, 21, 99)] == ["一", "十", "十一", "二十", "二十一", "九十九"]
    assert _cn(100) == "100" and _cn(1000) == "1000"
