"""Every bad input gets a precise Chinese answer and the right exit code; commands are named as
the user typed them; text from files, units and settings is printed literally."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from office.cli import command_name
from run import main
from jobs import collect, generate
from jobs.collect import REPORT_NAME
from office.workspace import init_workspace, open_workspace
from fill import fill_form, locate, form_sheet

ROOT = Path(__file__).resolve().parents[1]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """duban's command line in this process: (exit code, stdout, stderr)."""
    code = main([*args])
    out, err = capsys.readouterr()
    return code, out, err


def run_py(*args: str, cwd: Path = ROOT, env: dict | None = None, exe: list[str] | None = None) -> subprocess.CompletedProcess:
    full_env = dict(os.environ, COLUMNS="250", **(env or {}))
    cmd = (exe or [sys.executable, "run.py"]) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=180, env=full_env)


@pytest.fixture
def empty_ws(tmp_path):
    root = tmp_path / "ws"
    init_workspace(root, 2025)
    return root


def age(path: Path, seconds: float = 120) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def fill_all_rows(src: Path, dst: Path, text: str) -> None:
    """Fill every task row of a generated status form (rows found by header text, tests/fill.py)."""
    wb = openpyxl.load_workbook(src)
    _, rows, _ = locate(form_sheet(wb))
    values = {tid: {"progress": f"{text}{tid}", "problems": "无", "next_steps": "继续推进", "achieved": "是"} for tid in rows}
    dst.parent.mkdir(parents=True, exist_ok=True)
    fill_form(src, dst, values)


# ---------------------------------------------------------------- import without a decomposition table


def test_import_of_the_readme_is_refused_and_says_what_it_looked_for(capsys, empty_ws):
    code, out, err = cli(capsys, "import", str(ROOT / "README.md"), "-w", str(empty_ws))
    assert code == 2, out + err
    assert err.startswith("错误：文件“README.md”中未找到任务分解表的表头。")
    assert "需要包含：序号、重点任务" in err and "责任单位" in err  # what it looked for
    assert "命令、作用" in err  # and what it found instead (the README's command table)
    assert "（牵头领导：…；牵头单位：…；责任单位：…）”形式的标注" in err
    assert "Traceback" not in err and out == ""
    ws = open_workspace(empty_ws)
    try:
        assert ws.ledger.tasks() == []  # nothing imported, nothing half-done
        assert ws.ledger.db.execute("SELECT COUNT(*) FROM imports").fetchone()[0] == 0
    finally:
        ws.close()


def test_a_note_that_names_nobody_is_no_task(capsys, empty_ws, tmp_path):
    """A manual or template showing the note form (with …) is not one task led by “…”."""
    doc = tmp_path / "说明.txt"
    doc.write_text("一、导入\n导入带“（牵头领导：…；牵头单位：…；责任单位：…）”注释的文稿，得到任务登记。\n", encoding="utf-8")
    code, out, err = cli(capsys, "import", str(doc), "-w", str(empty_ws))
    assert code == 2, out + err
    assert "文件“说明.txt”中未找到任务分解表的表头" in err and "形式的标注" in err
    real = tmp_path / "报告.txt"
    real.write_text("一、稳增长\n推进项目建设（牵头领导：王明；牵头单位：区发展改革局）。\n", encoding="utf-8")
    code, out, err = cli(capsys, "import", str(real), "-w", str(empty_ws))
    assert code == 0, err
    assert "导入 1 项任务" in out


def test_import_of_a_spreadsheet_without_the_header_is_refused(capsys, empty_ws, tmp_path):
    path = tmp_path / "通讯录.csv"
    path.write_text("姓名,电话\n张三,123\n李四,456\n", encoding="utf-8")
    code, out, err = cli(capsys, "import", str(path), "-w", str(empty_ws))
    assert code == 2
    assert "文件“通讯录.csv”中未找到任务分解表的表头。找到的表头：" in err and "姓名、电话" in err
    assert "需要包含：序号" in err


