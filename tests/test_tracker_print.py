"""The demo month's tracker as it prints: rows fit their text, the leader's columns fit one
A4 landscape page wide, the title prints whole, the legend is there, and the rates are the
briefing's. The PDF checks go through LibreOffice and pdftotext, independently of the writer."""

from __future__ import annotations

import re
from datetime import datetime
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from openpyxl.utils import column_index_from_string, get_column_letter

from jobs import demo as demo_job
from sheets.cells import estimate_lines, line_height
from office.wording import STATUS_RULES, is_no_problem, percent

TITLE = "2025年3月政府工作报告任务落实台账"
LEADER_COLUMNS = ["序号", "类别", "重点任务", "牵头领导", "单位", "职责", "完成情况", "存在问题", "是否完成", "完成进度",
                  "序时进度", "差距", "状态", "判定依据"]
CLERK_COLUMNS = {"牵头单位", "配合单位", "季度计划完成目标", "下一步计划", "来源"}
A4_LANDSCAPE_WIDTH_IN = 297 / 25.4
BODY_PT = 11
PADDING_PT = 4
SQUASH = re.compile(r"\s+")

needs_pdf = pytest.mark.skipif(not (shutil.which("soffice") and shutil.which("pdftotext")),
                               reason="LibreOffice and pdftotext needed")


def squash(text: str) -> str:
    return SQUASH.sub("", text or "")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    report = demo_job.run(None, demo_job.Request(tmp_path_factory.mktemp("print") / "demo-ws"), datetime(2025, 4, 15, 9))
    return report.data


@pytest.fixture(scope="module")
def book(demo):
    return openpyxl.load_workbook(demo["tracker"])


@pytest.fixture(scope="module")
def pdf(demo, tmp_path_factory):
    from fill import lo_convert

    return lo_convert(Path(demo["tracker"]), "pdf", tmp_path_factory.mktemp("pdf"))[0]


def header_row(ws, first: str = "序号") -> int:
    return next(r for r in range(1, 12) if ws.cell(r, 1).value == first)


def heads(ws, row: int) -> dict[str, int]:
    return {c.value: c.column for c in ws[row] if c.value}


def stored_width(ws, letter: str) -> float:
    """The column's width as the file holds it (a <col> element may cover several columns)."""
    n = column_index_from_string(letter)
    for dim in ws.column_dimensions.values():
        if dim.min and dim.max and dim.min <= n <= dim.max and dim.width:
            return dim.width
    return 9.140625  # Excel's default: 8.43 characters and the margins


def pixels(ws, letter: str) -> int:
    return int(stored_width(ws, letter) * 7 + 0.5)


def set_width(ws, letter: str) -> float:
    """The width the writer asked for: the column's pixels less 5 px of cell margins, in 7 px units."""
    return (pixels(ws, letter) - 5) / 7


def print_columns(ws) -> tuple[int, int, int]:
    """(first column, last column, last row) of the sheet's print area."""
    m = re.fullmatch(r"'?[^!]+'?!\$([A-Z]+)\$(\d+):\$([A-Z]+)\$(\d+)", ws.print_area)
    assert m, ws.print_area
    return column_index_from_string(m.group(1)), column_index_from_string(m.group(3)), int(m.group(4))


# ----------------------------------------------------------------------- workbook


def row_height(ws, r: int) -> float:
    return ws.row_dimensions[r].height or ws.sheet_format.defaultRowHeight


def need(text: str, width: float) -> float:
    """Points the text needs in a column `width` wide: its lines, the cell's padding, Excel's cap."""
    return min(409, estimate_lines(text, width, BODY_PT) * line_height(BODY_PT) + PADDING_PT)


def text_cells(ws):
    """(cell, width, height) of every text cell; a merged cell's width and height are its block's."""
    blocks = {}
    covered: set[tuple[int, int]] = set()
    for m in ws.merged_cells.ranges:
        blocks[(m.min_row, m.min_col)] = m
        covered |= {(r, c) for r in range(m.min_row, m.max_row + 1) for c in range(m.min_col, m.max_col + 1)}
    for row in ws.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str):
                continue
            m = blocks.get((cell.row, cell.column))
            if m is not None:
                width = sum(set_width(ws, get_column_letter(c)) for c in range(m.min_col, m.max_col + 1))
                height = sum(row_height(ws, r) for r in range(m.min_row, m.max_row + 1))
            else:
                assert (cell.row, cell.column) not in covered
                width, height = set_width(ws, cell.column_letter), row_height(ws, cell.row)
            yield cell, width, height


def test_every_row_is_tall_enough_for_its_text(book):
    for name in ("台账", "为民办实事", "报送情况", "问题清单", "发现"):
        ws = book[name]
        checked = 0
        for cell, width, height in text_cells(ws):
            assert height >= need(cell.value, width) - 0.75, (name, cell.coordinate, cell.value, height)
            checked += 1
        assert checked > 10, name


