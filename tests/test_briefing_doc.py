"""The briefing (通报) .docx: facts from MonthData, wording, official layout, and a LibreOffice round trip.

MonthData is built by hand (tests/briefing_months.py): three months of one quarter, five units in
registry order, livelihood and annual tasks. The expectations (who is late, which tasks are
red or yellow) are written out by hand below, not computed by the code under test.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Cm

from briefing_months import LONG_PROGRESS, MARCH, MARCH_VALUES, OFFICE, TASKS, UNITS, march, month_data, not_issued, quarter
from briefing_read import body_paragraphs, needs_tools, page_texts, section, sentence_patterns, to_pdf
from office.errors import DubanError
from office.model import Finding, Task
from office.month import Line, MonthData, Progress, TaskRow, UnitState, traffic_light
from office.settings import BriefSettings
from sheets.briefing import monthly_facts, quarterly_facts, render_chart, reporting_text, title_lines, write_briefing
from sheets.briefing_text import RECIPIENTS, body, cn_number, text_width
from office.wording import percent


# --- reading the document back -------------------------------------------------------------

def paragraphs(path: Path) -> list:
    return docx.Document(str(path)).paragraphs


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
    assert f.task_counts == {"tasks": 4, "green": 1, "yellow": 1, "red": 2, "not_issued": 0, "done": 0, "done_new": 0}
    assert f.late_units == ["区民政局", "区住房城乡建设局"]
    assert f.missing_units == ["区卫生健康局"]
    assert f.date == date(2025, 4, 10)
    # 4 of 5 reported, 2 on time: the one rate rule of wording.percent
    assert (f.tally.units, f.tally.reported, f.tally.due) == (5, 4, 5)
    assert f.tally.submission_rate == "80.0%" == percent(4, 5) and f.tally.on_time_rate == "40.0%"


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
    assert f.months_issued == [1, 2, 3] and f.months_not_issued == []


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
    assert "未报送单位1个：区卫生健康局" in text
    for on_time in ("区教育局", "区发展改革局"):
        assert on_time not in text
    # registry order: 区民政局 before 区住房城乡建设局
    assert text.index("区民政局") < text.index("区住房城乡建设局")
    named = set(re.findall("区[\u4e00-\u9fff]+?局", text))
    assert named == {"区民政局", "区住房城乡建设局", "区卫生健康局"}


def test_monthly_overall_is_one_paragraph_with_monthdata_counts(out):
    c = march().counts
    overall = section(out["monthly"], "一、总体情况")
    texts = [t for t in overall if t and not t.startswith("图")]
    assert len(texts) == 1
    text = texts[0]
    for phrase in (f"单位{c['units']}个", f"已报送{c['reported']}个", f"按时报送{c['on_time']}个", f"迟报{c['late']}个",
                   f"未报送{c['missing']}个", f"重点任务共{c['tasks']}项", f"绿色{c['green']}项", f"黄色{c['yellow']}项",
                   f"红色{c['red']}项", "为民办实事项目4项中", "1项完成阶段目标（绿色）", "1项推进中或信息不全（黄色）",
                   "2项未完成阶段目标或未报送（红色）", "报送率80.0%", "按时报送率40.0%"):
        assert phrase in text, phrase


def test_monthly_progress_details_only_red_and_yellow(out):
    prog = section(out["monthly"], "二、推进情况")
    text = "".join(prog)
    # the one green project in one sentence, by its number
    assert prog[0].startswith("序号2的1个项目完成阶段目标")
    assert "新增公办幼儿园学位" not in text and "新增学位420个" not in text
    # each red and yellow project has its own numbered paragraph, red first
    items = [p for p in prog if re.match(r"^\d\.", p)]
    assert [re.search(r"第(\d)项", p).group(1) for p in items] == ["1", "3", "4"]
    assert "区住房城乡建设局牵头" in items[0] and "区民政局配合" in items[0] and "未完成阶段任务目标" in items[0]
    assert "部分点位用地协调难度大" in items[0]  # the reported problem goes with the item
    assert "区卫生健康局" in items[1] and "未报送" in items[1]
    assert "未填写是否完成阶段任务目标" in items[2]
    assert "地区生产总值" not in text  # annual tasks are not in the monthly briefing
    assert LONG_PROGRESS not in text  # the long 完成情况 is shortened
    probs = "".join(section(out["monthly"], "三、存在的问题"))
    assert "部分点位用地协调难度大（区住房城乡建设局，第1项）" in probs
    assert "资金拨付进度偏慢" not in probs  # an annual task's problem
    assert "区民政局（第4项）" in probs  # copied from last month, and incomplete
    assert "区教育局" not in probs  # 无 is no problem


def test_monthly_annex_table_landscape_with_repeating_header(out):
    d = docx.Document(str(out["monthly"]))
    assert len(d.tables) == 1
    t = d.tables[0]
    assert [c.text for c in t.rows[0].cells] == ["序号", "项目", "牵头单位", "完成情况", "存在问题", "完成进度", "序时进度",
                                                 "差距", "是否完成", "状态"]
    body_rows = [[c.text for c in r.cells] for r in t.rows[1:]]
    assert [r[0] for r in body_rows] == ["1", "2", "3", "4"]
    assert [r[9] for r in body_rows] == ["红", "绿", "红", "黄"]
    assert [r[8] for r in body_rows] == ["否", "是", "未报送", "未填写"]
    assert {tuple(r[5:8]) for r in body_rows} == {("—", "—", "—")}  # no 完成进度 reported: no gap
    assert body_rows[0][4] == "部分点位用地协调难度大" and body_rows[1][4] == "—"  # 无 is no problem
    head = t.rows[0]._tr.trPr
    assert head.find(qn("w:tblHeader")).get(qn("w:val")) == "true"
    assert not t._tbl.findall(".//" + qn("w:trHeight"))  # rows as tall as their text
    borders = t._tbl.tblPr.find(qn("w:tblBorders"))
    assert borders is not None and borders.find(qn("w:insideH")).get(qn("w:val")) == "single"
    sizes = {r.font.size.pt for row in t.rows for c in row.cells for p in c.paragraphs for r in p.runs if r.text}
    assert sizes == {10.5}
    widths = sum(c.width for c in t.rows[0].cells)
    annex = d.sections[-1]
    assert len(d.sections) == 2 and annex.page_width > annex.page_height  # landscape
    assert abs(widths - (annex.page_width - annex.left_margin - annex.right_margin)) < Cm(0.1)
    assert d.sections[0].page_height > d.sections[0].page_width
    assert any(p.text == "附件：2025年3月为民办实事项目推进情况表" for p in d.paragraphs)


def test_official_layout(out):
    d = docx.Document(str(out["monthly"]))
    sec = d.sections[0]
    assert abs(sec.page_width - Cm(21)) < Cm(0.02) and abs(sec.page_height - Cm(29.7)) < Cm(0.02)
    for got, want in ((sec.top_margin, 3.7), (sec.bottom_margin, 3.5), (sec.left_margin, 2.8), (sec.right_margin, 2.6)):
        assert abs(got - Cm(want)) < Cm(0.02)
    title = d.paragraphs[0]
    # broken before 进展情况, never "通报" alone on the second line
    assert title.text == "关于2025年3月为民办实事项目\n进展情况的通报"
    assert title.style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.CENTER
    assert east_asia(title.runs[0]) == "方正小标宋简体" and title.runs[0].font.size.pt == 22
    texts = [p.text for p in d.paragraphs]
    assert texts[2] == RECIPIENTS == "各街道办事处，区政府各部门："
    assert d.paragraphs[2].style.name == "主送" and d.paragraphs[2].style.paragraph_format.first_line_indent == 0
    assert texts[3].startswith("根据各责任单位报送的落实情况表，现将2025年3月为民办实事项目推进情况通报如下")
    heads = [p.text for p in d.paragraphs if p.style.name == "一级标题"]
    assert heads[:5] == ["一、总体情况", "二、推进情况", "三、存在的问题", "四、报送情况", "五、下一步工作要求"]
    fonts = {}
    for p in d.paragraphs:
        for r in p.runs:
            if r.text.strip():
                fonts.setdefault(p.style.name, set()).add(east_asia(r))
    assert fonts["一级标题"] == {"黑体"}
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
    # signature: office and the date of data.now, kept with the closing request and the 附件 line
    i = texts.index(OFFICE)
    assert texts[i + 1] == "2025年4月10日"
    closing = next(j for j, t in enumerate(texts) if t.endswith(BriefSettings().closing))
    assert texts[closing].startswith("下一步，未报送的1个单位要尽快补报")
    assert closing < texts.index("附件：2025年3月为民办实事项目推进情况表") < i
    for p in d.paragraphs[closing:i + 1]:
        assert p.paragraph_format.keep_with_next, p.text


def test_chart_embedded_with_caption(out):
    d = docx.Document(str(out["monthly"]))
    assert len(d.inline_shapes) == 1
    shape = d.inline_shapes[0]
    assert abs(shape.width - Cm(14)) < Cm(0.05)
    blips = [r for r in d.part.rels.values() if "image" in r.reltype]
    assert blips and blips[0].target_part.blob[:8] == b"\x89PNG\r\n\x1a\n"
    # under 总体情况, before 推进情况, with its caption
    texts = [p.text for p in d.paragraphs]
    pic = next(i for i, p in enumerate(d.paragraphs) if p._element.findall(".//" + qn("w:drawing")))
    assert texts.index("一、总体情况") < pic < texts.index("二、推进情况")
    assert texts[pic + 1] == "图  2025年3月各单位报送情况和为民办实事项目状态"


# --- the quarterly document ----------------------------------------------------------------

def test_quarterly_covers_every_category_and_task_behind(out):
    d = docx.Document(str(out["quarterly"]))
    assert d.paragraphs[0].text == "关于2025年第一季度政府工作报告\n重点任务落实情况的通报"
    prog = section(out["quarterly"], "二、推进情况")
    heads = [p.text for p in d.paragraphs if p.style.name == "二级标题"]
    assert heads == ["（一）为民办实事", "（二）经济发展", "（三）城市建设", "（四）社会事业"]
    text = "".join(prog)
    # behind, by hand: livelihood 1 (否), 3 (missing), 4 (blank) ; annual 2 (co-unit 否), 4 (lead missing)
    last = quarter()[-1]
    behind = [r.task for r in last.rows if r.status in ("黄", "红")]
    assert {t.id for t in behind} == {"livelihood-1", "livelihood-3", "livelihood-4", "annual-2", "annual-4"}
    for t in behind:
        label = f"为民办实事第{t.seq}项" if t.kind == "livelihood" else f"第{t.seq}项"
        assert label in text, label
    blocks: dict[str, str] = {}
    current = None
    for p in d.paragraphs:
        if p.style.name == "二级标题":
            current = p.text
        elif p.style.name == "一级标题":
            current = None
        elif current:
            blocks[current] = blocks.get(current, "") + p.text
    social = blocks["（四）社会事业"]
    assert "第4项" in social and "2项任务" in social and "红色1项" in social and "区卫生健康局未报送" in social
    assert "推进义务教育" not in social  # green: counted, not described
    assert blocks["（二）经济发展"] == "本类1项任务已完成阶段目标。"
    city = blocks["（三）城市建设"]
    assert "配合单位区发展改革局报告未完成" in city and "牵头单位反映“资金拨付进度偏慢”" in city


def test_quarterly_reporting_month_by_month(out):
    text = "".join(section(out["quarterly"], "四、报送情况"))
    assert text == ("1月，迟报单位1个：区发展改革局（迟报3个工作日）。2月，未报送单位1个：区民政局。"
                    "3月，迟报单位2个：区民政局（迟报1个工作日）、区住房城乡建设局（迟报2个工作日）；"
                    "未报送单位1个：区卫生健康局。")
    overall = "".join(section(out["quarterly"], "一、总体情况"))
    c = quarter()[-1].counts
    assert f"按时报送{c['on_time']}个" in overall and f"重点任务共{c['tasks']}项" in overall
    assert "1月应报送5个，按时报送4个、迟报1个、未报送0个" in overall


def test_quarterly_annex_rows(out):
    d = docx.Document(str(out["quarterly"]))
    t = d.tables[0]
    rows = [[c.text for c in r.cells] for r in t.rows[1:]]
    seqs = [r[0] for r in rows if len(set(r)) > 1]
    assert len(seqs) == len(TASKS)
    groups = [r[0] for r in rows if len(set(r)) == 1]
    assert groups == ["（一）为民办实事", "（二）经济发展", "（三）城市建设", "（四）社会事业"]
    # a problem of a co-unit is named with its unit; the lead's own is not
    annual2 = next(r for r in rows if r[0] == "2" and "老旧小区" in r[1])
    assert annual2[4] == "资金拨付进度偏慢"


# --- issued or not -------------------------------------------------------------------------

def test_month_not_issued_names_no_unit_and_says_so(tmp_path):
    data = not_issued(march(), "3月落实情况表已生成但未发送。")
    f = monthly_facts(data, BriefSettings(), OFFICE)
    assert not f.issued and f.lapses == [] and f.notes == ["3月落实情况表已生成但未发送。"]
    assert {t.status for t in f.tasks} == {"—"} and {t.achieved for t in f.tasks} == {"未下发"}
    assert render_chart(f) is None
    p = tmp_path / "m.docx"
    write_briefing(p, f, render_chart(f))
    text = "".join(body_paragraphs(p))
    assert "2025年3月落实情况表未下发" in text and "不统计迟报、未报送情况" in text
    for u in UNITS:
        assert u not in text, u
    for claim in ("未报送单位", "迟报单位", "按时报送", "未报送本月", "报送率"):
        assert claim not in text, claim
    annex = docx.Document(str(p)).tables[0]
    assert {r.cells[8].text for r in annex.rows[1:]} == {"未下发"}
    assert "3月落实情况表已生成但未发送" not in text  # a note for the office, not for the units


def test_quarter_covers_only_issued_months():
    months = quarter()
    not_issued(months[0])  # January never issued
    f = quarterly_facts(months, BriefSettings(), OFFICE)
    assert f.months_not_issued == [1] and f.months_issued == [2, 3]
    assert all(lp.month != 1 for lp in f.lapses)
    assert f.late_units == ["区民政局", "区住房城乡建设局"]  # 区发展改革局 was late only in January
    overall = [b.text for b in body(f) if b.kind == "p"][0]
    assert overall.startswith("2025年第一季度，1月落实情况表未下发，本通报只统计已下发的2月、3月。")
    assert "1月应报送" not in overall and "2月应报送5个" in overall
    text = reporting_text(f)
    assert text.startswith("1月落实情况表未下发，不统计报送情况。2月，未报送单位1个：区民政局。3月，")
    assert "区发展改革局" not in text


def test_quarter_with_no_month_issued():
    months = [not_issued(m) for m in quarter()]
    f = quarterly_facts(months, BriefSettings(), OFFICE)
    assert not f.issued and f.months_not_issued == [1, 2, 3] and f.lapses == []
    text = "".join(b.text for b in body(f))
    assert "各月落实情况表均未下发" in text
    for u in UNITS:
        assert u not in text


def test_unit_not_issued_in_an_issued_month_is_counted_apart(tmp_path):
    data = march()
    # the form never reached 区卫生健康局 (the one that had "missing")
    data.units = [UnitState(u.unit, u.due, "not_issued") if u.unit == "区卫生健康局" else u for u in data.units]
    data.findings = [x for x in data.findings if x.unit != "区卫生健康局"]
    f = monthly_facts(data, BriefSettings(), OFFICE)
    assert f.missing_units == [] and f.tally.not_issued == 1 and f.tally.units == 4
    assert f.tally.submission_rate == "100.0%"
    assert f.not_issued_units == ["区卫生健康局"]
    health = next(t for t in f.tasks if t.id == "livelihood-3")
    assert health.status == "—" and health.achieved == "未下发"
    text = "".join(b.text for b in body(f))
    assert "未报送单位" not in text
    assert "另有1个单位的落实情况表未下发，不计入应报" in text
    p = tmp_path / "m.docx"
    write_briefing(p, f, render_chart(f))
    row = next(r for r in docx.Document(str(p)).tables[0].rows[1:] if r.cells[0].text == "3")
    assert row.cells[8].text == "未下发" and row.cells[9].text == "—"


def test_blank_return_is_named_and_no_problem_words_are_not_problems():
    values = {**MARCH_VALUES,
              ("livelihood-2", "区教育局"): ("新增学位420个", "暂未发现问题", "是"),
              ("livelihood-4", "区民政局"): ("完成3处站点改造", "无困难。", "是")}
    findings = march().findings + [Finding("blank", "区发展改革局", "", "2025-03", "区发展改革局.xlsx", "", "空表")]
    f = monthly_facts(month_data(3, MARCH, values, findings), BriefSettings(), OFFICE)
    probs = "".join(b.text for b in body(f) if "存在的问题" not in b.text)
    assert "报回空表。区发展改革局报回的表格基本空白" in probs
    assert "暂未发现问题" not in probs and "无困难" not in probs
    assert [i.text for i in f.problems] == ["部分点位用地协调难度大"]


# --- wording ---------------------------------------------------------------------------------

@pytest.mark.parametrize("title", [
    "关于2025年3月为民办实事项目进展情况的通报",
    "关于2025年第一季度政府工作报告重点任务落实情况的通报",
    "关于2025年12月为民办实事项目进展情况的通报",
    "关于2025年第四季度《政府工作报告》重点任务落实情况的通报",
    "2025年3月民生实事专项通报",
    "关于全区各街道办事处和区政府各部门二〇二五年度重点工作推进落实情况的专项督查通报",
])
def test_title_breaks_where_a_person_would(title):
    lines = title_lines(title)
    assert "".join(lines) == title
    assert all(text_width(x) <= 20 for x in lines)
    if len(lines) > 1:
        assert lines[-1] not in ("通报", "的通报") and text_width(lines[-1]) >= 4
    if title.startswith("关于2025年3月"):
        assert lines == ["关于2025年3月为民办实事项目", "进展情况的通报"]


def test_many_projects_behind_do_not_repeat_one_sentence():
    """12 of 20 projects red, 4 yellow: listed, not a dozen paragraphs of one pattern."""
    tasks = [Task("livelihood", i, f"实事项目{i}号工程建设", "为民办实事", ("副区长",), (UNITS[i % 5],)) for i in range(1, 21)]
    states = {u: ("on_time", 0) for u in UNITS}
    due = date(2025, 4, 8)
    units = [UnitState(u, due, "on_time", 0, f"{u}.xlsx") for u in UNITS]
    state_of = {u.unit: u for u in units}
    rows = []
    for t in tasks:
        achieved = "否" if t.seq <= 12 else "" if t.seq <= 16 else "是"
        lines = [Line(t.lead_units[0], "牵头", {"progress": f"完成第{t.seq}批次", "achieved": achieved,
                                              "problems": "资金紧张" if t.seq % 2 else "无"}, {}, "x.xlsx", True)]
        rows.append(TaskRow(t, traffic_light(lines, state_of), lines))
    data = MonthData("2025-03", 2025, 3, due, datetime(2025, 4, 10), rows, units, {}, [], [], date(2025, 2, 18))
    assert states and sum(r.status == "红" for r in rows) == 12
    f = monthly_facts(data, BriefSettings(), OFFICE)
    texts = [b.text for b in body(f) if b.kind == "p"]
    patterns = Counter(sentence_patterns(texts, UNITS + ["为民办实事"]))
    assert patterns.most_common(1)[0][1] <= 3, patterns.most_common(3)
    joined = "".join(texts)
    for i in range(1, 17):
        assert f"第{i}项" in joined


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


def test_before_deadline_nobody_is_called_on_time():
    pend = month_data(3, {u: ("pending", 0) for u in UNITS}, {}, [])
    f = monthly_facts(pend, BriefSettings(), OFFICE)
    text = reporting_text(f)
    assert "按时" not in text and "5个单位尚未到报送截止日期" in text
    assert f.lapses == []
    assert f.tally.submission_rate == "—"


def test_heading_numbers_beyond_ninety_nine():
    assert [cn_number(n) for n in (1, 10, 11, 20, 21, 99)] == ["一", "十", "十一", "二十", "二十一", "九十九"]
    assert cn_number(100) == "100" and cn_number(1000) == "1000"


# --- LibreOffice round trip ----------------------------------------------------------------

@needs_tools
@pytest.mark.parametrize("which", ["monthly", "quarterly"])
def test_pdf_has_recipients_signature_and_annex(out, which):
    pdf = to_pdf(out[which], out["dir"] / f"pdf-{which}")
    pages = page_texts(pdf)
    assert RECIPIENTS in pages[0]
    sig = next(i for i, t in enumerate(pages) if OFFICE in t)
    assert "2025年4月10日" in pages[sig] and BriefSettings().closing[-12:] in pages[sig]
    assert pages[sig + 1].startswith("附件")
    assert "区住房城乡建设局" in "".join(pages)


# --- 完成进度 against 序时进度, 已完成 ---------------------------------------------------------------

def test_progress_facts_and_annex_columns(tmp_path):
    from briefing_months import with_progress

    f = monthly_facts(with_progress(march()), BriefSettings(), OFFICE)
    by_id = {t.id: t for t in f.tasks}
    assert by_id["livelihood-4"].gap == 20.0 and by_id["livelihood-1"].gap == 10.0 and by_id["livelihood-3"].gap is None
    # the month's 序时进度 is said once, in 总体情况; a task with its own 完成时限 says its own
    assert by_id["livelihood-1"].progress_words == "完成进度15%，落后10个百分点"
    assert by_id["livelihood-4"].progress_words == "完成进度30%，序时进度50%，落后20个百分点"
    assert f.task_counts["done"] == 1 and f.task_counts["done_new"] == 1  # 实事2 (年度3 is not in the monthly scope)
    p = tmp_path / "m.docx"
    write_briefing(p, f, None)
    rows = [[c.text for c in r.cells] for r in docx.Document(str(p)).tables[0].rows[1:]]
    assert [tuple(r[5:10]) for r in rows] == [
        ("15%", "25%", "落后10个百分点", "否", "红"),
        ("100%", "25%", "超前75个百分点", "已完成", "绿"),
        ("—", "25%", "—", "未报送", "红"),
        ("30%", "50%", "落后20个百分点", "未填写", "黄"),
    ]


def test_monthly_progress_lists_the_projects_behind_by_gap_with_their_progress(tmp_path):
    from briefing_months import with_progress

    f = monthly_facts(with_progress(march()), BriefSettings(), OFFICE)
    p = tmp_path / "m.docx"
    write_briefing(p, f, None)
    prog = section(p, "二、推进情况")
    items = [x for x in prog if re.match(r"^\d\.", x)]
    # 实事4 (20 behind), 实事1 (10 behind), then 实事3 (no 完成进度): by gap, not by colour or number
    assert [re.search(r"第(\d)项", x).group(1) for x in items] == ["4", "1", "3"]
    assert "完成进度30%，序时进度50%，落后20个百分点" in items[0]
    assert "完成进度15%，落后10个百分点" in items[1]
    assert "完成进度" not in items[2]
    assert "第2项已全部完成，予以销号，均为本月新完成。" in prog[0]
    overall = "".join(section(p, "一、总体情况"))
    c = with_progress(march()).counts
    assert (c["done"], c["done_new"]) == (2, 1)
    assert "已完成（销号）2项（其中本月新完成1项）" in overall
    assert "为民办实事项目4项中" in overall and "；已完成（销号）1项（其中本月新完成1项）。" in overall


def test_quarterly_lists_tasks_behind_by_gap_within_each_colour():
    from briefing_months import with_progress

    from briefing_months import MARCH_PROGRESS

    # 区卫生健康局 reports this time: 实事3 is red by its 否, and 20 points behind
    states = {**MARCH, "区卫生健康局": ("on_time", 0)}
    values = {**MARCH_VALUES, ("livelihood-3", "区卫生健康局"): ("完成体检1.2万人", "", "否")}
    months = quarter()[:2] + [with_progress(month_data(3, states, values, march().findings),
                                            {**MARCH_PROGRESS, "livelihood-3": Progress(5.0, 25.0, "progress")})]
    f = quarterly_facts(months, BriefSettings(), OFFICE)
    blocks = [b for b in body(f)]
    i = next(j for j, b in enumerate(blocks) if b.text == "（一）为民办实事")
    text = blocks[i + 1].text
    # red: 实事3 (20 behind) before 实事1 (10 behind), though 1 comes first in the table
    assert text.index("为民办实事第3项") < text.index("为民办实事第1项")
    assert "完成进度5%，落后20个百分点" in text
    overall = [b.text for b in blocks if b.kind == "p"][0]
    assert overall.endswith("3月底序时进度为25%，以下所列进度落后的百分点数均与此对照。")
    assert "已完成（销号）2项（其中3月新完成1项）" in overall
    city = blocks[next(j for j, b in enumerate(blocks) if b.text == "（三）城市建设") + 1].text
    assert "完成进度12.5%，落后12.5个百分点" in city