# ---------------------------------------------------------------- duban.toml


def _break_config(root: Path, old: str, new: str) -> tuple[int, str]:
    """Replace ``old`` by ``new`` in duban.toml; (the 1-based line it is on, the new line)."""
    cfg = root / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    cfg.write_text(text, encoding="utf-8")
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines, 1) if new.splitlines()[0] in line)
    return n, lines[n - 1]


@pytest.mark.parametrize("old, new, words", [
    ('name = "市中区人民政府督查室"', 'name = "市中区人民政府督查室', "缺少结尾的引号"),
    ('name = "市中区人民政府督查室"', "name = “市中区人民政府督查室”", "无法识别的值"),
    ("status_workdays = 5", "status_workdays = 5 个工作日", "值后面有多余的内容"),
    ("[collect]", "[collect", "分节名缺少结尾的“]”"),
    ("settle_seconds = 2", "settle_seconds = 2\nsettle_seconds = 3", "同一设置项写了两次"),
], ids=["unclosed-quote", "chinese-quotes", "trailing-words", "section", "twice"])
def test_a_toml_syntax_error_is_told_in_chinese_with_line_column_and_the_line(capsys, empty_ws, old, new, words):
    text = (empty_ws / "duban.toml").read_text(encoding="utf-8")
    if old not in text:  # the office name comes from the template's default
        old = next(line for line in text.splitlines() if line.startswith("name = "))
        new = new.replace("市中区人民政府督查室", old.split('"')[1])
    n, line = _break_config(empty_ws, old, new)
    if words == "同一设置项写了两次":
        n += 1
        line = new.splitlines()[1]
    code, out, err = cli(capsys, "tasks", "-w", str(empty_ws))
    assert code == 2, out + err
    assert f"duban.toml 第 {n} 行第 " in err and "列有误：" in err, err
    assert words in err
    assert f"第 {n} 行：{line.strip()}" in err  # the offending line itself
    assert not re.search(r"[A-Za-z]{4,} (character|value|statement|after)", err)  # no English from tomllib


@pytest.mark.parametrize("old, new, option", [
    ("status_workdays = 5", 'status_workdays = "五"', "[deadlines] status_workdays"),
    ("remind_before_workdays = 2", "remind_before_workdays = -1", "[deadlines] remind_before_workdays"),
    ("settle_seconds = 2", 'settle_seconds = "两秒"', "[collect] settle_seconds"),
    ("port = 465", 'port = "465端口"', "[mail] port"),
    ("retries = 3", "retries = 3.5", "[mail] retries"),
    ("interval_minutes = 5", "interval_minutes = 0", "[schedule] interval_minutes"),
    ('status_send_time = "09:00"', 'status_send_time = "早上九点"', "[schedule] status_send_time"),
    ("year = 2025", 'year = "二〇二五"', "[year] year"),
    ("yellow_gap = 10", 'yellow_gap = "十"', "[progress] yellow_gap"),
    ("red_gap = 30", "red_gap = 130", "[progress] red_gap"),
    ("missing = -0.5", 'missing = "扣0.5分"', "[score] missing"),
    ("co_unit_factor = 0.5", "co_unit_factor = 2", "[score] co_unit_factor"),
])
def test_each_setting_error_names_its_setting(capsys, empty_ws, old, new, option):
    _break_config(empty_ws, old, new)
    code, out, err = cli(capsys, "tasks", "-w", str(empty_ws))
    assert code == 2, out + err
    value = new.split("=", 1)[1].strip().strip('"')
    assert f"{option} 应为" in err and f"现为“{value}”" in err, err
    assert "Traceback" not in err and "invalid literal" not in err