def test_rows_are_not_padded_beyond_their_text(book):
    """The heights follow the text: each of a task's rows is as tall as its own tallest cell
    needs, and a task's rows together no taller than that or than its merged unit list needs."""
    ws = book["台账"]
    h = header_row(ws)
    own: dict[int, float] = {}
    merged_need: dict[int, tuple[int, float]] = {}  # first row -> (rows, need) of a merged unit list
    for cell, width, height in text_cells(ws):
        if cell.row <= h:
            continue
        m = next((m for m in ws.merged_cells.ranges if m.min_row == cell.row and m.min_col == cell.column), None)
        if m is not None and m.max_row > m.min_row:
            rows, got = merged_need.get(cell.row, (0, 0.0))
            merged_need[cell.row] = (m.max_row - m.min_row + 1, max(got, need(cell.value, width)))
        else:
            own[cell.row] = max(own.get(cell.row, 0.0), need(cell.value, width))
    seq = heads(ws, h)["序号"]
    starts = [r for r in range(h + 1, ws.max_row + 1) if ws.cell(r, seq).value is not None] + [ws.max_row + 1]
    for a, b in zip(starts, starts[1:]):
        heights = [row_height(ws, r) for r in range(a, b)]
        needs = [max(own.get(r, 0.0), ws.sheet_format.defaultRowHeight) for r in range(a, b)]
        for r, got, want in zip(range(a, b), heights, needs):
            assert got >= want - 0.75, r
        block_need = max(sum(needs), merged_need.get(a, (0, 0.0))[1])
        assert sum(heights) <= block_need + 0.75 * (b - a), (a, heights, needs)
    assert merged_need  # the demo has tasks with several units


def test_tracker_prints_the_leaders_columns_one_page_wide(book):
    ws = book["台账"]
    h = header_row(ws)
    assert ws.page_setup.paperSize in (9, "9") and ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert int(ws.page_setup.fitToWidth or 1) == 1 and int(ws.page_setup.fitToHeight) == 0
    first, last, last_row = print_columns(ws)
    printed = [ws.cell(h, c).value for c in range(first, last + 1)]
    assert printed == LEADER_COLUMNS
    assert last_row == ws.max_row
    # provenance and the clerk's columns stay in the workbook, outside the print
    outside = {ws.cell(h, c).value for c in range(last + 1, ws.max_column + 1)}
    assert outside == CLERK_COLUMNS
    source_col = heads(ws, h)["来源"]
    assert any(".xls" in str(ws.cell(r, source_col).value) for r in range(h + 1, ws.max_row + 1))
    # scale: the printed columns against the printable width of A4 landscape
    m = ws.page_margins
    printable_px = (A4_LANDSCAPE_WIDTH_IN - m.left - m.right) * 96
    columns_px = sum(pixels(ws, get_column_letter(c)) for c in range(first, last + 1))
    scale = min(1.0, printable_px / columns_px)
    assert scale >= 0.75, scale
    assert ws.print_title_rows == f"${h}:${h}"
    live = book["为民办实事"]
    first, last, _ = print_columns(live)
    assert [live.cell(header_row(live), c).value for c in range(first, last + 1)] == [c for c in LEADER_COLUMNS if c != "类别"]


def test_page_header_prints_the_whole_title(book):
    for ws in book.worksheets:
        header = ws.oddHeader.center
        assert header.text == TITLE, ws.title
        assert header.size == 12  # not 122025: the size code is not followed by the year
        assert "&P" in ws.oddFooter.center.text


def test_legend_on_overview_and_above_the_tracker_header(book):
    ws = book["总览"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == "二、任务状态")
    assert rows[start + 1][:3] == ["状态", "任务数", "含义"]
    legend = {r[0]: r[2] for r in rows[start + 2:start + 5]}
    assert legend == STATUS_RULES
    for name in ("台账", "为民办实事"):
        ws = book[name]
        h = header_row(ws)
        above = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, h)}
        assert above == {k: f"{k}：{rule}" for k, rule in STATUS_RULES.items()}
        assert "红：" in ws.oddFooter.left.text and "黄：" in ws.oddFooter.left.text


def _overview_block(ws, title: str) -> tuple[list, dict]:
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    out = {}
    for r in rows[start + 2:]:
        if r[0] is None or str(r[0]).startswith("注："):
            break
        out[r[0]] = r
    return rows[start + 1], out


