#!/usr/bin/env python
"""duban benchmark: generate / collect / merge against a floor and a straightforward script.

    python benchmarks/run.py [--scenario shizhong|city300|city2000|all] [--quick] [--full]
                             [--repeat N] [--profile] [--timeout SECONDS]

No network.  Every measured phase runs in a fresh Python process (``python
benchmarks/run.py --child PHASE ARGS``); the child imports what the phase needs,
then times only the work (wall clock and user+sys CPU) and reports its own peak
RSS (VmHWM of /proc/self/status; see _maxrss_mb for why not ru_maxrss) and the
peak right after its imports.  Preparation (workspace, tasks, filling the returns) is never timed.

Compared, on the very same returned files:

* duban:  ``generate.run`` (status, one month), ``collect.run``, ``merge.run``.
* floor:  python-calamine ``CalamineWorkbook.from_path(...).to_python()`` of the form
  sheet, task rows picked by their 序号, then the same tracker rows (task columns +
  unit + values) written by bare xlsxwriter in constant_memory mode.  Nothing else.
  Reference reader: zipfile + xml.etree iterparse of sheet1.xml + sharedStrings.xml.
* straightforward: openpyxl ``load_workbook`` per file, a pandas DataFrame per file,
  ``pd.concat``, merge with the task list, an openpyxl ``Workbook`` for the tracker.
* generate floor: a bare xlsxwriter script writing the same cells per unit.

``--scenario all`` runs shizhong, city300 and city2000 in its --quick size (200 units)
unless --full is given; ``--scenario city2000`` alone is the full 2,000 units unless
--quick.  Results are merged into benchmarks/out/results.json (keyed by scenario).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
for p in (str(ROOT), str(BENCH)):  # BENCH first: the project's own run.py sits in ROOT
    while p in sys.path:
        sys.path.remove(p)
    sys.path.insert(0, p)

RESULT_TAG = "@@RESULT "

# ====================================================================== child side


def _maxrss_mb() -> float:
    """Peak RSS of this process in MiB.

    VmHWM from /proc/self/status, the high-water mark of this process's own address
    space.  Not ru_maxrss: on Linux the signal struct's maxrss survives fork+exec, so
    a child reports at least its parent's peak (here every phase showed the
    parent's 62 MB).  ru_maxrss is the fallback where /proc is missing.
    """
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _cpu() -> float:
    """CPU seconds (user+sys) of this process and of its children that have ended: collect's
    worker processes are joined before it returns, so their time is counted too."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    c = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime + c.ru_utime + c.ru_stime


def _tasks_from_db(db: str) -> list[dict]:
    """The task list straight from the ledger (plain sqlite3 + json): the floors' input."""
    import sqlite3

    con = sqlite3.connect(db)
    try:
        rows = con.execute(
            "SELECT id, kind, seq, category, text, leaders, lead_units, co_units FROM tasks ORDER BY position").fetchall()
    finally:
        con.close()
    return [{"id": r[0], "kind": r[1], "seq": r[2], "category": r[3], "text": r[4], "leaders": json.loads(r[5]),
             "lead": json.loads(r[6]), "co": json.loads(r[7])} for r in rows]


def _units_of(t: dict) -> list[str]:
    return t["lead"] + [u for u in t["co"] if u not in t["lead"]]


TRACKER_HEAD = ["序号", "类别", "重点任务", "牵头领导", "牵头单位", "配合单位", "单位", "职责",
                "季度计划完成目标", "完成情况", "存在问题", "下一步计划", "是否完成"]


# ---------------------------------------------------------------- duban phases


def phase_duban_generate(a: dict) -> dict:
    from datetime import datetime

    from jobs import generate
    from office.workspace import open_workspace

    def work() -> dict:
        ws = open_workspace(Path(a["root"]))
        try:
            kind = a.get("kind", "status")
            r = generate.run(ws, generate.Request(kind, a["month"] if kind == "status" else None), datetime.fromisoformat(a["now"]))
        finally:
            ws.close()
        return {"files": len(r.data["files"]), "rows": sum(f["tasks"] for f in r.data["files"]), "warnings": len(r.warnings)}

    return work


def phase_duban_collect(a: dict) -> dict:
    from datetime import datetime

    from jobs import collect
    from office.workers import auto_workers
    from office.workspace import open_workspace

    def work() -> dict:
        ws = open_workspace(Path(a["root"]))
        try:
            n = len(collect.inbox_files(ws.root / "inbox"))
            r = collect.run(ws, collect.Request(), datetime.fromisoformat(a["now"]))
            workers = auto_workers(n, ws.settings.collect_workers)
            rows = ws.ledger.db.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        finally:
            ws.close()
        d = r.data
        return {"files": len(d["accepted"]) + len(d["rejected"]) + len(d["waiting"]) + len(d["duplicates"]),
                "accepted": len(d["accepted"]), "rejected": len(d["rejected"]), "waiting": len(d["waiting"]),
                "rows": rows, "warnings": len(r.warnings), "workers": workers}

    return work