@pytest.mark.parametrize("old, new, words", [
    ("red_gap = 30", "red_gap = 5", "[progress] red_gap（5）不能小于 yellow_gap（10）"),
    ("no_forces_red = true", 'no_forces_red = "是"', "[progress] no_forces_red 只能是 true 或 false（不加引号），现为“是”"),
    ("# incomplete = -0.05", "incomplet = -0.05", "[score.kinds] 中的“incomplet”不是可计分的问题类型"),
    ("# copied = -0.05", 'copied = "扣分"', "[score.kinds] copied 应为 -100 到 100 之间的数（不加引号），现为“扣分”"),
])
def test_progress_and_score_settings_are_checked(capsys, empty_ws, old, new, words):
    _break_config(empty_ws, old, new)
    code, out, err = cli(capsys, "tasks", "-w", str(empty_ws))
    assert code == 2, out + err
    assert words in err, err
    assert "Traceback" not in err


def test_a_section_written_as_a_value_or_missing_is_named(capsys, empty_ws):
    cfg = empty_ws / "duban.toml"
    text = cfg.read_text(encoding="utf-8")
    assert "[year]\n# 本工作区对应的年度\nyear = 2025\n" in text
    cfg.write_text("year = 2025\n" + text.replace("[year]\n# 本工作区对应的年度\nyear = 2025\n", ""), encoding="utf-8")
    code, out, err = cli(capsys, "tasks", "-w", str(empty_ws))
    assert code == 2
    assert "year 应是一个分节（单独一行写 [year]" in err and "现为“2025”" in err
    cfg.write_text(text.replace("[year]\n# 本工作区对应的年度\nyear = 2025\n", ""), encoding="utf-8")
    code, out, err = cli(capsys, "tasks", "-w", str(empty_ws))
    assert code == 2
    assert "缺少 [year] year，应为四位年份" in err


# ---------------------------------------------------------------- options


@pytest.mark.parametrize("args, said", [
    (["collect", "--received", "2025/04/01"], "--received 的值“2025/04/01”不是有效时间，请写成 2025-04-08T09:30 的形式。"),
    (["merge", "--month", "2025-03", "--now", "昨天"], "--now 的值“昨天”不是有效时间"),
    (["merge", "--month", "2025-13"], "--month 的值“2025-13”不是有效的月份，请写成 2025-03 或 2025年3月 的形式。"),
    (["generate", "status", "--month", "三月"], "--month 的值“三月”不是有效的月份"),
    (["brief", "--quarter", "2025Q5"], "--quarter 的值“2025Q5”不是有效的季度，请写成 2025Q1 的形式。"),
    (["brief", "--month", "2025-03", "--quarter", "2025Q1"], "--quarter 不能与 --month 同时使用"),
    (["brief"], "--month、--quarter、--year 必须指定其中之一"),
    (["merge"], "--month、--year 必须指定其中之一"),
    (["init", "新工作区", "--year", "二〇二五"], "--year 的值“二〇二五”无效，应为 2000 到 2100 的整数。"),
    (["deadlines", "--year", "1999"], "--year 的值“1999”无效"),
    (["schedule", "--interval", "0"], "--interval 的值“0”无效，应为大于 0 的数"),
    (["demo", "--seed", "abc"], "--seed 的值“abc”无效"),
    (["generate", "计划"], "类型“计划”无效，可选：plan、status"),
    (["send", "plan", "--month"], "--month 后面需要一个值"),
    (["collect", "--recieved", "2025-04-01"], "无法识别的参数：--recieved"),
], ids=lambda v: v if isinstance(v, str) and v.startswith("-") else None)
def test_each_option_error_names_that_option(capsys, empty_ws, args, said):
    code, out, err = cli(capsys, *args, *([] if args[0] in ("init", "demo") else ["-w", str(empty_ws)]))
    assert code == 2, out + err
    assert f"错误：{said}" in err, err
    assert "argument" not in err and "invalid" not in err and "expected" not in err
    assert "请运行 python3 run.py" in err and " -h 查看用法" in err
    said_line = next(line for line in err.splitlines() if line.startswith("错误："))
    if "--received" in args:
        assert "--now" not in said_line  # the option given is the one blamed
    assert not (empty_ws.parent / "新工作区").exists()


