"""The 总览 sheet: the month's counts, by status, kind, leader, category and unit, and two charts."""

from __future__ import annotations

from collections import Counter
from typing import Callable

from office.dates import cn_date, cn_datetime
from office.month_data import FINDING_LABELS
from office.progress import RULE_LABELS, gap_text, percent_text
from office.wording import STATUS_RULES
from sheets.tracker.attention import by_gap
from sheets.tracker.cell_text import _put, task_label
from sheets.tracker.layout import BODY_FONT, HEADER_FONT, fit_height, text_lines

NONE_BUCKET = "无"
CHART_COLUMNS = (2, 8)  # 总览: the two charts side by side, right of 一、报送情况 (which is taller than they are)
NO_LEADER = "未明确牵头领导"
UNIT_LEVEL = "不涉及具体任务"  # 未报, 迟报, 计划未报: a unit's lapse, not a task's
DONE_MEANING = "牵头单位报告完成进度100%且完成阶段任务目标的任务（销号），此后各月仍标注“已完成（销号）”"
DONE_NEW_MEANING = "本月首次达到已完成的任务，即本月完成事项通报所列的任务"
RULE_NOTE = ("注：判定依据——牵头单位填报了完成进度的任务，" + RULE_LABELS["progress"] + "判定红黄绿"
             "（落后越多越需关注，各档界限见 duban.toml 的 [progress]）；未填报完成进度的，仍" + RULE_LABELS["yes_no"]
             + "判定；每项任务的判定依据见“台账”“为民办实事”的“判定依据”列。")
ATTENTION_TITLE = "三、需关注的任务（红、黄，按落后序时进度的程度排序）"
ATTENTION_NOTE = "注：按“差距”从大到小排列；未填报完成进度、无从计算差距的任务排在后面，按任务顺序。"
TASK_BRIEF = 40  # characters of a task's text in the attention list


