"""Months of one quarter built by hand (no ledger) for the briefing tests: five units in registry
order, livelihood and annual tasks, and what each unit reported. The expectations in the tests
(who is late, which tasks are red or yellow) are written out by hand, not computed by the code under test."""

from __future__ import annotations

from datetime import date, datetime

from office.model import Finding, Task
from office.month import Line, MonthData, Progress, TaskRow, UnitState, traffic_light

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


def not_issued(data: MonthData, note: str = "") -> MonthData:
    """The month as the ledger gives it when its form was never issued (MonthData.issued False)."""
    data.units = [UnitState(u.unit, u.due, "not_issued") for u in data.units]
    state_of = {u.unit: u for u in data.units}
    data.rows = [TaskRow(r.task, traffic_light(r.lines, state_of), r.lines) for r in data.rows]
    data.findings = []
    data.issued = False
    data.not_issued_note = note
    return data




# March with 完成进度 reported (序时进度 25% for a task without its own deadline): 实事2 became 已完成
# this month; 实事4 is 20 points behind its own deadline's 序时进度 (due in June: 50% in March),
# 实事1 10 behind; 实事3's lead did not report; 年度1 is ahead, 年度2 12.5 behind, 年度4 not reported.
MARCH_PROGRESS = {
    "livelihood-1": Progress(15.0, 25.0, "progress"),
    "livelihood-2": Progress(100.0, 25.0, "done", done=True, done_period="2025-03"),
    "livelihood-3": Progress(None, 25.0, "yes_no"),
    "livelihood-4": Progress(30.0, 50.0, "progress", due=date(2025, 6, 30)),
    "annual-1": Progress(30.0, 25.0, "progress"),
    "annual-2": Progress(12.5, 25.0, "progress"),
    "annual-3": Progress(100.0, 25.0, "done", done=True, done_period="2025-02"),
    "annual-4": Progress(None, 25.0, "yes_no"),
}


def with_progress(data: MonthData, progress: dict[str, Progress] = MARCH_PROGRESS) -> MonthData:
    """The month with each task's Progress (by task id) set, its 红/黄/绿 kept."""
    data.rows = [TaskRow(r.task, r.status, r.lines, progress.get(r.task.id)) for r in data.rows]
    return data