# ---------------------------------------------------------------- generate status before the plans


def test_generate_status_without_returned_plans_says_so(capsys, tmp_path):
    from month_fixture import answer, make_ws

    ws = make_ws(tmp_path / "ws")
    root = ws.root
    try:
        generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9))
        units = sorted({f["unit"] for f in generate.run(ws, generate.Request("plan"), datetime(2025, 1, 27, 9)).data["files"]})
    finally:
        ws.close()
    code, out, err = cli(capsys, "generate", "status", "--month", "2025-03", "-w", str(root), "--now", "2025-03-03T09:00")
    assert code == 0, err
    assert "尚未收到任何单位报回的年度落实计划表" in out and "（未报送计划）" in out
    assert "python3 run.py collect" in out and "也可以现在就发送" in out  # wait, or go on

    ws = open_workspace(root)
    try:
        returned = units[:2]
        for u in returned:
            answer(ws, "plan", None, u, {"*": {"q1": "一季度目标", "q2": "二", "q3": "三", "q4": "四", "main_leader": "张三",
                                                "deputy": "李四"}}, datetime(2025, 2, 10, 9))
        report = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
        missing = [u for u in units if u not in returned]
        assert sorted(report.data["no_plan"]) == missing
        [notice] = [w for w in report.warnings if "尚未报回年度落实计划表" in w]
        assert notice.startswith(f"{len(missing)} 个单位尚未报回年度落实计划表")
        for u in units:
            assert (u in notice) == (u in missing), u
        assert "尚未收到任何单位" not in report.summary
        for u in missing:
            answer(ws, "plan", None, u, {"*": {"q1": "一季度目标", "q2": "二", "q3": "三", "q4": "四", "main_leader": "张三",
                                                "deputy": "李四"}}, datetime(2025, 2, 11, 9))
        report = generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 3, 3, 9))
        assert report.data["no_plan"] == [] and not [w for w in report.warnings if "计划表" in w]
    finally:
        ws.close()


# ---------------------------------------------------------------- duplicates in 报送检查结果.xlsx


def _report_rows(path: Path) -> list[dict]:
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r and r[0] == "收到时间")
    return [dict(zip(rows[head], r)) for r in rows[head + 1:] if any(r)]


def test_exact_duplicates_are_rows_of_the_collect_report(generated_ws):
    ws = generated_ws
    inbox = ws.root / "inbox"
    src = next((ws.root / "outbox" / "2025-03").glob("*_区商务局.xlsx"))
    fill_all_rows(src, inbox / "区商务局3月.xlsx", "推进")
    shutil.copyfile(inbox / "区商务局3月.xlsx", inbox / "转发：区商务局3月.xlsx")
    (inbox / "邮件附件").mkdir()
    shutil.copyfile(inbox / "区商务局3月.xlsx", inbox / "邮件附件" / "区商务局3月.xlsx")
    for p in inbox.rglob("*.xlsx"):
        age(p)
    first = collect.run(ws, collect.Request(), datetime(2025, 4, 3, 10))
    assert len(first.data["accepted"]) == 1 and len(first.data["duplicates"]) == 2

    rows = _report_rows(inbox / REPORT_NAME)
    by_name = {r["文件名"]: r for r in rows}
    original = first.data["accepted"][0]["file"]
    copies = {d["file"] for d in first.data["duplicates"]}
    assert set(by_name) == {original} | copies == {"区商务局3月.xlsx", "转发：区商务局3月.xlsx", "邮件附件/区商务局3月.xlsx"}
    assert by_name[original]["结果"] == "已接收"
    for name in copies:
        row = by_name[name]
        assert row["结果"] == "重复，只记一次" and row["单位"] == "区商务局" and row["类型"] == "落实情况表"
        assert row["期次"] == "2025-03" and f"与 {original}" in row["原因或提示"] and "完全相同" in row["原因或提示"]
        assert row["SHA-256"] == by_name[original]["SHA-256"] and row["归档位置"] == by_name[original]["归档位置"]

    # the same bytes once more, a day later: one more row, and the earlier ones stay
    shutil.copyfile(ws.root / by_name[original]["归档位置"], inbox / "再次发送.xlsx")
    age(inbox / "再次发送.xlsx")
    again = collect.run(ws, collect.Request(), datetime(2025, 4, 4, 10))
    assert [d["file"] for d in again.data["duplicates"]] == ["再次发送.xlsx"]
    rows = _report_rows(inbox / REPORT_NAME)
    assert [r["文件名"] for r in rows][0] == "再次发送.xlsx"  # newest first
    assert sorted(r["文件名"] for r in rows) == sorted([original, *copies, "再次发送.xlsx"])
    assert {r["收到时间"] for r in rows if r["文件名"] == "再次发送.xlsx"} == {"2025-04-04 10:00:00"}
    assert ws.ledger.db.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 1  # still recorded once