def phase_duban_merge(a: dict) -> dict:
    from datetime import datetime

    from jobs import merge
    from office.workspace import open_workspace

    def work() -> dict:
        ws = open_workspace(Path(a["root"]))
        try:
            r = merge.run(ws, merge.Request(a["month"]), datetime.fromisoformat(a["now"]))
        finally:
            ws.close()
        c = r.data["counts"]
        return {"tracker_mb": round(Path(r.data["tracker"]).stat().st_size / 2**20, 2), "reported": c["reported"],
                "units": c["units"], "tasks": c["tasks"], "findings": len(r.data["findings"])}

    return work


# ---------------------------------------------------------------- floors


def phase_bare_generate(a: dict) -> dict:
    import xlsxwriter

    opts = {"in_memory": True} if a.get("in_memory") else {}

    def work() -> dict:
        import sqlite3

        tasks = _tasks_from_db(a["db"])
        con = sqlite3.connect(a["db"])  # the same units duban made forms for (undefined groups left out)
        wanted = {r[0] for r in con.execute("SELECT unit FROM generated WHERE kind='status' AND period=?", (a["month"],))}
        con.close()
        mine: dict[str, list[tuple[dict, str, list[str]]]] = {}
        for t in tasks:
            us = _units_of(t)
            for u in us:
                if u not in wanted:
                    continue
                lead = u in t["lead"]
                partners = [x for x in us if x != u] if lead else [x for x in t["lead"] if x != u]
                mine.setdefault(u, []).append((t, "牵头" if lead else "配合", partners))
        out = Path(a["out"])
        out.mkdir(parents=True, exist_ok=True)
        heads = ["序号", "重点任务、民生实事内容", "本单位职责", "季度计划完成目标", "完成情况", "存在问题", "下一步计划",
                 "是否完成阶段任务目标"]
        n = 0
        for u, rows in mine.items():
            rows.sort(key=lambda x: (x[0]["kind"] != "annual", x[0]["seq"]))
            wb = xlsxwriter.Workbook(str(out / f"{n:05d}.xlsx"), opts)
            f_head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2"})
            f_body = wb.add_format({"border": 1, "text_wrap": True})
            f_fill = wb.add_format({"border": 1, "text_wrap": True, "locked": False, "bg_color": "#FFF7DC"})
            ws = wb.add_worksheet("落实情况表")
            ws.write_string(0, 0, "2025年年度工作任务落实情况表")
            ws.write_string(1, 0, "（3月）")
            ws.write_string(2, 0, "请于2025年4月8日前报送督查室。请在浅黄色单元格内填写。")
            ws.write_string(3, 0, f"填报单位：{u}")
            ws.write_string(3, 5, "填报时间：")
            ws.write_row(4, 0, heads, f_head)
            r = 5
            kind = None
            for t, role, partners in rows:
                if t["kind"] != kind:
                    kind = t["kind"]
                    ws.write_string(r, 0, "一、年度工作任务" if kind == "annual" else "二、为民办实事", f_head)
                    r += 1
                ws.write_number(r, 0, t["seq"], f_body)
                ws.write_string(r, 1, t["text"], f_body)
                label = "配合" if role == "牵头" else "其他责任单位"
                ws.write_string(r, 2, f"{role}\n{label}：{'、'.join(partners)}" if partners else role, f_body)
                ws.write_string(r, 3, "（未报送计划）", f_fill)
                for c in range(4, 8):
                    ws.write_blank(r, c, None, f_fill)
                r += 1
            ws.write_string(r + 1, 0, "填报人：")
            ws.write_string(r + 1, 4, "联系电话：")
            ws.write_string(r + 1, 6, "负责人签字：")
            ident = wb.add_worksheet("_duban")
            for i, (k, v) in enumerate((("duban-identity", "…"), ("unit", u), ("kind", "status"), ("period", "2025-03"),
                                        ("task_ids", ",".join(t["id"] for t, _, _ in rows)))):
                ident.write_string(i, 0, k)
                ident.write_string(i, 1, v)
            ident.hide()
            wb.close()
            n += 1
        return {"files": n}

    return work


def _return_files(a: dict) -> list[Path]:
    return sorted(Path(a["inbox"]).glob("*.xlsx"))


def _pick_rows(rows, got: dict, fname: str) -> None:
    """Task rows of one form sheet (values as read) into got[(unit, task_id)] = (target, progress, problems, next, achieved)."""
    unit = fname
    kind = "annual"
    for row in rows:
        a0 = row[0]
        if isinstance(a0, (int, float)) and not isinstance(a0, bool):
            got[(unit, f"{kind}-{int(a0)}")] = row[3:8]
        elif isinstance(a0, str) and a0:
            if a0.startswith("填报单位："):
                unit = a0[5:].strip()
            elif "为民办实事" in a0:
                kind = "livelihood"


