"""demo: a whole reporting cycle of the bundled Shizhong 2025 sample, simulated and deterministic for a seed."""

from __future__ import annotations

import os
import random
import shutil
import time as _time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable

from office.errors import DubanError, command
from jobs import brief, collect, generate, importer, merge, send
from office.model import Report
from jobs.simulate import (NO, PROBLEMS, YES, fill_workbook, form_rows, next_text, percent_value, progress_text,
                           quarter_target, save_as_xls)
from office.model import Task
from office.workspace import SAMPLE_DIR, init_workspace, open_workspace

MARKER = ".duban-demo"
# The steps shown while the demo runs (their number sizes the progress bar).
STEPS = (
    "建立演示工作区", "导入任务分解表", "生成计划表，写出邮件预览", "模拟各单位填写计划表", "收集计划表（按时、逾期两批）",
    "2月落实情况表：生成、填写、收集", "生成3月落实情况表，写出邮件预览", "模拟各单位填写3月落实情况表",
    "收集3月落实情况表（三批）", "汇总3月台账", "生成月度通报、季度通报和完成事项通报",
)
STAGING = ".demo-answers"


def _arrive(ws_root: Path, files: list[Path], collected_at: datetime) -> None:
    """Move answers from the staging folder into the inbox, as if dropped there an hour
    before the (simulated) collect at ``collected_at``."""
    past = (collected_at - timedelta(hours=1)).timestamp()
    staging = ws_root / STAGING
    for f in files:
        dest = ws_root / "inbox" / f.relative_to(staging)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(f, dest)
        os.utime(dest, (past, past))


def _status_values(rng: random.Random, read_rows, month: int, *, no_rate: float = 0.12,
                   percents: random.Random | None = None) -> dict:
    """Each row's answers; with ``percents`` (a generator of its own, so that the other answers of a
    seed stay as they were) the unit's 完成进度 too, written where the form has that column."""
    values = {}
    for row in read_rows:
        achieved = rng.choice(NO) if rng.random() < no_rate else rng.choice(YES)
        percent = percent_value(percents, month, achieved in NO) if percents is not None else None
        number = float(str(percent).rstrip("%")) if percent is not None else None
        values[row.task_id] = {
            "progress": progress_text(rng, month, number),
            "problems": rng.choice(PROBLEMS) if rng.random() < 0.3 else "无",
            "next_steps": next_text(rng, month),
            "achieved": achieved,
        }
        if percent is not None:
            values[row.task_id]["percent"] = percent
    return values


def _sole_leads(tasks: list[Task], units: set[str]) -> list[tuple[str, str]]:
    """(task id, its one lead unit) of the tasks led by a single one of ``units``, in table order."""
    return [(t.id, t.lead_units[0]) for t in tasks if len(t.lead_units) == 1 and t.lead_units[0] in units]


def _complete(values: dict, month: int) -> None:
    """The lead's row of a task reported complete: 100% and 是."""
    values.update(percent=100, achieved="是", progress=f"{month}月份，各项工作已按计划全部完成，年度目标已全部完成。")


def _progress_story(prng: random.Random, tasks: list[Task], values: dict[str, dict], month: int, normal: set[str],
                    done_before: list[tuple[str, str]], new: int) -> list[tuple[str, str]]:
    """The month's 完成进度 events, on the answers of ``values`` ({unit: {task id: answers}}) of the
    units in ``normal``: the tasks done before stay done, but the first one whose lead reports
    slips back (90%, 否: 已完成任务进度回退); ``new`` more tasks whose lead reports 是 reach 100%
    (已完成); one other row's 完成进度 is written as "八成" (完成进度无法识别). Returns the tasks done this month."""
    slipped = False
    for tid, lead in done_before:
        row = values.get(lead, {}).get(tid)
        if row is None:
            continue
        if not slipped and lead in normal:
            row.update(percent=90, achieved="否", progress=f"{month}月份，经复核部分项目需整改，完成进度回落至90%。")
            slipped = True
        else:
            _complete(row, month)
    taken = {tid for tid, _ in done_before}
    pool = [(tid, lead) for tid, lead in _sole_leads(tasks, normal)
            if tid not in taken and values.get(lead, {}).get(tid, {}).get("achieved") in YES]
    chosen = prng.sample(pool, min(new, len(pool)))
    for tid, lead in chosen:
        _complete(values[lead][tid], month)
    done = {tid for tid, _ in chosen} | taken
    rest = [(u, tid) for u in sorted(normal) for tid in values.get(u, {}) if tid not in done]
    if rest:
        u, tid = prng.choice(rest)
        values[u][tid]["percent"] = "八成"
    return chosen