# ---------------------------------------------------------------- the command as typed


def test_command_name_follows_how_the_program_was_started():
    assert command_name("run.py", ["python3", "run.py", "demo"]) == "python3 run.py"
    assert command_name("run.py", [".venv/bin/python", "run.py", "demo"]) == ".venv/bin/python run.py"
    assert command_name("/srv/duban/.venv/bin/duban", ["/srv/duban/.venv/bin/python3", "/srv/duban/.venv/bin/duban"]) == "duban"
    assert command_name("/srv/duban/run.py", ["python3", "/srv/duban/run.py"]) == "python3 /srv/duban/run.py"
    assert command_name("run.py", ["/usr/bin/env", "run.py"]) == "python3 run.py"
    assert command_name("/x/pytest/__main__.py", ["python", "-m", "pytest"]) == "python3 run.py"
    assert command_name("", []) == "python3 run.py"


def test_messages_name_run_py_as_typed(tmp_path):
    r = run_py("init", str(tmp_path / "ws"), "--year", "2025")
    assert r.returncode == 0, r.stderr
    assert f"下一步：{sys.executable} run.py import 任务分解表.xlsx -w {tmp_path / 'ws'}" in r.stdout
    r = run_py("merge", "--month", "2025-03", "-w", str(tmp_path / "none"))
    assert r.returncode == 2 and f"请先运行 {sys.executable} run.py init 文件夹 --year 年份" in r.stderr
    r = run_py("-h")
    assert r.stdout.startswith(f"用法：{sys.executable} run.py") and f"每个命令的详细用法：{sys.executable} run.py 命令 -h" in r.stdout
    r = run_py("generate", "status", "--month", "2025-03", "-w", str(tmp_path / "ws"))
    assert r.returncode == 2 and f"请先运行 {sys.executable} run.py import 任务分解表.xlsx" in r.stderr
    typed = [sys.executable, str(ROOT / "run.py")]  # started by its path, from another folder
    r = run_py("generate", "status", "--month", "2025-03", "-w", "ws", cwd=tmp_path, exe=typed)
    assert r.returncode == 2 and f"请先运行 {sys.executable} {ROOT / 'run.py'} import 任务分解表.xlsx" in r.stderr