def _write_floor_tracker(path: Path, tasks: list[dict], got: dict) -> int:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                         "strings_to_urls": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("台账")
    ws.write_row(0, 0, TRACKER_HEAD)
    r = 1
    blank = ("", "", "", "", "")
    for t in tasks:
        lead, co = "、".join(t["lead"]), "、".join(t["co"])
        leaders = "、".join(t["leaders"])
        for u in _units_of(t):
            vals = got.get((u, t["id"]), blank)
            ws.write_number(r, 0, t["seq"])
            ws.write_string(r, 1, t["category"])
            ws.write_string(r, 2, t["text"])
            ws.write_string(r, 3, leaders)
            ws.write_string(r, 4, lead)
            ws.write_string(r, 5, co)
            ws.write_string(r, 6, u)
            ws.write_string(r, 7, "牵头" if u in t["lead"] else "配合")
            for j, v in enumerate(vals):
                ws.write_string(r, 8 + j, "" if v is None else str(v))
            r += 1
    wb.close()
    return r - 1


def phase_floor(a: dict) -> dict:
    from python_calamine import CalamineWorkbook

    def work() -> dict:
        t0 = time.perf_counter()
        got: dict = {}
        files = _return_files(a)
        for f in files:
            wb = CalamineWorkbook.from_path(str(f))
            _pick_rows(wb.get_sheet_by_index(0).to_python(), got, f.name)
        t1 = time.perf_counter()
        tasks = _tasks_from_db(a["db"])
        lines = _write_floor_tracker(Path(a["out"]), tasks, got)
        t2 = time.perf_counter()
        return {"files": len(files), "rows": len(got), "lines": lines, "read_s": t1 - t0, "write_s": t2 - t1,
                "tracker_mb": round(Path(a["out"]).stat().st_size / 2**20, 2)}

    return work


def phase_etree_read(a: dict) -> dict:
    import zipfile
    from xml.etree.ElementTree import iterparse

    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    si_tag, t_tag, c_tag, v_tag, row_tag = ns + "si", ns + "t", ns + "c", ns + "v", ns + "row"

    def col_index(ref: str) -> int:
        n = 0
        for ch in ref:
            if ch.isdigit():
                break
            n = n * 26 + ord(ch) - 64
        return n - 1

    def work() -> dict:
        got: dict = {}
        files = _return_files(a)
        for f in files:
            with zipfile.ZipFile(f) as z:
                sst: list[str] = []
                if "xl/sharedStrings.xml" in z.namelist():
                    for _, el in iterparse(z.open("xl/sharedStrings.xml")):
                        if el.tag == si_tag:
                            sst.append("".join(x.text or "" for x in el.iter(t_tag)))
                            el.clear()
                rows = []
                cur: list = []
                for _, el in iterparse(z.open("xl/worksheets/sheet1.xml")):
                    if el.tag == c_tag:
                        typ = el.get("t")
                        v = el.find(v_tag)
                        if typ == "s" and v is not None:
                            val = sst[int(v.text)]
                        elif typ == "inlineStr":
                            val = "".join(x.text or "" for x in el.iter(t_tag))
                        elif v is not None and typ in (None, "n"):
                            val = float(v.text)
                        else:
                            val = v.text if v is not None else ""
                        c = col_index(el.get("r", "A"))
                        cur.extend([""] * (c - len(cur)))
                        cur.append(val)
                    elif el.tag == row_tag:
                        rows.append(cur)
                        cur = []
                        el.clear()
                rows = [r + [""] * (8 - len(r)) for r in rows]
            _pick_rows(rows, got, f.name)
        return {"files": len(files), "rows": len(got)}

    return work