class OverviewMixin:
    """总览 (mixed into the writer)."""

    # ---------------------------------------------------------------- 总览
    def _kinds(self) -> list[str]:
        kinds = list(FINDING_LABELS)
        for f in self.data.findings:
            if f.kind not in kinds:
                kinds.append(f.kind)
        return kinds

    def _per_name(self, names_of: Callable[[str], tuple[str, ...]], order: list[str]) -> list[tuple[str, Counter, Counter]]:
        """(name, 红/黄/绿 of its tasks, its findings by kind) per name, names in `order` first.

        `names_of(task_id)` gives a task's names (its leaders, its category); each task and
        each finding counts once under each of its names, never twice under one. Findings
        without a task (未报, 迟报, 计划未报) go under UNIT_LEVEL.
        """
        tasks: dict[str, Counter] = {}
        for t, status in zip(self.task_list, self.data.rows.statuses):
            for name in names_of(t.id):
                tasks.setdefault(name, Counter())[status] += 1
        found: dict[str, Counter] = {}
        for f in self.data.findings:
            for name in (names_of(f.task) if f.task else (UNIT_LEVEL,)):
                found.setdefault(name, Counter())[f.kind] += 1
        seen = set(tasks) | set(found)
        names = [n for n in dict.fromkeys(order) if n in seen]
        names += [n for n in dict.fromkeys([*tasks, *found]) if n not in names]
        return [(n, tasks.get(n, Counter()), found.get(n, Counter())) for n in names]

    def _per_unit(self) -> list[tuple[str, Counter, Counter]]:
        """(unit, -, its findings by kind) per unit, in official order: every finding has one unit."""
        found: dict[str, Counter] = {}
        for f in self.data.findings:
            found.setdefault(f.unit or NONE_BUCKET, Counter())[f.kind] += 1
        order = [u.unit for u in self.data.units]
        names = [n for n in order if n in found] + [n for n in found if n not in order]
        return [(n, Counter(), found[n]) for n in names]

    def _leader_names(self, tid: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.leaders(tid))) or (NO_LEADER,)

    def _category_names(self, tid: str) -> tuple[str, ...]:
        return (self.category(self.tasks.get(tid)),)

    def _attention_block(self, ws, r: int, width: int) -> int:
        """三: the 红 and 黄 tasks, largest gap behind 序时进度 first; returns the next free row.
        Columns: 任务, 状态, 完成进度, 序时进度, 差距, 判定依据, then 牵头单位 (merged over four
        columns) and 情况 (over the rest)."""
        ws.write_string(r + 1, 0, ATTENTION_TITLE, self.f_section)
        r += 2
        heads = ("任务", "状态", "完成进度", "序时进度", "差距", "判定依据")
        for j, h in enumerate(heads):
            ws.write_string(r, j, h, self.f_head)
        lead_to = min(len(heads) + 3, width - 2)
        ws.merge_range(r, len(heads), r, lead_to, "牵头单位", self.f_head)
        ws.merge_range(r, lead_to + 1, r, width - 1, "情况", self.f_head)
        r += 1
        items = by_gap(self.attention)
        if not items:
            ws.write_string(r, 0, "（无）", self.f_grey)
            ws.merge_range(r, 1, r, width - 1, "本月没有列为红色或黄色的任务。", self.f_body)
            return r + 1
        lead_width = 11 * (lead_to - len(heads) + 1)
        why_width = 11 * (width - 1 - lead_to)
        for it in items:
            t, p = it.task, it.progress
            head = "".join(t.text.split())
            name = self.text(f"{task_label(t.id)}　{head[:TASK_BRIEF]}{'…' if len(head) > TASK_BRIEF else ''}")
            values = [name, it.status,
                      percent_text(p.percent) if p is not None else "",
                      percent_text(p.schedule) if p is not None else "",
                      gap_text(p.gap) if p is not None else "",
                      RULE_LABELS.get(p.rule, p.rule) if p is not None else ""]
            leads = self.text("、".join(t.lead_units) or "未明确")
            why = self.text(it.reason)
            self._fit_row(ws, r, [(values[0], 30), *((v, 11) for v in values[1:]), (leads, lead_width), (why, why_width)])
            _put(ws, r, 0, values[0], self.f_body)
            for j, value in enumerate(values[1:], start=1):
                _put(ws, r, j, value, self.f_center)
            ws.merge_range(r, len(heads), r, lead_to, leads, self.f_body)
            ws.merge_range(r, lead_to + 1, r, width - 1, why, self.f_body)
            r += 1
        self._status_fills(ws, r - len(items), r - 1, 1, 1)
        ws.set_row(r, fit_height(text_lines(ATTENTION_NOTE, 30 + 11 * (width - 1))))
        ws.merge_range(r, 0, r, width - 1, ATTENTION_NOTE, self.f_note)
        return r + 1

    def _overview_sheet(self, wb, ws) -> None:
        d = self.data
        c = d.counts
        kinds = self._kinds()
        kind_heads = tuple(self.text(FINDING_LABELS.get(k, k)) for k in kinds)
        width = 6 + len(kinds)  # name, 任务数, 绿, 黄, 红, kinds..., 合计
        ws.set_column(0, 0, 30)
        ws.set_column(1, width - 1, 11)
        ws.set_default_row(fit_height(1))
        r = 0
        ws.set_row(0, 36)
        ws.merge_range(0, 0, 0, width - 1, "", self.f_title)
        ws.write_string(0, 0, self.text(self.title), self.f_title)
        r = 2
        info = [
            ("截止日期", cn_date(d.deadline)),
            ("年度计划截止日期", cn_date(d.plan_deadline)),
            ("统计时间", cn_datetime(d.now)),
            ("督查单位", self.office),
            ("来源标注", "数值单元格批注及“来源”列（“来源”等核对用的列不打印）" if self.comments
             else f"共{self.n_lines}行，来源仅列于“来源”列（数值单元格较多，不加批注；核对用的列不打印）"),
        ]
        for label, value in info:
            ws.write_string(r, 0, label, self.f_label)
            _put(ws, r, 1, self.text(value), self.f_plain)
            r += 1
        ws.write_string(r, 0, "超长文字截断", self.f_label)
        ws.write_number(r, 1, self.truncated, self.f_plain_num)
        ws.write_string(r, 2, "个单元格的文字超过Excel单元格上限（32767字），已截断并标注“已截断”，全文见归档文件。"
                        if self.truncated else "个单元格（无超长文字）", self.f_plain)
        r += 1
        if self.overflow:
            ws.write_string(r, 0, "行高已达上限", self.f_label)
            ws.write_number(r, 1, self.overflow, self.f_plain_num)
            ws.write_string(r, 2, "处文字超过Excel最大行高（409磅）能显示的长度，屏幕和打印上显示不全，请在单元格中查看全文。",
                            self.f_plain)
            r += 1
        for w in d.warnings:
            ws.write_string(r, 0, "提示", self.f_label)
            _put(ws, r, 1, self.text(w), self.f_plain)
            r += 1

        # 一、报送情况. Rates are the text every document prints (office.wording.percent).
        chart_at = r + 1
        r = self._block_head(ws, r + 1, "一、报送情况", ("项目", "数值")) + 1
        sub_rows = {}
        for label, key in (("应报单位", "units"), ("已报", "reported"), ("按时", "on_time"), ("迟报", "late"),
                           ("未报", "missing"), ("未到期", "pending"), ("报送率", "submission_pct"), ("按时率", "on_time_pct")):
            ws.write_string(r, 0, label, self.f_body)
            if key.endswith("_pct"):
                ws.write_string(r, 1, c[key], self.f_center)
            else:
                ws.write_number(r, 1, c[key], self.f_num)
            sub_rows[key] = r
            r += 1

        # 二、任务状态, with what each colour means
        r = self._block_head(ws, r + 1, "二、任务状态", ("状态", "任务数")) + 1
        ws.merge_range(r - 1, 2, r - 1, width - 1, "含义", self.f_head)
        span = 11 * (width - 2)
        status_fill_from = r
        for label, key in (("红", "red"), ("黄", "yellow"), ("绿", "green")):
            rule = STATUS_RULES[label]
            self._fit_row(ws, r, [(rule, span)])
            ws.write_string(r, 0, label, self.f_center)
            ws.write_number(r, 1, c[key], self.f_num)
            ws.merge_range(r, 2, r, width - 1, rule, self.f_legend)
            r += 1
        self._status_fills(ws, status_fill_from, r - 1, 0, 0)
        ws.write_string(r, 0, "合计", self.f_center)
        ws.write_number(r, 1, c["tasks"], self.f_num)
        ws.merge_range(r, 2, r, width - 1, "", self.f_body)
        r += 1
        for label, key, meaning in (("已完成（销号）", "done", DONE_MEANING), ("其中本月新完成", "done_new", DONE_NEW_MEANING)):
            self._fit_row(ws, r, [(meaning, span)])
            ws.write_string(r, 0, label, self.f_center)
            ws.write_number(r, 1, c.get(key, 0), self.f_num)
            ws.merge_range(r, 2, r, width - 1, meaning, self.f_legend)
            r += 1
        ws.set_row(r, fit_height(text_lines(RULE_NOTE, 30 + 11 * (width - 1))))
        ws.merge_range(r, 0, r, width - 1, RULE_NOTE, self.f_note)
        r += 1

        r = self._attention_block(ws, r, width)

        # 四、发现（按类型）
        r = self._block_head(ws, r + 1, "四、发现问题（按类型）", ("类型", "条数")) + 1
        by_kind = Counter(f.kind for f in d.findings)
        kind_first = r
        for k in kinds:
            ws.write_string(r, 0, self.text(FINDING_LABELS.get(k, k)), self.f_body)
            ws.write_number(r, 1, by_kind.get(k, 0), self.f_num)
            r += 1
        kind_last = r - 1
        ws.write_string(r, 0, "合计", self.f_body)
        ws.write_number(r, 1, len(d.findings), self.f_num)
        r += 1

        # 五、六、七: by leader, category, unit (unit last: it is the long one). A task with two
        # leaders is on both leaders' rows; the 合计 row counts every task and finding once.
        leader_order = [name for t in self.task_list for name in self._leader_names(t.id)]
        category_order = [self.category(t) for t in self.task_list]
        statuses = Counter(d.rows.statuses)
        total_tasks = Counter({"tasks": len(self.task_list), **statuses})
        tables = [
            ("五、任务和发现问题（按牵头领导）", "牵头领导", self._per_name(self._leader_names, leader_order + [NO_LEADER, UNIT_LEVEL]), True,
             "注：一项任务有几位牵头领导的，在每位领导名下各计一次；“合计”行每项任务、每条问题只计一次，与“二”“三”一致。"
             "未报、迟报、计划未报是单位的问题，不针对具体任务，计入“" + UNIT_LEVEL + "”。"),
            ("六、任务和发现问题（按任务类别）", "任务类别", self._per_name(self._category_names, category_order + [UNIT_LEVEL]), True, ""),
            ("七、发现问题（按单位）", "单位", self._per_unit(), False, ""),
        ]
        header_row = r
        for title, name_head, rows, with_tasks, note in tables:
            task_heads = ("任务数", "绿", "黄", "红") if with_tasks else ()
            header_row = r = self._block_head(ws, r + 1, title, (name_head, *task_heads, *kind_heads, "合计"))
            r += 1
            if not rows:
                ws.write_string(r, 0, "（无）", self.f_grey)
                for j in range(1, len(task_heads) + len(kinds) + 2):
                    ws.write_blank(r, j, None, self.f_body)
                r += 1
            for name, task_counts, counts in (*rows, ("合计", total_tasks if with_tasks else Counter(), by_kind)):
                numbers = []
                if with_tasks:
                    numbers += [sum(task_counts[s] for s in ("绿", "黄", "红")) if name != "合计" else task_counts["tasks"],
                                task_counts["绿"], task_counts["黄"], task_counts["红"]]
                numbers += [counts.get(k, 0) for k in kinds] + [sum(counts.values())]
                self._fit_row(ws, r, [(self.text(name), 30)])
                total = name == "合计"
                ws.write_string(r, 0, self.text(name), self.f_total if total else self.f_body)
                for j, value in enumerate(numbers, start=1):
                    ws.write_number(r, j, value, self.f_total_num if total else self.f_num)
                r += 1
            if note:
                ws.set_row(r, fit_height(text_lines(note, 30 + 11 * (width - 1))))
                ws.merge_range(r, 0, r, width - 1, note, self.f_note)
                r += 1
        ws.autofilter(header_row, 0, max(r - 1, header_row + 1), len(kinds) + 1)  # 七: name, kinds, 合计

        # Charts, referencing the cells written above.
        sheet = "总览"
        pie = wb.add_chart({"type": "pie"})
        pie.add_series({
            "name": "报送情况",
            "categories": [sheet, sub_rows["on_time"], 0, sub_rows["missing"], 0],
            "values": [sheet, sub_rows["on_time"], 1, sub_rows["missing"], 1],
            "data_labels": {"value": True, "percentage": True, "category": True, "separator": "\n"},
            "points": [{"fill": {"color": "#70AD47"}}, {"fill": {"color": "#FFC000"}}, {"fill": {"color": "#C00000"}}],
        })
        pie.set_title({"name": "本月报送情况（按时/迟报/未报）", "name_font": {"name": HEADER_FONT, "size": 12, "bold": False}})
        pie.set_legend({"position": "bottom", "font": {"name": BODY_FONT}})
        ws.insert_chart(chart_at, CHART_COLUMNS[0], pie, {"x_offset": 8, "y_offset": 4})

        bar = wb.add_chart({"type": "bar"})
        bar.add_series({
            "name": "发现问题条数",
            "categories": [sheet, kind_first, 0, kind_last, 0],
            "values": [sheet, kind_first, 1, kind_last, 1],
            "data_labels": {"value": True},
            "fill": {"color": "#4472C4"},
        })
        bar.set_title({"name": "发现问题（按类型）", "name_font": {"name": HEADER_FONT, "size": 12, "bold": False}})
        bar.set_legend({"none": True})
        bar.set_y_axis({"reverse": True, "num_font": {"name": BODY_FONT}})
        top = max(by_kind.values(), default=0)
        bar.set_x_axis({"num_font": {"name": BODY_FONT}, "min": 0, "num_format": "0",
                        "major_unit": max(1, -(-top // 5))})
        ws.insert_chart(chart_at, CHART_COLUMNS[1], bar, {"x_offset": 8, "y_offset": 4})

        ws.freeze_panes(1, 0)
        self._page(ws, header_row=None)
