#!/usr/bin/env python
"""What-if: measure suggested duban changes before anyone makes them (monkeypatches, benchmark only).

    python benchmarks/whatif.py [--scenario city300] [--repeat 2] [--variants a,b,...]

Runs duban's generate / collect / merge on a scenario's base workspace (reused from
benchmarks/out/work/<key>/base when present, else prepared), once as it is and once
per patch below, each in a fresh process like run.py.  Nothing in duban/ is edited:
each patch replaces a function or a constant in the child process only.  These are
sketches of the fixes proposed in README.md, not drop-in code: a patch written
against today's duban may stop applying when the code it replaces changes (the
child then fails and the variant shows 失败).

Patches
-------
in_memory      xlsxwriter ``{"in_memory": True}`` for the forms, the collect report and
               the tracker (when not constant_memory): no temp file per XML part.
unit_index     generate: one unit -> tasks index per run instead of scanning every
               task (and rebuilding ``Task.units``) for every unit.
rowcache       read_return: clean each row's cells once; section/footer checks reuse
               them (the parser now calls clean_text ~30 times per row).
fastclean      clean_text: plain str without control/odd-space characters is just
               ``value.strip() or None`` (one regex search instead of ~8 passes).
no_fsync       UPPER BOUND of durability cost, not a proposal: os.fsync a no-op in
               collect/atomic and ``PRAGMA synchronous=OFF``.
comments_off   tracker without per-cell comments (the 来源 column stays).
const20k       tracker constant_memory from 20,000 lines instead of 50,000.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for p in (str(ROOT), str(BENCH)):  # BENCH first: the project's own run.py sits in ROOT
    while p in sys.path:
        sys.path.remove(p)
    sys.path.insert(0, p)

PHASES_OF = {
    "in_memory": ("generate", "collect", "merge"),
    "unit_index": ("generate",),
    "rowcache": ("collect",),
    "fastclean": ("collect",),
    "no_fsync": ("collect",),
    "comments_off": ("merge",),
    "const20k": ("merge",),
}


# ------------------------------------------------------------------ patches (child side)


def _patch_in_memory() -> None:
    import types

    import xlsxwriter

    from duban.sheets import collect_report, forms, tracker

    def shim() -> types.ModuleType:
        m = types.ModuleType("xlsxwriter_in_memory")

        def Workbook(path, options=None):  # noqa: N802
            opts = dict(options or {})
            if not opts.get("constant_memory"):
                opts["in_memory"] = True
            return xlsxwriter.Workbook(path, opts)

        m.Workbook = Workbook
        return m

    for mod in (forms, tracker, collect_report):
        mod.xlsxwriter = shim()


def _patch_unit_index() -> None:
    from duban.jobs import generate
    from duban.sheets.forms import FormRow

    cache: dict = {}

    def unit_rows(tasks, unit, targets):
        idx = cache.get(id(tasks))
        if idx is None or idx[0] is not tasks:
            by_unit: dict = {}
            for t in tasks:
                us = t.units
                for u in us:
                    by_unit.setdefault(u, []).append((t, us))
            idx = cache[id(tasks)] = (tasks, by_unit)
        mine = sorted(idx[1].get(unit, ()), key=lambda x: (generate.KIND_ORDER[x[0].kind], x[0].seq))
        rows = []
        for t, us in mine:
            role = t.role_of(unit) or "配合"
            partners = tuple(u for u in us if u != unit) if role == "牵头" else tuple(u for u in t.lead_units if u != unit)
            rows.append(FormRow(task=t, role=role, target=None if targets is None else targets.get(t.id), partners=partners))
        return tuple(rows)

    generate.unit_rows = unit_rows


def _patch_rowcache() -> None:
    import re
    import unicodedata

    from duban.sheets import returns as R

    def section_kind(cl: list) -> str | None:
        texts = {c for c in cl if c}
        if len(texts) != 1:
            return None
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", texts.pop()))
        m = R._SECTION_RE.match(text)
        if not m or len(text) > 30:
            return None
        return "annual" if m.group(1) else "livelihood"

    def run(self) -> None:
        sh, h = self.sh, self.h
        seq_col, text_col = h.cols["seq"], h.cols["text"]
        fields = [(f, h.cols.get(f)) for f in self.fields]
        current_kind = None
        last = None
        for r in range(h.last + 1, len(sh.rows)):
            row = sh.rows[r]
            cl = [R.clean_text(v) for v in row]
            if all(c is None for c in cl):
                continue
            if any(R._FOOTER_RE.match(c or "") for c in cl):
                self.footer_start = r
                break
            seq = R.parse_seq(sh.raw(r, seq_col))
            if seq is None:
                kind = section_kind(cl)
                if kind is not None:
                    current_kind, last = kind, None
                    continue
            values = {}
            for f, c in fields:
                if c is None:
                    values[f] = None
                elif f == "achieved":
                    values[f] = self._read_field(r, f)
                else:
                    v = cl[c] if c < len(cl) else None
                    if f == "target" and v == R.PLACEHOLDER_NO_PLAN:
                        v = None
                    elif v is not None and len(v) > R.MAX_CELL_TEXT:
                        v = self._read_field(r, f)
                    values[f] = v
            self.filled += sum(1 for v in values.values() if v is not None)
            text = (cl[text_col] if text_col < len(cl) else None) or ""
            if seq is None:
                self._sub_item(r, last, values, text)
                continue
            k = self._kind_for(current_kind, seq)
            tid = R.task_id(k, seq)
            if self.known_ids is not None and tid not in self.known_ids:
                self.extra.append(
                    f"{R._sheet_label(sh.name)}第{r + 1}行：序号“{seq}”不在本单位的{R.KIND_LABELS[k]}任务中，"
                    f"已忽略该行（{R._short(text) or '无内容'}）。")
                last = None
                continue
            if tid in self.rows:
                prev = self.rows[tid]
                self.extra.append(
                    f"{R._sheet_label(sh.name)}第{r + 1}行：{R._task_label(k, seq)}重复出现"
                    f"（首次在第{self.row_no[tid]}行），已将该行填报内容并入首次出现的行。")
                for f, v in values.items():
                    prev.values[f] = R._combine(prev.values.get(f), v, f)
                last = prev
                continue
            cells = {"text": R.cell_address(r, text_col)}
            for f, c in fields:
                if c is not None:
                    cells[f] = R.cell_address(r, c)
            last = R.ReturnRow(task_id=tid, kind=k, seq=seq, text=text, values=values, cells=cells)
            self.rows[tid] = last
            self.row_no[tid] = r + 1

    R._Parser.run = run


def fast_clean_text():
    """clean_text with a fast path; same result for every input (see the fuzz check in README)."""
    import re

    from duban.sheets import cells

    slow = cells.clean_text
    needs_work = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029" + cells._EXTRA_SPACES + "]")

    def clean_text(value):
        if type(value) is str:
            if not needs_work.search(value):
                return value.strip() or None
        elif value is None:
            return None
        return slow(value)

    return clean_text


def _patch_fastclean() -> None:
    from duban.sheets import returns

    returns.clean_text = fast_clean_text()


def _patch_no_fsync() -> None:
    from duban import atomic, ledger
    from duban.jobs import collect

    class _OS:
        def __getattr__(self, name):
            import os
            return getattr(os, name)

        @staticmethod
        def fsync(fd):
            return None

    collect.os = _OS()
    atomic.os = _OS()
    orig = ledger.Ledger.__init__

    def init(self, path):
        orig(self, path)
        self.db.execute("PRAGMA synchronous=OFF")

    ledger.Ledger.__init__ = init


def _patch_comments_off() -> None:
    from duban.sheets import tracker

    tracker.COMMENT_LINE_LIMIT = 0


def _patch_const20k() -> None:
    from duban.sheets import tracker

    tracker.CONSTANT_MEMORY_LINES = 20_000


def apply(names: list[str]) -> None:
    for n in names:
        globals()[f"_patch_{n}"]()


# ------------------------------------------------------------------ parent side


def main() -> int:
    import importlib.util

    import scenarios as S

    spec = importlib.util.spec_from_file_location("duban_bench_run", BENCH / "run.py")
    B = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(B)

    ap = argparse.ArgumentParser(description="duban what-if（猴子补丁试算，不改 duban 源码）")
    ap.add_argument("--scenario", default="city300", choices=["shizhong", "city300", "city2000"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--variants", default=",".join(PHASES_OF) + ",all")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument("--phases", default="generate,collect,merge", help="只测这些阶段")
    args = ap.parse_args()
    only = set(args.phases.split(","))
    sc = S.scenario(args.scenario, args.quick)
    work = B.OUT / "work" / sc.key
    if not (work / "base" / "duban.db").exists():
        work.mkdir(parents=True, exist_ok=True)
        S.prepare(sc, work)
    common = {"month": S.MONTH}
    variants = [v for v in args.variants.split(",") if v]
    safe = [v for v in PHASES_OF if v != "no_fsync"]

    def log(msg: str) -> None:
        print(msg, flush=True)

    results: dict = {}

    def run_phases(name: str, patches: list[str], phases: set[str]) -> None:
        res = results.setdefault(name, {})
        if "generate" in phases:
            def gen_args(i: int) -> dict:
                root = S.copy_base(work, "wi-gen")
                S.reset_generated(root)
                return {**common, "root": str(root), "now": S.GENERATE_NOW.isoformat(), "patches": patches}
            res["generate"] = B.measure("duban_generate", gen_args, args.repeat, args.timeout, log, f"{name} generate")

        if "collect" in phases or "merge" in phases:
            def col_args(i: int) -> dict:
                root = S.copy_base(work, "wi-run")
                return {**common, "root": str(root), "now": S.COLLECT_NOW.isoformat(), "patches": patches}
            c = B.measure("duban_collect", col_args, args.repeat, args.timeout, log, f"{name} collect")
            if "collect" in phases:
                res["collect"] = c
        if "merge" in phases:
            res["merge"] = B.measure("duban_merge", lambda i: {**common, "root": str(work / "wi-run"),
                                                               "now": S.MERGE_NOW.isoformat(), "patches": patches},
                                     args.repeat, args.timeout, log, f"{name} merge")

    log(f"== what-if：{sc.label}（每项 {args.repeat} 次取中位数）==")
    run_phases("baseline", [], {"generate", "collect", "merge"} & only)
    for v in variants:
        if v == "all":
            run_phases("all(不含 no_fsync)", safe, {"generate", "collect", "merge"} & only)
        elif set(PHASES_OF[v]) & only:
            run_phases(v, [v], set(PHASES_OF[v]) & only)

    base = results["baseline"]
    head = ["变体", "阶段", "耗时(秒)", "CPU(秒)", "峰值内存(MB)", "对比原样"]
    widths = [20, 8, 10, 9, 13, 10]
    print("\n" + "  ".join(B._pad(h, w, i >= 2) for i, (h, w) in enumerate(zip(head, widths))))
    for name, phases in results.items():
        for ph, r in phases.items():
            if r.get("error"):
                cells = [name, ph, "失败", "", "", ""]
            else:
                b = base.get(ph, {})
                rel = f"{r['wall'] / b['wall']:.2f}×" if b.get("wall") else "—"
                cells = [name, ph, f"{r['wall']:.2f}", f"{r['cpu']:.2f}", f"{r['rss_mb']:.0f}", rel]
            print("  ".join(B._pad(c, w, i >= 2) for i, (c, w) in enumerate(zip(cells, widths))))
    out = B.OUT / f"whatif-{sc.key}.json"
    out.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\n结果已写入 {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
