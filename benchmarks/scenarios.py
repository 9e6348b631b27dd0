"""Benchmark scenarios: build a workspace, generate one month's status forms, fill them as units would.

Every scenario ends as a *base* workspace folder (never collected) under
benchmarks/out/work/<key>/base: tasks in the ledger, the month's forms in outbox/,
the filled returns in inbox/ with an old mtime (so collect's settle check passes).
Each timed run starts from a fresh copy of that folder.

Scenarios
---------
shizhong   the bundled sample: the Shizhong decomposition table imported as a user would,
           the 65-unit sample registry; returns filled with openpyxl (jobs.simulate).
city300    300 units x 30 rows each: 3,000 tasks, each naming 3 units (1 lead, 2 co).
city2000   2,000 units x 200 rows each: 100,000 tasks, each naming 4 units (400,000 rows).
           --quick: 200 units x 200 rows (10,000 tasks, 40,000 rows).

The synthetic registries and tasks are written straight into the ledger
(``ws.ledger.replace_tasks`` inside ``ws.ledger.transaction()``): importing a
decomposition table is not what is measured here.

Filling: shizhong and city300 returns are filled with openpyxl
(``jobs.simulate.fill_workbook``: load, write the fill-in cells, save, as the
demo does).  city2000 (both sizes, so that 200 and 2,000 files compare like for
like; also above FILL_OPENPYXL_MAX files) patches the generated xlsx directly: the blank
fill-in cells of every task row of the form sheet become shared-string cells
(the way Excel stores typed text) and the new strings are appended to
sharedStrings.xml; ~100x faster, same cells, same reader path.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from office.model import Task, Unit  # noqa: E402

YEAR = 2025
MONTH = "2025-03"
GENERATE_NOW = datetime(2025, 3, 3, 9)
COLLECT_NOW = datetime(2025, 4, 7, 16)  # before the March deadline: every return is on time
MERGE_NOW = datetime(2025, 4, 15, 9)  # after the deadline
FILL_OPENPYXL_MAX = 400
SEED = 2025


@dataclass(frozen=True)
class Scenario:
    key: str  # shizhong | city300 | city2000 | city2000-quick
    name: str  # the --scenario name
    label: str  # Chinese label for the table
    units: int  # 0 = the bundled sample registry
    rows_per_unit: int
    units_per_task: int
    repeat: int  # timed runs per phase (median reported)
    fill: str = "openpyxl"  # how the returns are filled: openpyxl | xml-patch

    @property
    def tasks(self) -> int:
        return self.units * self.rows_per_unit // self.units_per_task if self.units else 0


def scenario(name: str, quick: bool) -> Scenario:
    if name == "shizhong":
        return Scenario("shizhong", name, "市中区样例（65个单位）", 0, 0, 0, 1 if quick else 3)
    if name == "city300":
        return Scenario("city300", name, "城市300（300个单位×30行）", 300, 30, 3, 1 if quick else 2)
    if name == "city2000":
        if quick:
            return Scenario("city2000-quick", name, "城市2000快速（200个单位×200行）", 200, 200, 4, 1, "xml-patch")
        return Scenario("city2000", name, "城市2000（2000个单位×200行）", 2000, 200, 4, 1, "xml-patch")
    raise SystemExit(f"未知场景 {name}")


# ------------------------------------------------------------------ synthetic registry

_DEPTS = ["发展改革局", "教育局", "科技局", "工业和信息化局", "民政局", "司法局", "财政局", "人力资源社会保障局",
          "自然资源局", "生态环境局", "住房城乡建设局", "交通运输局", "水务局", "农业农村局", "商务局", "文化和旅游局",
          "卫生健康局", "退役军人事务局", "应急管理局", "审计局", "市场监管局", "统计局", "医保局", "城管局",
          "大数据局", "投资促进局", "行政审批服务局", "街道办事处", "国有资产运营公司", "城市建设集团"]
_CATEGORIES = ["稳增长促发展", "科技创新", "城市更新", "营商环境", "乡村振兴", "生态环保", "民生保障", "安全稳定"]
_VERBS = ["加快推进", "全面完成", "深入实施", "持续提升", "扎实开展", "统筹推进", "着力打造", "稳步推进"]
_OBJECTS = ["重点项目建设", "老旧小区改造", "智慧城市平台", "产业园区提质", "公共服务设施", "生态修复工程",
            "数字政府建设", "文旅融合发展", "中小企业培育", "养老服务体系", "教育资源扩容", "交通路网完善"]
_TAILS = ["确保年内取得实质性进展", "力争形成可复制经验", "全年新增服务对象{n}万人次", "完成投资{n}亿元",
          "建成投用{n}处", "惠及群众{n}万户", "新增市场主体{n}家"]
_LEADERS = ["王强", "李静", "张伟", "刘芳", "陈军", "杨明", "赵磊", "黄敏", "孙涛", "周洋"]


def city_units(n: int) -> list[Unit]:
    out = []
    for i in range(n):
        dept = _DEPTS[i % len(_DEPTS)]
        name = f"第{i + 1:04d}区{dept}"
        out.append(Unit(name=name, aliases=(f"{i + 1:04d}{dept[:2]}",), order=i + 1,
                        contact=f"联系人{i + 1}", emails=(f"unit{i + 1:04d}@example.org",)))
    return out


def city_tasks(units: list[Unit], rows_per_unit: int, per_task: int, rng: random.Random) -> list[Task]:
    """len(units) * rows_per_unit / per_task tasks; every unit is named on exactly rows_per_unit of them.

    Slot s (0 .. n_tasks*per_task-1) goes to unit (s*stride) mod N with a stride coprime
    to N, so each unit gets exactly rows_per_unit slots and the units of one task are
    spread over the registry; the lead is the task's first unit (so roles vary).
    """
    names = [u.name for u in units]
    n = len(names)
    n_tasks = n * rows_per_unit // per_task
    stride = next(s for s in range(n // 3 + 1, n) if _gcd(s, n) == 1) if n > 3 else 1
    tasks = []
    n_live = max(1, n_tasks // 10)
    for j in range(n_tasks):
        members = [names[((j * per_task + i) * stride) % n] for i in range(per_task)]
        if len(set(members)) != per_task:  # never with a coprime stride and per_task <= n; keep it safe
            members = list(dict.fromkeys(members))
        live = j >= n_tasks - n_live
        seq = (j - (n_tasks - n_live) + 1) if live else j + 1
        text = f"{rng.choice(_VERBS)}{rng.choice(_OBJECTS)}，{rng.choice(_OBJECTS)}与{rng.choice(_OBJECTS)}协同推进，" \
               f"{rng.choice(_TAILS).format(n=rng.randint(2, 90))}。"
        tasks.append(Task(
            kind="livelihood" if live else "annual", seq=seq, text=text,
            category="" if live else _CATEGORIES[j % len(_CATEGORIES)],
            leaders=(rng.choice(_LEADERS),), lead_units=(members[0],), co_units=tuple(members[1:]),
        ))
    return tasks


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a


# ------------------------------------------------------------------ workspace


def build_workspace(sc: Scenario, root: Path) -> dict:
    """Init the workspace and register the tasks (untimed)."""
    from office.workspace import SAMPLE_DIR, init_workspace, open_workspace

    if root.exists():
        shutil.rmtree(root)
    rng = random.Random(SEED)
    if sc.units == 0:
        init_workspace(root, YEAR)
        ws = open_workspace(root)
        try:
            from jobs import importer

            importer.run(ws, importer.Request(SAMPLE_DIR / "decomposition.xlsx"), datetime(2025, 1, 24, 10))
            tasks = ws.ledger.tasks()
        finally:
            ws.close()
    else:
        units = city_units(sc.units)
        init_workspace(root, YEAR, office="示范市人民政府办公室督查室", contact="督查室 0000-00000000", units=units)
        tasks = city_tasks(units, sc.rows_per_unit, sc.units_per_task, rng)
        ws = open_workspace(root)
        try:
            with ws.ledger.transaction() as con:
                ws.ledger.replace_tasks(con, tasks)
        finally:
            ws.close()
    pairs = sum(len(t.units) for t in tasks)
    return {"tasks": len(tasks), "pairs": pairs}


def reset_generated(root: Path) -> None:
    """Forget a previous generate, so the next one writes every file (no 'unchanged: copy')."""
    import sqlite3

    shutil.rmtree(root / "outbox", ignore_errors=True)
    (root / "outbox").mkdir()
    con = sqlite3.connect(root / "duban.db")
    try:
        con.execute("DELETE FROM generated")
        con.commit()
    finally:
        con.close()


# ------------------------------------------------------------------ filling returns


def status_values(rng: random.Random, month: int) -> dict[str, str | None]:
    from jobs.simulate import NO, PROBLEMS, YES, next_text, progress_text

    return {
        "progress": progress_text(rng, month),
        "problems": rng.choice(PROBLEMS) if rng.random() < 0.3 else "无",
        "next_steps": next_text(rng, month),
        "achieved": rng.choice(NO) if rng.random() < 0.12 else rng.choice(YES),
    }


def fill_openpyxl(src: Path, dst: Path, rng: random.Random, month: int) -> int:
    from sheets.returns import read_return
    from jobs.simulate import fill_workbook

    rows = read_return(src, "xlsx").rows
    fill_workbook(src, dst, {r.task_id: status_values(rng, month) for r in rows})
    return len(rows)


_ROW_RE = re.compile(rb"<row [^>]*>.*?</row>", re.S)
_ROW_NUM_RE = re.compile(rb'<row r="(\d+)"')
_BLANK_RE = re.compile(rb'<c r="([A-Z]+)(\d+)" s="(\d+)"/>')
# status form columns of the official template (templates_xlsx/落实情况表.xlsx): D 完成情况, (E 完成进度, left empty),
# F 存在问题, G 下一步计划, H 是否完成
_FIELD_COL = {b"D": "progress", b"F": "problems", b"G": "next_steps", b"H": "achieved"}


def fill_patch(src: Path, dst: Path, rng: random.Random, month: int) -> int:
    """Fill a generated status form by editing its XML: fast, and the result looks like Excel's (shared strings)."""
    with zipfile.ZipFile(src) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    sheet = members["xl/worksheets/sheet1.xml"]
    sst = members["xl/sharedStrings.xml"].decode("utf-8")
    m = re.search(r'count="(\d+)" uniqueCount="(\d+)"', sst)
    count, unique = int(m.group(1)), int(m.group(2))
    new_strings: list[str] = []
    n_rows = 0

    def patch_row(rm: re.Match) -> bytes:
        nonlocal n_rows
        row = rm.group(0)
        r = _ROW_NUM_RE.match(row).group(1)
        if not re.search(rb'<c r="A' + r + rb'" s="\d+"><v>\d+</v></c>', row):
            return row  # not a task row (title, header, section, footer)
        n_rows += 1
        vals = status_values(rng, month)

        def cell(cm: re.Match) -> bytes:
            field = _FIELD_COL.get(cm.group(1))
            text = vals.get(field) if field else None
            if text is None:
                return cm.group(0)
            new_strings.append(text)
            idx = unique + len(new_strings) - 1
            return b'<c r="%s%s" s="%s" t="s"><v>%d</v></c>' % (cm.group(1), cm.group(2), cm.group(3), idx)

        return _BLANK_RE.sub(cell, row)

    members["xl/worksheets/sheet1.xml"] = _ROW_RE.sub(patch_row, sheet)
    extra = "".join(
        f'<si><t xml:space="preserve">{escape(s)}</t></si>' if s != s.strip() else f"<si><t>{escape(s)}</t></si>"
        for s in new_strings)
    sst = sst.replace(m.group(0), f'count="{count + len(new_strings)}" uniqueCount="{unique + len(new_strings)}"', 1)
    sst = sst.replace("</sst>", extra + "</sst>")
    members["xl/sharedStrings.xml"] = sst.encode("utf-8")
    dst.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return n_rows