def phase_naive(a: dict) -> dict:
    import sqlite3

    import openpyxl
    import pandas as pd

    def work() -> dict:
        t0 = time.perf_counter()
        frames = []
        files = _return_files(a)
        for f in files:
            wb = openpyxl.load_workbook(f, data_only=True)
            df = pd.DataFrame(wb.worksheets[0].values)
            first = df[0].astype(str)
            unit = first[first.str.startswith("填报单位：")].iloc[0][5:].strip()
            kind = first.str.contains("为民办实事").cumsum().map({0: "annual"}).fillna("livelihood")
            seq = pd.to_numeric(df[0], errors="coerce")
            df = df.iloc[:, :8].copy()
            df.columns = ["seq", "text", "role", "target", "progress", "problems", "next_steps", "achieved"]
            df["unit"] = unit
            df["id"] = kind + "-" + seq.fillna(0).astype(int).astype(str)
            frames.append(df[seq.notna()])
        returned = pd.concat(frames, ignore_index=True)
        t1 = time.perf_counter()
        con = sqlite3.connect(a["db"])
        tasks = pd.read_sql("SELECT id, seq, category, text, leaders, lead_units, co_units FROM tasks ORDER BY position", con)
        con.close()
        lead = tasks["lead_units"].map(json.loads)
        co = tasks["co_units"].map(json.loads)
        tasks["unit"] = [ld + [u for u in c if u not in ld] for ld, c in zip(lead, co)]
        tasks["lead_list"] = lead
        for c in ("leaders", "lead_units", "co_units"):
            tasks[c] = tasks[c].map(lambda s: "、".join(json.loads(s)))
        lines = tasks.explode("unit")
        lines["role"] = [("牵头" if u in ld else "配合") for u, ld in zip(lines["unit"], lines["lead_list"])]
        table = lines.merge(returned[["id", "unit", "target", "progress", "problems", "next_steps", "achieved"]],
                            on=["id", "unit"], how="left")
        out = openpyxl.Workbook()
        ws = out.active
        ws.title = "台账"
        ws.append(TRACKER_HEAD)
        cols = ["seq", "category", "text", "leaders", "lead_units", "co_units", "unit", "role",
                "target", "progress", "problems", "next_steps", "achieved"]
        for row in table[cols].itertuples(index=False):
            ws.append([None if (isinstance(v, float) and v != v) else v for v in row])
        out.save(a["out"])
        t2 = time.perf_counter()
        return {"files": len(files), "rows": len(returned), "lines": len(table), "read_s": t1 - t0, "write_s": t2 - t1,
                "tracker_mb": round(Path(a["out"]).stat().st_size / 2**20, 2)}

    return work


PHASES = {
    "duban_generate": phase_duban_generate,
    "duban_collect": phase_duban_collect,
    "duban_merge": phase_duban_merge,
    "bare_generate": phase_bare_generate,
    "floor": phase_floor,
    "etree_read": phase_etree_read,
    "naive": phase_naive,
}


def _pss_mb(pid: int | str) -> float:
    """Proportional set size of a process in MiB (0 if it is gone)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def _children(pid: int) -> list[str]:
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    stat = fh.read()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(entry)
    return out


class _PssSampler:
    """Every 50 ms, the summed PSS of this process and its children (collect's workers); keeps the peak."""

    def __init__(self) -> None:
        import threading

        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.05):
            total = _pss_mb(me) + sum(_pss_mb(c) for c in _children(me))
            self.peak_mb = max(self.peak_mb, total)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def child_main(phase: str, arg: str) -> None:
    a = json.loads(arg)
    t_imp = time.perf_counter()
    work = PHASES[phase](a)  # imports happen here, untimed
    import_s = time.perf_counter() - t_imp
    base_rss = _maxrss_mb()
    profile = a.get("profile")
    sampler = _PssSampler() if phase == "duban_collect" and Path("/proc/self/smaps_rollup").exists() else None
    c0, t0 = _cpu(), time.perf_counter()
    if profile:
        import cProfile
        import pstats

        prof = cProfile.Profile()
        detail = prof.runcall(work)
        wall = time.perf_counter() - t0
        prof.dump_stats(profile)
        with open(profile[:-5] + ".txt", "w", encoding="utf-8") as fh:
            st = pstats.Stats(prof, stream=fh)
            st.sort_stats("cumulative").print_stats(40)
            st.sort_stats("tottime").print_stats(30)
    else:
        detail = work()
        wall = time.perf_counter() - t0
    cpu = _cpu() - c0
    rss = _maxrss_mb()
    extra = {}
    if sampler is not None:
        sampler.stop()
        workers = detail.get("workers", 1) if isinstance(detail, dict) else 1
        if workers > 1:
            # This process and its worker processes together: the sampled peak of their summed
            # PSS (shared pages divided among the processes sharing them), or this process's
            # own peak if higher.  Also kept: an upper bound, each worker's ru_maxrss counted
            # in full (for a forked child that includes the pages it shares with this one).
            extra["rss_self_mb"] = rss
            extra["rss_bound_mb"] = rss + workers * resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
            extra["pss_peak_mb"] = sampler.peak_mb
            rss = max(rss, sampler.peak_mb)
    print(RESULT_TAG + json.dumps({**extra, "wall": wall, "cpu": cpu, "rss_mb": rss, "base_rss_mb": base_rss,
                                   "import_s": import_s, "detail": detail}, ensure_ascii=False), flush=True)


# ====================================================================== parent side


def run_child(phase: str, args: dict, timeout: float) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", phase, json.dumps(args, ensure_ascii=False)]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=str(ROOT))
    except subprocess.TimeoutExpired:
        return {"error": f"超时（>{timeout:.0f} 秒）", "wall": None}
    for line in reversed(p.stdout.splitlines()):
        if line.startswith(RESULT_TAG):
            out = json.loads(line[len(RESULT_TAG):])
            out["process_s"] = time.perf_counter() - t0
            return out
    return {"error": (p.stderr or p.stdout or f"exit {p.returncode}").strip().splitlines()[-1][:300], "wall": None,
            "stderr": p.stderr[-3000:]}


