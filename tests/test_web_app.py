"""The page's application on a small workspace, through Flask's test client: sessions, bounds, refusals.

The browser tests (test_web.py) drive the whole site; these check the edges that a browser
would need minutes to reach: a session's timeout, upload bounds, a returned file's state,
the server's refusals.
"""

from __future__ import annotations

import io
import re
import socket
import zipfile
from datetime import datetime
from pathlib import Path

import pytest

from month_fixture import U, give_back, issue, make_ws
from smtp_server import smtp_server  # noqa: F401  (the fixture must be imported)

pytest.importorskip("flask")

from jobs import generate  # noqa: E402
from office.errors import ConfigError, DubanError  # noqa: E402
from web import auth, uploads  # noqa: E402
from web.app import create_app  # noqa: E402
from web.serve import check_binding, serve  # noqa: E402

NOW = datetime(2025, 4, 15, 9)


class Clock:
    def __init__(self) -> None:
        self.t = 1_000_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def root(tmp_path) -> Path:
    ws = make_ws(tmp_path / "ws")
    try:
        generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 4, 1, 9))
        issue(ws, "status", "2025-03", at=datetime(2025, 4, 1, 9, 5))
        give_back(ws, "status", "2025-03", U[0], {"progress": "完成", "problems": "无", "next_steps": "继续", "achieved": "是"},
                  datetime(2025, 4, 3, 10))
    finally:
        ws.close()
    return tmp_path / "ws"


def token(client, path: str = "/inbox") -> str:  # noqa: ANN001
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'id="count-(\w+)" data-count="(\d+)"', html)}


def test_home_counts_and_server_timing(root):  # noqa: ANN001
    client = create_app(root, now=NOW).test_client()
    r = client.get("/?month=2025-03")
    assert r.status_code == 200
    c = counts(r.get_data(as_text=True))
    assert c["units"] == len(U) and c["reported"] == 1 and c["missing"] == len(U) - 1
    assert re.fullmatch(r"app;dur=\d+\.\d", r.headers["Server-Timing"])
    assert r.headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