def test_messages_name_the_installed_script_duban(tmp_path):
    script = Path(sys.executable).parent / "duban"
    assert script.is_file(), "pip install -e . installs the duban command next to the interpreter"
    env = {"PYTHONPATH": str(ROOT)}  # this checkout's duban, whichever checkout the script was installed from
    r = run_py("init", str(tmp_path / "ws"), "--year", "2025", exe=[str(script)], env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert f"下一步：duban import 任务分解表.xlsx -w {tmp_path / 'ws'}" in r.stdout
    r = run_py("generate", "status", "--month", "2025-03", "-w", str(tmp_path / "ws"), exe=[str(script)], env=env, cwd=tmp_path)
    assert r.returncode == 2 and "请先运行 duban import 任务分解表.xlsx 导入任务" in r.stderr
    r = run_py("merge", "--month", "2025-13", exe=[str(script)], env=env, cwd=tmp_path)
    assert r.returncode == 2 and "请运行 duban merge -h 查看用法" in r.stderr
    r = run_py("-h", exe=[str(script)], env=env, cwd=tmp_path)
    assert r.stdout.startswith("用法：duban") and "python" not in r.stdout


def test_no_message_hard_codes_the_command():
    for path in (ROOT / "duban").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"python3? run\.py \w", text.replace('PROG = "python3 run.py"', "")
                             .replace('return "python3 run.py"', "")), path


# ---------------------------------------------------------------- printed literally


def test_file_names_and_hints_with_brackets_are_printed_literally(generated_ws, tmp_path):
    ws = generated_ws
    inbox = ws.root / "inbox"
    src = next((ws.root / "outbox" / "2025-03").glob("*_区财政局.xlsx"))
    fill_all_rows(src, inbox / "计划[final].xlsx", "推进")
    (inbox / "说明[bold]表:thumbs_up:.xlsx").write_text("序号,完成情况\n1,已完成\n", encoding="utf-8")
    for p in inbox.iterdir():
        age(p)
    root = ws.root
    ws.close()
    r = run_py("collect", "-w", str(root), "--now", "2025-04-03T10:00")
    assert r.returncode == 1, r.stderr  # one rejected file
    assert "计划[final].xlsx" in r.stdout  # accepted, in the table
    assert "说明[bold]表:thumbs_up:.xlsx" in r.stdout  # rejected, in the table
    assert "👍" not in r.stdout

    r = run_py("deadlines", "--year", "2026", cwd=tmp_path, exe=[sys.executable, str(ROOT / "run.py")])
    assert r.returncode == 0, r.stderr
    assert "请在 duban.toml 的 [calendar] 中填写 holidays 和 workdays" in r.stdout


def test_render_escapes_every_outside_text(capsys):
    from office import render
    from office.model import Report

    render.show(Report(job="import", summary="已从 计划[final].xlsx 导入 1 项任务。",
                       warnings=["请在 duban.toml 的 [calendar] 中填写", "单位“[red]区商务局[/red]”不在名册中"]))
    out = capsys.readouterr().out
    assert "计划[final].xlsx" in out and "[calendar]" in out and "[red]区商务局[/red]" in out


# ---------------------------------------------------------------- run-due in words


def test_run_due_prints_one_chinese_line_per_job(sample_ws):
    root = sample_ws.root
    sample_ws.close()
    r = run_py("run-due", "-w", str(root), "--now", "2025-03-03T09:30", "--dry-run")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.strip().splitlines()
    assert "生成并发送3月落实情况表（预览）：预览：2025年3月工作任务落实情况表将发给" in r.stdout
    assert "生成并发送2月落实情况表（预览）：" in r.stdout  # February's deadline has not passed: caught up
    assert "1月" not in r.stdout  # January was issued to nobody: no tracker, no chase
    assert not re.search(r"send-status|merge-final|brief-month|overdue|dry-run", r.stdout)
    j = run_py("run-due", "-w", str(root), "--now", "2025-03-03T09:30", "--dry-run", "--json")
    assert "\"ran\": []" in j.stdout  # each job once per period: the plain run did them all
    ws = open_workspace(root)
    try:
        ran = ws.ledger.db.execute("SELECT job FROM runs").fetchall()
    finally:
        ws.close()
    job_lines = [line for line in lines if not line.startswith("下一项：")]
    assert len(job_lines) == len(ran) >= 2  # one line per job that ran
    assert lines[-1].startswith("下一项：") and "（2025-03-0" in lines[-1]