@dataclass(frozen=True)
class Request:
    folder: Path = Path("demo-ws")  # made a workspace; refused if it holds anything but an earlier demo
    seed: int = 2025  # the same seed gives the same simulated returns


def run(ws: None, request: Request, now: datetime, *, progress: Callable[[int, int, str], None] | None = None) -> Report:
    """The whole cycle, in its own workspace (``ws`` is None) and its own simulated time
    (January to April 2025: ``now`` is not used). ``progress(i, total, label)`` is told when
    step ``i`` starts, and ``progress(n, n, "")`` at the end (see office.render.steps_display)."""
    folder, seed = Path(request.folder), request.seed
    started = _time.monotonic()
    done = [0]

    def step(label: str) -> None:
        if progress:
            progress(done[0], max(len(STEPS), done[0] + 1), label)
        done[0] += 1

    try:
        report = _run(folder, seed, step, started)
    except BaseException:
        if progress:
            progress(-1, -1, "")
        raise
    if progress:
        progress(done[0], done[0], "")
    return report


def _run(folder: Path, seed: int, step: Callable[[str], None], started: float) -> Report:
    step(STEPS[0])
    folder = Path(folder)
    if folder.exists() and any(folder.iterdir()):
        if not (folder / MARKER).exists():
            raise DubanError(f"{folder} 已存在且不是演示工作区，为避免覆盖，请换一个文件夹名。")
        shutil.rmtree(folder)
    rng = random.Random(seed)
    init_workspace(folder, 2025)
    (folder / MARKER).write_text("demo\n", encoding="utf-8")
    ws = open_workspace(folder)
    prng = random.Random(f"{seed}-完成进度")  # 完成进度 and its events: the other answers of the seed stay as they were
    inbox = folder / STAGING  # answers wait here until they "arrive" in inbox/
    steps: list[str] = []
    try:
        step(STEPS[1])
        r = importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
        steps.append(r.summary)
        step(STEPS[2])
        g = generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
        s = send.run(ws, send.Request("plan", dry_run=True), datetime(2025, 1, 27, 9, 5))
        # The demo mails nothing: its simulated sending is recorded as an office records forms it
        # delivered by other means, so that the plans count as issued.
        send.run(ws, send.Request("plan", record_only=True), datetime(2025, 1, 27, 9, 6))
        steps.append(f"{g.summary}邮件预览 {len(s.data.get('eml', []))} 封（演示模式不真正发送，已用 send --record-only 登记为已下发）。")
        units = [f["unit"] for f in g.data["files"]]
        files = {f["unit"]: Path(f["file"]) for f in g.data["files"]}

        # Plans: most on time, a few late, three never arrive, one comes back with no quarter target.
        step(STEPS[3])
        shuffled = units[:]
        rng.shuffle(shuffled)
        no_plan, late_plan, blank_plan = shuffled[:3], shuffled[3:7], shuffled[7]
        on_time, late = [], []
        for u in units:
            if u in no_plan:
                continue
            rows = form_rows(files[u])
            vals = {row.task_id: {f"q{q}": quarter_target(rng, q) for q in range(1, 5)} | {"main_leader": rng.choice("王李张刘陈杨赵黄") + rng.choice(["明", "强", "伟", "静", "芳", "军"]), "deputy": rng.choice("孙周吴郑冯") + rng.choice(["磊", "洋", "敏", "涛"])} for row in rows}
            if u == blank_plan:  # only the names filled in: a blank plan (空表)
                vals = {tid: {k: v for k, v in row_vals.items() if not k.startswith("q")} for tid, row_vals in vals.items()}
            dst = inbox / f"{u}_2025年落实计划表.xlsx"
            fill_workbook(files[u], dst, vals)
            (late if u in late_plan else on_time).append(dst)
        step(STEPS[4])
        _arrive(folder, on_time, datetime(2025, 2, 14, 16))
        c1 = collect.run(ws, collect.Request(), datetime(2025, 2, 14, 16))
        _arrive(folder, late, datetime(2025, 2, 20, 10))
        c2 = collect.run(ws, collect.Request(), datetime(2025, 2, 20, 10))
        steps.append(f"计划表：按时报回 {len(c1.data['accepted'])} 份（其中 1 份未填季度目标，为空表），逾期报回 {len(c2.data['accepted'])} 份，"
                     f"{len(no_plan)} 个单位未报。")

        # February status: the month before, so that copying can be seen in March.
        step(STEPS[5])
        g2 = generate.run(ws, generate.Request("status", "2025-02"), datetime(2025, 2, 5, 9))
        send.run(ws, send.Request("status", "2025-02", record_only=True), datetime(2025, 2, 5, 9, 5))
        feb_files = {f["unit"]: Path(f["file"]) for f in g2.data["files"]}
        feb_values: dict[str, dict] = {}
        dropped = []
        for u in units:
            feb_values[u] = _status_values(rng, form_rows(feb_files[u]), 2, percents=prng)
        tasks = ws.ledger.tasks()
        # two tasks are complete already in February (one of them slips back in March)
        feb_done = _progress_story(prng, tasks, feb_values, 2, set(units), [], 2)
        for u in units:
            dst = inbox / "2月" / f"{u}2月落实情况.xlsx"
            fill_workbook(feb_files[u], dst, feb_values[u])
            dropped.append(dst)
        _arrive(folder, dropped, datetime(2025, 3, 6, 15))
        c3 = collect.run(ws, collect.Request(), datetime(2025, 3, 6, 15))
        steps.append(f"2月落实情况表：收到 {len(c3.data['accepted'])} 份。")

        # March status, with the usual mix of habits and mistakes.
        step(STEPS[6])
        g3 = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
        send.run(ws, send.Request("status", "2025-03", dry_run=True), datetime(2025, 3, 3, 9, 5))
        send.run(ws, send.Request("status", "2025-03", record_only=True), datetime(2025, 3, 3, 9, 6))
        mar = {f["unit"]: Path(f["file"]) for f in g3.data["files"]}
        step(STEPS[7])
        order = units[:]
        rng.shuffle(order)
        missing, late1, late2 = order[:4], order[4:7], order[7:8]
        special = order[8:]
        renamed, as_xls, corrupt, incomplete, copied, edited, sub_item, twice = special[:8]
        batches: dict[str, list[Path]] = {"on_time": [], "late1": [], "late2": [], "resend": []}
        notes = []
        mar_values = {u: _status_values(rng, form_rows(mar[u]), 3, percents=prng) for u in units if u not in missing}
        normal = set(units) - set(missing) - set(late1) - set(late2) - set(special[:8])
        mar_done = _progress_story(prng, tasks, mar_values, 3, normal, feb_done, 2)
        for u in units:
            if u in missing:
                continue
            rows = form_rows(mar[u])
            vals = mar_values[u]
            kwargs: dict = {}
            if u == incomplete and rows:
                vals[rows[0].task_id]["next_steps"] = None
                vals[rows[0].task_id]["achieved"] = "差不多"  # neither 是 nor 否: 是/否无法识别
            if u == copied and rows:
                vals[rows[0].task_id]["progress"] = feb_values[u][rows[0].task_id]["progress"]
            if u == edited and rows:
                kwargs["edit_text"] = {rows[0].task_id: rows[0].text + "（已调整）"}
            if u == sub_item:
                kwargs["sub_item"] = "其中：完成老旧小区改造2处"
            name = f"2025年3月_落实情况表_{u}.xlsx"
            if u == renamed:
                name = f"{u.replace('区', '', 1)}3月报表（终版）.xlsx"
            bucket = "late1" if u in late1 else "late2" if u in late2 else "on_time"
            dst = inbox / ("邮件附件" if bucket == "on_time" else bucket) / name
            fill_workbook(mar[u], dst, vals, **kwargs)
            if u == as_xls:
                xls = dst.with_suffix(".xls")
                if save_as_xls(dst, xls):
                    dst.unlink()
                    dst = xls
                    notes.append(f"{u}的报表用 LibreOffice 另存为 .xls")
                else:
                    notes.append("未安装 LibreOffice，跳过 .xls 示例")
            if u == corrupt:
                good = dst.read_bytes()
                dst.write_bytes(good[: len(good) // 2])  # a half-copied attachment
                resend = inbox / "重发" / f"{u}（更正后重发）.xlsx"
                resend.parent.mkdir(parents=True, exist_ok=True)
                resend.write_bytes(good)
                batches["resend"].append(resend)
            if u == twice:
                copy = inbox / "重复" / name
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(dst, copy)
                batches["on_time"].append(copy)
            batches[bucket].append(dst)
        step(STEPS[8])
        _arrive(folder, batches["on_time"], datetime(2025, 4, 7, 16))
        c4 = collect.run(ws, collect.Request(), datetime(2025, 4, 7, 16))
        _arrive(folder, batches["resend"] + batches["late1"], datetime(2025, 4, 9, 10))
        c5 = collect.run(ws, collect.Request(), datetime(2025, 4, 9, 10))
        _arrive(folder, batches["late2"], datetime(2025, 4, 14, 10))
        c6 = collect.run(ws, collect.Request(), datetime(2025, 4, 14, 10))
        rejected = c4.data["rejected"] + c5.data["rejected"] + c6.data["rejected"]
        steps.append(
            f"3月落实情况表：接收 {len(c4.data['accepted']) + len(c5.data['accepted']) + len(c6.data['accepted'])} 份，"
            f"退回 {len(rejected)} 份，重复 {len(c4.data['duplicates']) + len(c5.data['duplicates'])} 份，{len(missing)} 个单位未报。"
            + ("（" + "；".join(notes) + "）" if notes else ""))

        step(STEPS[9])
        now = datetime(2025, 4, 15, 9)
        m = merge.run(ws, merge.Request("2025-03"), now)
        step(STEPS[10])
        b1 = brief.run(ws, brief.Request(month="2025-03"), now)
        b2 = brief.run(ws, brief.Request(quarter="2025Q1"), now)
        b3 = brief.run(ws, brief.Request(month="2025-03", done=True), now)
        steps.append(m.summary)
        shutil.rmtree(inbox, ignore_errors=True)
        seconds = _time.monotonic() - started
        summary = "演示完成（用时 {:.0f} 秒）。\n".format(seconds) + "\n".join(f"· {s_}" for s_ in steps) + (
            f"\n台账：{m.data['tracker']}\n月度通报：{b1.data['briefing']}\n季度通报：{b2.data['briefing']}"
            f"\n完成事项通报：{b3.data['briefing'] or '（' + b3.summary.rstrip('。') + '）'}"
            f"\n收件检查结果：{folder / 'inbox' / collect.REPORT_NAME}"
            f"\n这个文件夹是一个普通工作区，可以继续使用，例如：{command(f'tasks -w {folder}')}")
        return Report(job="demo", summary=summary, data={
            "workspace": str(folder), "tracker": m.data["tracker"], "briefings": [b1.data["briefing"], b2.data["briefing"]],
            "done_brief": b3.data["briefing"], "completed": [tid for tid, _ in mar_done],
            "findings": m.data["counts"]["findings"], "rejected": rejected, "seconds": round(seconds, 1),
        })
    finally:
        ws.close()