def test_leader_and_category_totals_count_each_task_and_finding_once(book, demo):
    ws = book["总览"]
    findings = sum(demo["findings"].values())
    _, by_kind = _overview_block(ws, "四、发现问题（按类型）")
    assert by_kind["合计"][1] == findings
    _, status = _overview_block(ws, "二、任务状态")
    n_tasks = status["合计"][1]
    for title in ("五、任务和发现问题（按牵头领导）", "六、任务和发现问题（按任务类别）"):
        head, table = _overview_block(ws, title)
        total = table.pop("合计")
        col = {name: i for i, name in enumerate(head)}
        assert total[col["合计"]] == findings, title
        assert total[col["任务数"]] == n_tasks, title
        for key in ("绿", "黄", "红"):
            assert total[col[key]] == status[key][1], (title, key)
        for kind, row in by_kind.items():
            if kind != "合计":
                assert total[col[kind]] == row[1], (title, kind)
        rows_sum = sum(r[col["合计"]] for r in table.values())
        if title.startswith("六"):  # one category per task: the rows add up to the total
            assert rows_sum == findings and sum(r[col["任务数"]] for r in table.values()) == n_tasks
        else:  # a task with two leaders is on both rows, so the rows may add up to more
            assert rows_sum >= findings
    # the leaders' rows against the 台账 itself: each task once per leader
    per_leader: dict[str, int] = {}
    for tracker in (book["台账"], book["为民办实事"]):
        h = header_row(tracker)
        col = heads(tracker, h)
        for r in range(h + 1, tracker.max_row + 1):
            if tracker.cell(r, col["序号"]).value is None:
                continue
            leaders = str(tracker.cell(r, col["牵头领导"]).value or "").split("、")
            for name in dict.fromkeys(x for x in leaders if x):
                per_leader[name] = per_leader.get(name, 0) + 1
    head, table = _overview_block(ws, "五、任务和发现问题（按牵头领导）")
    got = {name: row[1] for name, row in table.items() if name in per_leader}
    assert got == per_leader


def _briefing_text(path: str) -> str:
    doc = Document(path)
    text = "\n".join(p.text for p in doc.paragraphs)
    for table in doc.tables:
        for row in table.rows:
            text += "\n" + " ".join(c.text for c in row.cells)
    return text


def test_tracker_and_briefing_rates_are_equal_strings(book, demo):
    values = {r[0]: r[1] for r in book["总览"].iter_rows(values_only=True) if isinstance(r[0], str)}
    submission, on_time = values["报送率"], values["按时率"]
    # the tracker's own rows give the same figures: units on time, late and missing in March
    history = book["报送情况"]
    col = heads(history, 1)["3月"]
    labels = [history.cell(r, col).value for r in range(2, history.max_row + 1)]
    n_on_time = sum(1 for x in labels if x == "按时报送")
    n_late = sum(1 for x in labels if str(x).startswith("迟报"))
    n_missing = sum(1 for x in labels if x == "未报")
    due = n_on_time + n_late + n_missing
    assert submission == percent(n_on_time + n_late, due) and on_time == percent(n_on_time, due)
    assert re.fullmatch(r"\d{1,3}\.\d%", submission)
    monthly = _briefing_text(demo["briefings"][0])
    said = re.findall(r"(?<!按时)报送率(?:为|达)?(\d{1,3}\.\d%)", monthly)
    said_on_time = re.findall(r"按时(?:报送)?率(?:为|达)?(\d{1,3}\.\d%)", monthly)
    assert said and said_on_time
    assert set(said) == {submission} and set(said_on_time) == {on_time}


# ------------------------------------------------------------------------ the PDF


def _pages(pdf: Path, *args: str) -> list[str]:
    out = subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return out.split("\f")


def _task_pages(pages: list[str], with_category: bool) -> list[str]:
    mark = "序号类别重点任务牵头领导" if with_category else "序号重点任务牵头领导单位"
    return [squash(p) for p in pages if mark in squash(p)]