def measure(phase: str, args_for, repeat: int, timeout: float, log, label: str) -> dict:
    """Run a phase `repeat` times (args_for(i) prepares run i, untimed); median wall/cpu, max RSS."""
    runs = []
    for i in range(repeat):
        args = args_for(i)
        r = run_child(phase, args, timeout)
        runs.append(r)
        if r.get("error"):
            log(f"    ！{label} 失败：{r['error']}")
            if r.get("stderr"):
                log("      " + r["stderr"].strip().replace("\n", "\n      ")[-1500:])
            break
        more = (f"（主进程 {r['rss_self_mb']:.0f} MB，含读取进程的 PSS 峰值 {r['pss_peak_mb']:.0f} MB，"
                f"全额相加上限 {r['rss_bound_mb']:.0f} MB）") if "rss_bound_mb" in r else ""
        log(f"    {label}：{r['wall']:.2f} 秒，CPU {r['cpu']:.2f} 秒，峰值内存 {r['rss_mb']:.0f} MB{more}")
    ok = [r for r in runs if not r.get("error")]
    if not ok:
        return {"error": runs[-1].get("error"), "runs": len(runs)}
    res = {
        "wall": statistics.median(r["wall"] for r in ok),
        "cpu": statistics.median(r["cpu"] for r in ok),
        "rss_mb": max(r["rss_mb"] for r in ok),
        "base_rss_mb": max(r["base_rss_mb"] for r in ok),
        "walls": [round(r["wall"], 3) for r in ok],
        "detail": ok[-1]["detail"],
    }
    for k in ("rss_self_mb", "pss_peak_mb", "rss_bound_mb"):
        if k in ok[0]:
            res[k] = max(r[k] for r in ok)
    for k in ("read_s", "write_s"):
        if k in ok[0]["detail"]:
            res[k] = statistics.median(r["detail"][k] for r in ok)
    return res


def machine() -> dict:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        model = next((ln.split(":", 1)[1].strip() for ln in out.splitlines() if ln.startswith("Model name")), "")
    except (OSError, subprocess.SubprocessError):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    import importlib.metadata as md

    def ver(p: str) -> str:
        try:
            return md.version(p)
        except md.PackageNotFoundError:
            return "-"

    return {"nproc": os.cpu_count(), "cpu": model, "memory": mem, "python": platform.python_version(),
            "platform": platform.platform(),
            "packages": {p: ver(p) for p in ("xlsxwriter", "openpyxl", "pandas", "python-calamine", "numpy")}}


def run_scenario(sc, args, log) -> dict:
    import scenarios as S

    work = OUT / "work" / sc.key
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    log(f"\n== {sc.label} ==")
    t_start = time.perf_counter()
    facts = S.prepare(sc, work, log)
    repeat = args.repeat or sc.repeat
    base = work / "base"
    db = str(base / "duban.db")
    inbox = str(base / "inbox")
    to = args.timeout
    common = {"month": S.MONTH}
    prof_dir = OUT / "prof"
    if args.profile:
        prof_dir.mkdir(parents=True, exist_ok=True)
    res: dict = {"key": sc.key, "label": sc.label, "facts": facts, "repeat": repeat, "phases": {}}
    P = res["phases"]

    def gen_args(i: int) -> dict:
        root = S.copy_base(work, "gen")
        shutil.rmtree(root / "inbox")
        (root / "inbox").mkdir()
        S.reset_generated(root)
        return {**common, "root": str(root), "now": S.GENERATE_NOW.isoformat()}

    log("  计时：")
    P["generate.duban"] = measure("duban_generate", gen_args, repeat, to, log, "duban generate")
    P["generate.duban_plan"] = measure("duban_generate", lambda i: {**gen_args(i), "kind": "plan"}, repeat, to, log,
                                       "duban generate（计划表）")
    P["generate.bare"] = measure("bare_generate", lambda i: {**common, "db": db, "out": str(work / "bare-gen"), "in_memory": True},
                                 repeat, to, log, "裸 xlsxwriter 生成（in_memory）")
    P["generate.bare_tmp"] = measure("bare_generate", lambda i: {**common, "db": db, "out": str(work / "bare-gen")}, repeat, to, log,
                                     "裸 xlsxwriter 生成（默认临时文件）")

    def collect_args(i: int) -> dict:
        root = S.copy_base(work, "run")
        return {**common, "root": str(root), "now": S.COLLECT_NOW.isoformat()}

    P["collect.duban"] = measure("duban_collect", collect_args, repeat, to, log, "duban collect")
    run_root = str(work / "run")
    if "error" not in P["collect.duban"]:
        d = P["collect.duban"]["detail"]
        if d["accepted"] != facts["units"]:
            log(f"    ！注意：collect 只接收了 {d['accepted']}/{facts['units']} 份（退回 {d['rejected']}，等待 {d['waiting']}）")
        P["merge.duban"] = measure("duban_merge", lambda i: {**common, "root": run_root, "now": S.MERGE_NOW.isoformat()},
                                   repeat, to, log, "duban merge")
    else:
        P["merge.duban"] = {"error": "collect 未完成"}
    P["floor"] = measure("floor", lambda i: {"db": db, "inbox": inbox, "out": str(work / "floor.xlsx")}, repeat, to, log,
                         "下限 calamine+xlsxwriter")
    P["read.etree"] = measure("etree_read", lambda i: {"inbox": inbox}, repeat, to, log, "参考 zipfile+iterparse 读取")
    if args.skip_naive:
        P["naive"] = {"error": "已跳过（--skip-naive）"}
    else:
        P["naive"] = measure("naive", lambda i: {"db": db, "inbox": inbox, "out": str(work / "naive.xlsx")}, repeat, to,
                             log, "常规脚本 openpyxl+pandas")
    if args.profile:
        log("  cProfile（单独一次运行，不计入上表）：")
        pg = gen_args(0)
        for phase, a in (("duban_generate", pg), ("duban_collect", collect_args(0)),
                         ("duban_merge", {**common, "root": run_root, "now": S.MERGE_NOW.isoformat()})):
            a["profile"] = str(prof_dir / f"{sc.key}-{phase}.prof")
            r = run_child(phase, a, to * 3)
            took = f"失败 {r['error']}" if r.get("error") else f"{r['wall']:.2f} 秒"
            log(f"    {phase}：{took} → {a['profile'][:-5]}.txt")
    res["summary"] = summarize(res)
    res["seconds_total"] = round(time.perf_counter() - t_start, 1)
    if not args.keep:
        for name in ("gen", "bare-gen", "run"):
            shutil.rmtree(work / name, ignore_errors=True)
    return res