def fill_returns(root: Path, files: list[Path], month: int, method: str) -> dict:
    """Fill every generated form into inbox/, mtime one hour back (untimed preparation)."""
    rng = random.Random(SEED + 1)
    inbox = root / "inbox"
    inbox.mkdir(exist_ok=True)
    past = time.time() - 3600
    rows = 0
    t0 = time.perf_counter()
    for f in files:
        dst = inbox / f.name
        rows += (fill_openpyxl if method == "openpyxl" else fill_patch)(f, dst, rng, month)
        os.utime(dst, (past, past))
    return {"files": len(files), "rows": rows, "method": method, "seconds": round(time.perf_counter() - t0, 2),
            "bytes": sum((inbox / f.name).stat().st_size for f in files)}


def prepare(sc: Scenario, work: Path, log=print) -> dict:
    """Build <work>/base: workspace, tasks, generated forms and filled returns. Returns facts about it."""
    from jobs import generate
    from office.workspace import open_workspace

    base = work / "base"
    t0 = time.perf_counter()
    facts = build_workspace(sc, base)
    log(f"  准备：工作区和任务登记完成（{facts['tasks']} 项任务，{facts['pairs']} 个单位-任务行），{time.perf_counter() - t0:.1f} 秒")
    ws = open_workspace(base)
    try:
        t1 = time.perf_counter()
        g = generate.run(ws, generate.Request("status", MONTH), GENERATE_NOW)
        facts["prepare_generate_seconds"] = round(time.perf_counter() - t1, 2)
    finally:
        ws.close()
    files = [Path(f["file"]) for f in g.data["files"]]
    facts["units"] = len(files)
    log(f"  准备：已生成 {len(files)} 份报送表（{facts['prepare_generate_seconds']} 秒），正在模拟单位填报……")
    method = sc.fill if len(files) <= FILL_OPENPYXL_MAX else "xml-patch"
    fill = fill_returns(base, files, int(MONTH[5:]), method)
    facts["fill"] = fill
    log(f"  准备：已填好 {fill['files']} 份报回表（{fill['rows']} 行，{fill['method']}，{fill['seconds']} 秒，"
        f"共 {fill['bytes'] / 2**20:.1f} MB）")
    return facts


def copy_base(work: Path, name: str) -> Path:
    dst = work / name
    if dst.exists():
        shutil.rmtree(dst)
    shutil.copytree(work / "base", dst, copy_function=shutil.copy2)
    return dst