def test_a_rejected_return_shows_as_returned(root):  # noqa: ANN001
    app = create_app(root, now=NOW)
    client = app.test_client()
    good = give_back_bytes(root, U[1])
    data = {"csrf_token": token(client), "files": (io.BytesIO(good[: len(good) // 2]), f"{U[1]}3月落实情况表.xlsx")}
    r = client.post("/inbox", data=data, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'data-verdict="rejected"' in html and "文件不完整" in html
    home = client.get("/?month=2025-03").get_data(as_text=True)
    assert counts(home)["returned"] == 1
    row = re.search(rf'<tr class="state-returned" data-unit="{U[1]}".*?</tr>', home, re.S)
    assert row and "已退回" in row.group(0)


def give_back_bytes(root: Path, unit: str) -> bytes:
    from fill import fill_form, form_sheet, locate
    import openpyxl

    src = next(p for p in (root / "outbox" / "2025-03").glob("*.xlsx") if p.stem.endswith("_" + unit))
    _, rows, _ = locate(form_sheet(openpyxl.load_workbook(src)))
    dst = root.parent / f"{unit}-filled.xlsx"
    fill_form(src, dst, {t: {"progress": "完成", "problems": "无", "next_steps": "继续", "achieved": "是"} for t in rows})
    return dst.read_bytes()


def test_uploads_are_bounded_and_names_kept_harmless(root, monkeypatch):  # noqa: ANN001
    monkeypatch.setattr(uploads, "MAX_FILES", 2)
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 400_000)
    client = create_app(root, now=NOW).test_client()
    good = give_back_bytes(root, U[2])
    files = [(io.BytesIO(good), "../../../逃逸.xlsx"), (io.BytesIO(b"x" * 400_001), "大文件.xlsx"),
             (io.BytesIO(b"a,b\n"), "二.csv"), (io.BytesIO(b"a,b\n"), "三.csv")]
    r = client.post("/inbox", data={"csrf_token": token(client), "files": files}, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    rows = re.findall(r'<tr class="verdict-(\w+)" data-verdict="\w+"><td>(.*?)<', html)
    got = dict((name, verdict) for verdict, name in rows)
    assert got["../../../逃逸.xlsx"] == "accepted"
    assert got["大文件.xlsx"] == "refused" and "超过" in html
    assert got["二.csv"] == "rejected"  # written, and refused by collect's own check
    assert got["三.csv"] == "refused" and "一次最多上传 2 个文件" in html
    assert not (root.parent / "逃逸.xlsx").exists() and not list(root.parent.parent.glob("逃逸*"))
    archived = [p for p in (root / "archive").rglob("*") if p.is_file()]
    assert len(archived) == 3  # the fixture's return, 逃逸.xlsx and 二.csv


def test_a_zip_is_unpacked_with_its_chinese_names_and_a_bomb_refused(root, monkeypatch):  # noqa: ANN001
    good = give_back_bytes(root, U[3])
    gbk_name = f"{U[3]}三月.xlsx"
    buf = io.BytesIO()
    real = zipfile.ZipInfo._encodeFilenameFlags

    def as_windows(self):  # noqa: ANN001, ANN202 - what a Chinese Windows zip tool writes: GBK, no UTF-8 flag
        if self.filename == gbk_name:
            return self.filename.encode("gbk"), self.flag_bits & ~0x800
        return real(self)

    monkeypatch.setattr(zipfile.ZipInfo, "_encodeFilenameFlags", as_windows)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(gbk_name, good)
        z.writestr("炸弹.xlsx", b"\0" * (3 * 2**20))
        z.writestr("__MACOSX/._x.xlsx", b"junk")
    monkeypatch.undo()
    client = create_app(root, now=NOW).test_client()
    r = client.post("/inbox", data={"csrf_token": token(client), "files": [(io.BytesIO(buf.getvalue()), "附件.zip")]},
                    content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert re.search(rf'data-verdict="accepted"><td>{gbk_name}<', html)
    assert re.search(r'data-verdict="refused"><td>炸弹.xlsx<', html) and "压缩比异常" in html
    assert "__MACOSX" not in html
    assert counts(client.get("/?month=2025-03").get_data(as_text=True))["reported"] == 2


def test_a_session_ends_after_its_timeout_and_with_a_new_password(root):  # noqa: ANN001
    from office.workspace import open_workspace

    ws = open_workspace(root)
    auth.set_password(ws, "密码-0123456789")
    ws.close()
    clock = Clock()
    client = create_app(root, now=NOW, session_minutes=30, clock=clock).test_client()
    r = client.get("/?month=2025-03")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    csrf = token(client, "/login")
    r = client.post("/login", data={"csrf_token": csrf, "password": "密码-0123456789", "next": "/?month=2025-03"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/?month=2025-03")
    assert client.get("/?month=2025-03").status_code == 200
    clock.t += 29 * 60
    assert client.get("/").status_code == 200  # each request keeps it alive
    clock.t += 31 * 60
    r = client.get("/")
    assert r.status_code == 302 and "expired=1" in r.headers["Location"]
    assert "登录已超时" in client.get(r.headers["Location"]).get_data(as_text=True)
    # log in again, then the password changes: the session no longer counts
    csrf = token(client, "/login")
    client.post("/login", data={"csrf_token": csrf, "password": "密码-0123456789"})
    assert client.get("/").status_code == 200
    ws = open_workspace(root)
    auth.set_password(ws, "另一个密码-9876543210")
    ws.close()
    assert client.get("/").status_code == 302
    # a POST without a session is refused before anything runs
    assert create_app(root, now=NOW).test_client().post("/actions/merge", data={"month": "2025-03"}).status_code == 400


def test_a_wrong_next_after_login_stays_on_the_site(root):  # noqa: ANN001
    from office.workspace import open_workspace

    ws = open_workspace(root)
    auth.set_password(ws, "密码-0123456789")
    ws.close()
    client = create_app(root, now=NOW).test_client()
    csrf = token(client, "/login")
    r = client.post("/login", data={"csrf_token": csrf, "password": "密码-0123456789", "next": "//evil.example/"})
    assert r.headers["Location"] == "/"


def test_fetch_is_offered_only_when_it_can_run(root):  # noqa: ANN001
    import importlib.util

    client = create_app(root, now=NOW).test_client()
    html = client.get("/actions").get_data(as_text=True)
    if importlib.util.find_spec("jobs.fetch") is None:
        assert "尚未包含从邮箱收取邮件的功能" in html and 'action="/actions/fetch"' not in html
        r = client.post("/actions/fetch", data={"csrf_token": token(client, "/actions")})
        assert r.status_code == 400 and "尚未包含" in r.get_data(as_text=True)
    else:
        assert "[mail.imap]" in html or 'action="/actions/fetch"' in html


def test_a_request_too_large_is_refused_in_chinese(root):  # noqa: ANN001
    app = create_app(root, now=NOW)
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    client = app.test_client()
    csrf = token(client)
    r = client.post("/inbox", data={"csrf_token": csrf, "files": [(io.BytesIO(b"x" * 20_000), "a.xlsx")]},
                    content_type="multipart/form-data")
    assert r.status_code == 413 and "分批上传" in r.get_data(as_text=True)


def test_the_server_refuses_what_it_cannot_do(root, tmp_path):  # noqa: ANN001
    with pytest.raises(ConfigError, match="不是 duban 工作区"):
        create_app(tmp_path / "nothing")
    check_binding(root, "127.0.0.1")  # no password needed on this computer
    with pytest.raises(DubanError, match="必须先设置密码"):
        check_binding(root, "0.0.0.0")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(DubanError, match="已被占用"):
            serve(root, "127.0.0.1", port)


def test_pages_answer_in_chinese_for_unknown_things(root):  # noqa: ANN001
    client = create_app(root, now=NOW).test_client()
    r = client.get("/unit/不存在的单位")
    assert r.status_code == 404 and "找不到" in r.get_data(as_text=True)
    r = client.get("/?month=2024-03")
    assert r.status_code == 400 and "不属于本工作区的年度" in r.get_data(as_text=True)
    r = client.get("/?month=十三月")
    assert r.status_code == 400 and "无法识别的月份" in r.get_data(as_text=True)
    r = client.get("/tasks/annual-999")
    assert r.status_code == 404
    assert client.get("/tasks?q=产业园").get_data(as_text=True).count('<tr data-task="') == 1
    assert client.get(f"/tasks?unit={U[1]}").get_data(as_text=True).count('<tr data-task="') == 2
    assert client.get("/calendar").status_code == 200


def test_forms_generated_previewed_then_sent_through_the_page(root, smtp_server):  # noqa: ANN001, F811
    from smtp_server import use_server

    use_server(root, smtp_server.port)
    client = create_app(root, now=datetime(2025, 5, 6, 9)).test_client()
    csrf = token(client, "/actions")
    html = client.post("/actions/generate", data={"csrf_token": csrf, "kind": "status", "month": "2025-04"}).get_data(as_text=True)
    assert f"已生成 {len(U)} 个单位的2025年4月落实情况表" in html
    links = re.findall(r'href="(/download/f[0-9a-f]{32})">(2025年4月_落实情况表_[^<]+\.xlsx)<', html)
    assert len(links) == len(U)
    status = client.get(links[0][0])
    assert status.status_code == 200 and status.data[:2] == b"PK"
    html = client.post("/actions/send", data={"csrf_token": csrf, "kind": "status", "month": "2025-04", "step": "preview",
                                               "units": f"{U[0]}、{U[1]}"}).get_data(as_text=True)
    assert sorted(re.findall(r'<tr data-unit="([^"]+)"><td>', html)) == sorted([U[0], U[1]])
    assert smtp_server.messages == [] and 'name="step" value="confirm"' in html
    confirm = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', html.split('id="confirm-form"', 1)[1].split("</form>", 1)[0]))
    html = client.post("/actions/send", data=confirm).get_data(as_text=True)
    assert "已发送 2 个单位" in html
    assert sorted(m.rcpt_tos[0] for m in smtp_server.messages) == ["u1@example.org", "u2@example.org"]


def test_briefings_are_built_and_downloaded_through_the_page(root):  # noqa: ANN001
    client = create_app(root, now=NOW).test_client()
    csrf = token(client, "/actions")
    for data, name in (({"scope": "month", "month": "2025-03"}, "2025年3月_为民办实事进展通报.docx"),
                       ({"scope": "quarter", "quarter": "2025Q1"}, "2025年第一季度_重点任务落实情况通报.docx")):
        html = client.post("/actions/brief", data=dict(data, csrf_token=csrf)).get_data(as_text=True)
        link = re.search(r'href="(/download/f[0-9a-f]{32})"[^>]*>下载通报（([^）]+)）', html)
        assert link and link.group(2) == name
        got = client.get(link.group(1))
        assert got.data == (root / "briefings" / name).read_bytes()
    html = client.post("/actions/brief", data={"csrf_token": csrf, "scope": "quarter", "quarter": "第五季度"}).get_data(as_text=True)
    assert "无法识别" in html


# ---------------------------------------------------------------- 完成进度, 序时进度, 已完成 and the year's jobs

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def progress_root(tmp_path) -> Path:
    """March: the lead of annual-1 reports 10% (25% 序时进度: 15 points behind, 黄), with a script as
    its 完成情况; the only unit of annual-2 reports 100% and 是 (已完成 this month)."""
    ws = make_ws(tmp_path / "ws")
    try:
        generate.run(ws, generate.Request("status", "2025-03"), datetime(2025, 4, 1, 9))
        issue(ws, "status", "2025-03", at=datetime(2025, 4, 1, 9, 5))
        give_back(ws, "status", "2025-03", U[0], {"progress": SCRIPT, "problems": "无", "next_steps": "继续",
                                                   "achieved": "是", "percent": 10}, datetime(2025, 4, 3, 10))
        give_back(ws, "status", "2025-03", U[2], {"progress": "全部完成", "problems": "无", "next_steps": "无",
                                                   "achieved": "是", "percent": "100%"}, datetime(2025, 4, 3, 11))
    finally:
        ws.close()
    return tmp_path / "ws"


def _cell(html: str, task_id: str, month: str) -> str:
    row = re.search(rf'<tr data-task="{task_id}">.*?</tr>', html, re.S).group(0)
    return re.search(rf'<td class="m" data-month="{month}"[^>]*>.*?</td>', row, re.S).group(0)


def test_home_shows_done_counts_and_the_months_schedule(progress_root):  # noqa: ANN001
    client = create_app(progress_root, now=NOW).test_client()
    html = client.get("/?month=2025-03").get_data(as_text=True)
    c = counts(html)
    assert c["done"] == 1 and c["done_new"] == 1
    assert re.search(r'id="schedule-pct">25%<', html)  # 3 of 12 months
    # April: nothing reported yet; annual-2 stays 已完成, but it is not new
    html = client.get("/?month=2025-04").get_data(as_text=True)
    assert counts(html)["done"] == 1 and counts(html)["done_new"] == 0
    assert re.search(r'id="schedule-pct">33\.3%<', html)
    # a task 已完成 stays so in later months (no report says otherwise)
    html = client.get("/?month=2025-06").get_data(as_text=True)
    assert counts(html)["done"] == 1 and re.search(r'id="schedule-pct">50%<', html)


def test_no_progress_reported_means_nothing_done(root):  # noqa: ANN001
    html = create_app(root, now=NOW).test_client().get("/?month=2025-03").get_data(as_text=True)
    assert counts(html)["done"] == 0 and counts(html)["done_new"] == 0


def test_task_pages_show_progress_gap_and_rule_with_unit_text_escaped(progress_root):  # noqa: ANN001
    client = create_app(progress_root, now=NOW).test_client()
    tasks = client.get("/tasks").get_data(as_text=True)
    behind = _cell(tasks, "annual-1", "2025-03")
    assert 'class="light y"' in behind and ">10%<" in behind
    assert "完成进度 10%，序时进度 25%（落后15个百分点）；判定依据：按完成进度对照序时进度" in behind
    done = _cell(tasks, "annual-2", "2025-03")
    assert "已完成" in done and "判定依据：已完成（销号）" in done and "2025年3月起已完成" in done
    by_yes_no = _cell(tasks, "annual-3", "2025-03")
    assert 'class="light r"' in by_yes_no and "完成进度 —" in by_yes_no and "判定依据：按是否完成阶段任务目标" in by_yes_no

    page = client.get("/tasks/annual-1").get_data(as_text=True)
    line = re.search(r'<p class="progress-line" data-month="2025-03">.*?</p>', page, re.S).group(0)
    assert re.sub(r"<[^>]+>|\s+", "", line) == "完成进度10%·序时进度25%·差距落后15个百分点判定依据：按完成进度对照序时进度"
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    page = client.get("/tasks/annual-2").get_data(as_text=True)
    assert "已完成（销号）" in page and '<td class="pct">100%</td>' in page

    unit = client.get(f"/unit/{U[0]}?month=2025-03").get_data(as_text=True)
    assert SCRIPT not in unit and "&lt;script&gt;alert(1)&lt;/script&gt;" in unit
    row = re.search(r'<tr data-task="annual-1">.*?</tr>', unit, re.S).group(0)
    assert ">10%</td>" in row and '<div class="gap">落后15个百分点</div>' in row
    assert "判定依据：按完成进度对照序时进度" in row
    co = client.get(f"/unit/{U[1]}?month=2025-03").get_data(as_text=True)  # the co-unit sees the task's light too
    assert '<div class="gap">落后15个百分点</div>' in re.search(r'<tr data-task="annual-1">.*?</tr>', co, re.S).group(0)


def test_the_years_tracker_briefings_and_score_through_the_page(progress_root):  # noqa: ANN001
    client = create_app(progress_root, now=NOW).test_client()
    csrf = token(client, "/actions")
    page = client.get("/actions").get_data(as_text=True)
    assert all(f'id="{f}"' in page for f in ("merge-year-form", "brief-year-form", "brief-done-form", "score-form"))
    for url, data, label, folder, name in (
            ("/actions/merge", {"scope": "year"}, "下载台账", "trackers", "2025年_全年台账.xlsx"),
            ("/actions/brief", {"scope": "year"}, "下载通报", "briefings", "2025年度_重点任务落实情况通报.docx"),
            ("/actions/brief", {"scope": "done", "month": ""}, "下载通报", "briefings", "2025年3月_完成事项通报.docx"),
            ("/actions/score", {}, "下载考核评分表", "trackers", "2025年_考核评分.xlsx")):
        html = client.post(url, data=dict(data, csrf_token=csrf)).get_data(as_text=True)
        link = re.search(rf'href="(/download/f[0-9a-f]{{32}})"[^>]*>{label}（([^）]+)）', html)
        assert link and link.group(2) == name, (url, data, re.search(r'id="result-summary">(.*?)<', html, re.S))
        got = client.get(link.group(1))
        assert got.status_code == 200 and got.data == (progress_root / folder / name).read_bytes()
    # the completion was announced once: a second 完成事项通报 has nothing new and no file
    html = client.post("/actions/brief", data={"csrf_token": csrf, "scope": "done", "month": "2025-03"}).get_data(as_text=True)
    assert "下载通报" not in html and 'id="result-summary"' in html