def _get(P: dict, key: str, field: str = "wall"):
    v = P.get(key, {})
    return None if v.get("error") else v.get(field)


def summarize(res: dict) -> dict:
    P = res["phases"]
    files = res["facts"]["units"]
    rows = res["facts"]["fill"]["rows"]
    s: dict = {"files": files, "rows": rows}
    dc, dm = _get(P, "collect.duban"), _get(P, "merge.duban")
    if dc is not None and dm is not None:
        s["duban_cm_s"] = dc + dm
        s["duban_cm_cpu"] = _get(P, "collect.duban", "cpu") + _get(P, "merge.duban", "cpu")
        s["duban_cm_rss_mb"] = max(_get(P, "collect.duban", "rss_mb"), _get(P, "merge.duban", "rss_mb"))
        s["collect_ms_per_file"] = dc / files * 1000
        s["merge_ms_per_file"] = dm / files * 1000
        s["cm_ms_per_file"] = (dc + dm) / files * 1000
    fl = _get(P, "floor")
    if fl is not None:
        s["floor_s"] = fl
        s["floor_read_s"] = P["floor"].get("read_s")
        s["floor_write_s"] = P["floor"].get("write_s")
    nv = _get(P, "naive")
    if nv is not None:
        s["naive_s"] = nv
    if "duban_cm_s" in s and fl:
        s["ratio_cm_vs_floor"] = s["duban_cm_s"] / fl
    if "duban_cm_s" in s and nv:
        s["ratio_naive_vs_cm"] = nv / s["duban_cm_s"]
    g, gb = _get(P, "generate.duban"), _get(P, "generate.bare")
    if g and gb:
        s["ratio_generate_vs_bare"] = g / gb
        s["generate_ms_per_file"] = g / files * 1000
        s["cpu_ratio_generate_vs_bare"] = _get(P, "generate.duban", "cpu") / _get(P, "generate.bare", "cpu")
    fc, nc = _get(P, "floor", "cpu"), _get(P, "naive", "cpu")
    if "duban_cm_cpu" in s and fc:
        s["cpu_ratio_cm_vs_floor"] = s["duban_cm_cpu"] / fc
    if "duban_cm_cpu" in s and nc:
        s["cpu_ratio_naive_vs_cm"] = nc / s["duban_cm_cpu"]
    return s


# ---------------------------------------------------------------- table