def _words(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in re.findall(r"<page .*?</page>", xml, re.S):
        words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>', page)
        pages.append([(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in words])
    return pages


def overlaps(words: list[tuple[float, float, float, float, str]], slack: float = 1.0) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap: text printed over other text."""
    found = []
    words = sorted(words, key=lambda w: w[1])
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b[1] >= a[3] - slack:
                break
            if min(a[2], b[2]) - max(a[0], b[0]) > slack and min(a[3], b[3]) - max(a[1], b[1]) > slack:
                found.append((a[4], b[4]))
    return found


def _tracker_texts(book, name: str, header: str) -> list[str]:
    ws = book[name]
    h = header_row(ws)
    c = heads(ws, h)[header]
    return [str(ws.cell(r, c).value) for r in range(h + 1, ws.max_row + 1) if ws.cell(r, c).value]


@needs_pdf
def test_pdf_prints_every_task_whole_on_one_page(book, pdf):
    pages = _pages(pdf, "-raw")
    for name, with_category in (("台账", True), ("为民办实事", False)):
        sheet_pages = _task_pages(pages, with_category)
        assert len(sheet_pages) >= 2, name
        tasks = _tracker_texts(book, name, "重点任务")
        assert len(tasks) == (109 if with_category else 20)
        for text in tasks:  # whole, and on one page: a task's text is never cut by a page break
            assert any(squash(text) in page for page in sheet_pages), (name, text)
        for text in _tracker_texts(book, name, "完成情况"):
            assert any(squash(text) in page for page in sheet_pages), (name, text)
        for text in _tracker_texts(book, name, "存在问题"):
            assert any(squash(text) in page for page in sheet_pages), (name, text)
        # the clerk's columns are not printed
        joined = "".join(sheet_pages)
        assert ".xlsx!" not in joined and ".xls!" not in joined and "下一步计划" not in joined


@needs_pdf
def test_pdf_prints_no_text_over_other_text(pdf):
    raw = _pages(pdf, "-raw")
    words = _words(pdf)
    task_pages = [i for i, p in enumerate(raw) if "序号类别重点任务牵头领导" in squash(p) or "序号重点任务牵头领导单位" in squash(p)]
    assert len(task_pages) >= 3
    for i in task_pages:
        assert not overlaps(words[i]), (i + 1, overlaps(words[i])[:5])


@needs_pdf
def test_pdf_page_header_and_legend(pdf):
    pages = _pages(pdf, "-layout")
    tracker_pages = [p for p in pages if "序号类别重点任务牵头领导" in squash(p)]
    for page in tracker_pages:
        first = next(line for line in page.splitlines() if line.strip())
        assert first.strip() == TITLE
        assert "红：未完成或未报送" in squash(page)
    assert all(k + "：" + STATUS_RULES[k] in squash(tracker_pages[0]) for k in ("红", "黄", "绿"))
    assert squash(pages[0]).startswith(TITLE)  # 总览


def test_no_problem_words_are_left_off_the_problem_list(book):
    ws = book["问题清单"]
    col = heads(ws, 1)["存在问题"]
    listed = [ws.cell(r, col).value for r in range(2, ws.max_row + 1)]
    assert listed and not any(is_no_problem(x) for x in listed)
    real = []
    for tracker in (book["台账"], book["为民办实事"]):
        h = header_row(tracker)
        c = heads(tracker, h)["存在问题"]
        real += [tracker.cell(r, c).value for r in range(h + 1, tracker.max_row + 1) if not is_no_problem(tracker.cell(r, c).value)]
    assert sorted(real) == sorted(listed)
    assert len(listed) < sum(1 for t in ("台账", "为民办实事") for _ in _tracker_texts(book, t, "单位"))  # some said 无


def _gap_points(text: str) -> float | None:
    """"落后20个百分点" -> 20, "超前5个百分点" -> -5, "持平" -> 0, "—" -> None."""
    m = re.fullmatch(r"(落后|超前)([\d.]+)个百分点", text or "")
    if m:
        return float(m.group(2)) * (1 if m.group(1) == "落后" else -1)
    return 0.0 if text == "持平" else None


def test_overview_attention_list_and_done_count_agree_with_the_tracker(book):
    """总览's 需关注的任务 are exactly the 红/黄 tasks of 台账 and 为民办实事, largest gap first; its
    已完成 count is the number of tasks whose 判定依据 says 已完成（销号）."""
    behind, done = {}, 0
    for name, prefix in (("台账", "年度"), ("为民办实事", "实事")):
        ws = book[name]
        h = header_row(ws)
        col = heads(ws, h)
        for r in range(h + 1, ws.max_row + 1):
            seq = ws.cell(r, col["序号"]).value
            if seq is None:
                continue
            status = ws.cell(r, col["状态"]).value
            if status in ("红", "黄"):
                behind[f"{prefix}{seq}"] = (status, ws.cell(r, col["差距"]).value)
            done += str(ws.cell(r, col["判定依据"]).value or "").startswith("已完成")
    ws = book["总览"]
    rows = [[c.value for c in r] for r in ws.iter_rows()]
    start = next(i for i, r in enumerate(rows) if str(r[0] or "").startswith("三、需关注的任务"))
    listed = []
    for r in rows[start + 2:]:
        if r[0] is None or str(r[0]).startswith("注："):
            break
        listed.append((r[0].split("　")[0], r[1], r[4]))
    assert {label: (status, gap) for label, status, gap in listed} == behind
    gaps = [_gap_points(gap) for _, _, gap in listed]
    known = [g for g in gaps if g is not None]
    assert known == sorted(known, reverse=True)
    assert gaps == known + [None] * (len(gaps) - len(known))  # the ones without a gap last
    _, status = _overview_block(ws, "二、任务状态")
    assert status["已完成（销号）"][1] == done