def _w(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def _pad(s: str, width: int, right: bool = False) -> str:
    gap = " " * max(0, width - _w(s))
    return gap + s if right else s + gap


def _fmt(v, nd=2) -> str:
    if v is None:
        return "—"
    return f"{v:.{nd}f}"


def table(res: dict) -> str:
    P = res["phases"]
    f = res["facts"]
    s = res["summary"]
    files = max(1, f["units"])
    fill = f["fill"]
    lines = [
        f"== {res['label']} ==",
        f"报送单位 {f['units']} 个，任务 {f['tasks']} 项，单位-任务行 {f['pairs']} 行；报回 {fill['files']} 份，"
        f"{fill['rows']} 行（{fill['method']} 填写，共 {fill['bytes'] / 2**20:.1f} MB）；每项重复 {res['repeat']} 次取中位数。",
    ]
    head = ["阶段", "实现", "耗时(秒)", "CPU(秒)", "峰值内存(MB)", "每份(毫秒)"]
    widths = [14, 40, 10, 9, 13, 11]
    rows: list[list[str]] = []

    def add(stage: str, name: str, key: str | None = None, wall=None, cpu=None, rss=None, note: str = ""):
        if key is not None:
            p = P.get(key, {})
            if p.get("error"):
                rows.append([stage, name, "失败", "", "", p["error"][:40]])
                return
            wall, cpu, rss = p.get("wall"), p.get("cpu"), p.get("rss_mb")
        rows.append([stage, name, _fmt(wall), _fmt(cpu), _fmt(rss, 0),
                     _fmt(wall / files * 1000, 1) if wall is not None else "—"])

    add("生成 generate", "duban generate（落实情况表）", "generate.duban")
    add("", "duban generate（计划表，参考）", "generate.duban_plan")
    add("", "下限：裸 xlsxwriter（in_memory）", "generate.bare")
    add("", "裸 xlsxwriter（默认，临时文件）", "generate.bare_tmp")
    add("收集 collect", "duban collect", "collect.duban")
    add("", "下限：calamine 读取", wall=s.get("floor_read_s"))
    add("", "参考：zipfile+iterparse 读取", "read.etree")
    add("", "常规脚本：openpyxl+pandas 读取", wall=P.get("naive", {}).get("read_s"))
    add("合并 merge", "duban merge（台账）", "merge.duban")
    add("", "下限：xlsxwriter 常量内存写出", wall=s.get("floor_write_s"))
    add("", "常规脚本：openpyxl 写出", wall=P.get("naive", {}).get("write_s"))
    add("收集+合并", "duban collect + merge", wall=s.get("duban_cm_s"), cpu=s.get("duban_cm_cpu"), rss=s.get("duban_cm_rss_mb"))
    add("", "下限：calamine + xlsxwriter", "floor")
    add("", "常规脚本：openpyxl + pandas + openpyxl", "naive")
    out = ["  ".join(_pad(h, w, i >= 2) for i, (h, w) in enumerate(zip(head, widths)))]
    out.append("-" * (sum(widths) + 2 * (len(widths) - 1)))
    for r in rows:
        out.append("  ".join(_pad(c, w, i >= 2) for i, (c, w) in enumerate(zip(r, widths))))
    lines += out
    lines.append("（“峰值内存”为该阶段独立子进程的最大常驻内存（VmHWM），含解释器和导入的库；"
                 "读取/写出的分项取自同一进程，故无单独内存数。duban collect 文件多时另开读取进程："
                 "CPU 时间含这些进程；峰值内存取主进程自身峰值与“主进程+读取进程 PSS 之和”（每 50 毫秒采样）中的较大者，"
                 "results.json 另记把每个读取进程峰值全额相加的上限 rss_bound_mb。）")

    def verdict(ok: bool | None) -> str:
        return "—" if ok is None else ("达标" if ok else "未达标")

    r1, r2, r3 = s.get("ratio_cm_vs_floor"), s.get("ratio_naive_vs_cm"), s.get("ratio_generate_vs_bare")
    c1, c2, c3 = s.get("cpu_ratio_cm_vs_floor"), s.get("cpu_ratio_naive_vs_cm"), s.get("cpu_ratio_generate_vs_bare")
    lines.append("比值（按耗时；括号内按 CPU 时间，受磁盘和其他进程干扰较小）：")
    lines.append(f"  duban 收集+合并 ÷ 下限          = {_fmt(r1)}×（CPU {_fmt(c1)}×）  目标 ≤ 1.5×，{verdict(None if r1 is None else r1 <= 1.5)}")
    lines.append(f"  常规脚本 ÷ duban 收集+合并      = {_fmt(r2)}×（CPU {_fmt(c2)}×）  目标 ≥ 3×，{verdict(None if r2 is None else r2 >= 3)}")
    lines.append(f"  duban generate ÷ 裸 xlsxwriter  = {_fmt(r3)}×（CPU {_fmt(c3)}×）  目标 ≤ 1.5×，{verdict(None if r3 is None else r3 <= 1.5)}")
    rss = s.get("duban_cm_rss_mb")
    target = "（目标 < 300 MB，" + verdict(None if rss is None else rss < 300) + "）" if res["key"].startswith("city2000") else "（300 MB 目标只考核 city2000）"
    lines.append(f"  duban 收集+合并峰值内存         = {_fmt(rss, 0)} MB {target}")
    return "\n".join(lines)


def flatness(results: dict) -> str:
    rows = []
    for key in ("shizhong", "city300", "city2000-quick", "city2000"):
        r = results.get(key)
        if not r or "summary" not in r:
            continue
        s = r["summary"]
        per_row = s["rows"] / max(1, s["files"])
        rows.append((key, s["files"], per_row, r["facts"]["tasks"], s.get("generate_ms_per_file"),
                     s.get("collect_ms_per_file"), s.get("merge_ms_per_file"),
                     (s["floor_s"] / s["files"] * 1000) if s.get("floor_s") else None))
    if not rows:
        return ""
    head = ["场景", "份数", "每份行数", "登记任务", "generate 每份", "collect 每份", "merge 每份", "下限 每份"]
    widths = [16, 6, 9, 9, 14, 13, 11, 10]
    out = ["每份文件成本，毫秒（平坦度：份数增加、每份行数不变时，每份成本应不变）："]
    out.append("  ".join(_pad(h, w, i >= 1) for i, (h, w) in enumerate(zip(head, widths))))
    for key, n, pr, nt, g, c, m, fl in rows:
        cells = [key, str(n), f"{pr:.0f}", str(nt), _fmt(g, 1), _fmt(c, 1), _fmt(m, 1), _fmt(fl, 1)]
        out.append("  ".join(_pad(x, w, i >= 1) for i, (x, w) in enumerate(zip(cells, widths))))
    a, b = results.get("city2000-quick", {}).get("summary", {}), results.get("city2000", {}).get("summary", {})
    if a.get("cm_ms_per_file") and b.get("cm_ms_per_file"):
        out.append(f"city2000：2,000 份 ÷ 200 份的每份成本：收集+合并 {b['cm_ms_per_file'] / a['cm_ms_per_file']:.2f}×，"
                   f"generate {b['generate_ms_per_file'] / a['generate_ms_per_file']:.2f}×（平坦为 1.0×）")
    else:
        out.append("city2000 的 200 份与 2,000 份对比需分别运行 --scenario city2000 --quick 和 --scenario city2000。")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    global OUT
    ap = argparse.ArgumentParser(description="duban 性能基准")
    ap.add_argument("--scenario", default="all", choices=["shizhong", "city300", "city2000", "all"])
    ap.add_argument("--quick", action="store_true", help="缩小规模：city2000 只用 200 个单位，每项只跑 1 次")
    ap.add_argument("--full", action="store_true", help="配合 --scenario all：city2000 用完整的 2,000 个单位")
    ap.add_argument("--repeat", type=int, default=0, help="每项计时次数（默认按场景：3/2/1）")
    ap.add_argument("--timeout", type=float, default=1800, help="单个子进程的超时秒数")
    ap.add_argument("--profile", action="store_true", help="另跑一次 cProfile，结果写入 benchmarks/out/prof/")
    ap.add_argument("--skip-naive", action="store_true", help="不跑常规脚本（openpyxl+pandas）")
    ap.add_argument("--keep", action="store_true", help="保留中间工作区（benchmarks/out/work/）")
    ap.add_argument("--out", default=str(OUT), help="输出目录（默认 benchmarks/out）")
    ap.add_argument("--child", nargs=2, metavar=("PHASE", "ARGS"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child_main(*args.child)
        return 0
    OUT = Path(args.out).resolve()

    import scenarios as S

    names = ["shizhong", "city300", "city2000"] if args.scenario == "all" else [args.scenario]
    chosen = []
    for n in names:
        quick = args.quick or (args.scenario == "all" and n == "city2000" and not args.full)
        sc = S.scenario(n, quick)
        if args.quick:
            sc = S.Scenario(**{**sc.__dict__, "repeat": 1})
        chosen.append(sc)
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "results.json"
    try:
        results = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        results = {}
    results.setdefault("scenarios", {})
    for old in results["scenarios"].values():  # older entries: recompute with today's summary fields
        if "phases" in old and "facts" in old:
            old["summary"] = summarize(old)
    results["machine"] = machine()
    m = results["machine"]
    print(f"机器：{m['nproc']} 核，{m['cpu']}，内存 {m['memory']}；Python {m['python']}；"
          + "，".join(f"{k} {v}" for k, v in m["packages"].items()))

    def log(msg: str) -> None:
        print(msg, flush=True)

    tables = []
    for sc in chosen:
        res = run_scenario(sc, args, log)
        res["at"] = time.strftime("%Y-%m-%d %H:%M:%S")
        results["scenarios"][sc.key] = res
        path.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
        t = table(res)
        tables.append(t)
        print("\n" + t + f"\n（本场景共用时 {res['seconds_total']} 秒，含准备）", flush=True)
    fl = flatness(results["scenarios"])
    if fl:
        print("\n" + fl)
    print(f"\n结果已写入 {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
