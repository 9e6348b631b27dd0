"""The clerk's page in a real headless Chromium, served by ``run.py web`` on a copy of the demo workspace.

Facts the page must show are worked out here from the ledger with SQL of the test's own
and from the bundled registry CSV, not through the code that builds the page.
"""

from __future__ import annotations

import base64
import csv
import email
import hashlib
import io
import os
import re
import shutil
import sqlite3
import subprocess
import time
import zipfile
from datetime import date, datetime
from email import policy
from pathlib import Path
from typing import Callable
from urllib.parse import quote

import openpyxl
import pytest

from browser import browser, free_port, run_web, start_site  # noqa: F401  (the fixture must be imported)
from fill import fill_form, form_sheet, locate
from smtp_server import smtp_server, use_server  # noqa: F401

pytest.importorskip("selenium")
from selenium.common.exceptions import NoAlertPresentException, WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOW = "2025-04-15T09:00"
PERIOD = "2025-03"
DEADLINE = date(2025, 4, 8)  # 5th working day of April 2025 (清明 on 4 April)
REGISTRY_CSV = ROOT / "config" / "units_shizhong.csv"
SCRIPT = "<script>alert(1)</script>"
IMG = '<img src="x" onerror="window.__xss=1">'


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    from datetime import datetime

    from jobs import demo as demo_job

    root = tmp_path_factory.mktemp("webdemo") / "demo-ws"
    demo_job.run(None, demo_job.Request(root), datetime(2025, 4, 15, 9))
    return root


@pytest.fixture
def ws_root(demo, tmp_path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(demo, root)
    return root


@pytest.fixture
def site(ws_root):  # noqa: ANN001, ANN201
    s = start_site(ws_root, now=NOW)
    try:
        yield s
    finally:
        s.stop()


# ---------------------------------------------------------------- independent facts


def ledger_facts(root: Path) -> dict:
    """应报/已报/迟报/未报 of March from the ledger's own tables."""
    con = sqlite3.connect(root / "duban.db")
    try:
        asked = {r[0] for r in con.execute("SELECT unit FROM generated WHERE kind='status' AND period=?", (PERIOD,))}
        first: dict[str, datetime] = {}
        for unit, at in con.execute("SELECT unit, received_at FROM files WHERE kind='status' AND period=? "
                                    "AND verdict IN ('accepted','superseded')", (PERIOD,)):
            t = datetime.fromisoformat(at)
            first[unit] = min(first.get(unit, t), t)
    finally:
        con.close()
    late = {u for u, t in first.items() if t.date() > DEADLINE}
    return {"units": asked, "reported": set(first), "late": late, "on_time": set(first) - late,
            "missing": asked - set(first)}


def registry_emails() -> dict[str, list[str]]:
    with open(REGISTRY_CSV, encoding="utf-8", newline="") as fh:
        return {r["单位名称"]: [e for e in r["邮箱"].split(";") if e] for r in csv.DictReader(fh)}


def status_form(root: Path, unit: str) -> Path:
    return next(p for p in (root / "outbox" / PERIOD).glob("*.xlsx") if p.stem.endswith("_" + unit))


def filled_return(root: Path, unit: str, dst: Path, progress: str = "已完成本月工作", problems: str = "无") -> Path:
    src = status_form(root, unit)
    _, rows, _ = locate(form_sheet(openpyxl.load_workbook(src)))
    values = {tid: {"progress": progress, "problems": problems, "next_steps": "继续推进", "achieved": "是"} for tid in rows}
    dst.parent.mkdir(parents=True, exist_ok=True)
    return fill_form(src, dst, values)


# ---------------------------------------------------------------- page helpers


def wait(driver, seconds: float = 30) -> WebDriverWait:  # noqa: ANN001
    return WebDriverWait(driver, seconds)


def open_page(chrome, url: str):  # noqa: ANN001, ANN201
    d = chrome.driver
    d.get(url)
    wait(d).until(lambda drv: drv.execute_script("return document.readyState") == "complete")
    return d


def count(d, key: str) -> int:  # noqa: ANN001
    return int(d.find_element(By.ID, f"count-{key}").text)


def board(d) -> dict[str, tuple[str, str]]:  # noqa: ANN001
    """unit -> (state, label) as the board shows it."""
    out = {}
    for tr in d.find_elements(By.CSS_SELECTOR, "#board tbody tr"):
        out[tr.get_attribute("data-unit")] = (tr.get_attribute("data-state"), tr.find_element(By.CSS_SELECTOR, ".badge").text)
    return out


def _gone(element) -> Callable:  # noqa: ANN001
    """The page holding ``element`` has been replaced. Chromium reports a node of a document
    being torn down either as stale or as "Node ... does not belong to the document"."""
    def check(driver) -> bool:  # noqa: ANN001
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException included
            return True
        return False
    return check


def submit_and_wait(d, button) -> None:  # noqa: ANN001
    old = d.find_element(By.TAG_NAME, "html")
    button.click()
    wait(d, 60).until(_gone(old))
    wait(d).until(lambda drv: drv.execute_script("return document.readyState") == "complete")


# ---------------------------------------------------------------- tests


def test_home_shows_the_months_counts_and_board(browser, site, ws_root):  # noqa: ANN001, F811
    facts = ledger_facts(ws_root)
    assert facts["missing"] and facts["late"], "the demo has units missing and late"
    d = open_page(browser, site.url + f"?month={PERIOD}")
    assert d.find_element(By.ID, "month-title").text == "2025年3月落实情况"
    assert "2025年4月8日" in d.find_element(By.ID, "deadline").text
    assert count(d, "units") == len(facts["units"])
    assert count(d, "reported") == len(facts["reported"])
    assert count(d, "on_time") == len(facts["on_time"])
    assert count(d, "late") == len(facts["late"])
    assert count(d, "missing") == len(facts["missing"])
    assert count(d, "pending") == 0 and count(d, "not_issued") == 0
    shown = board(d)
    assert set(shown) == facts["units"]
    assert {u for u, (s, _) in shown.items() if s == "missing"} == facts["missing"]
    assert {u for u, (s, _) in shown.items() if s == "late"} == facts["late"]
    assert all(label == "未报" for u, (s, label) in shown.items() if s == "missing")
    assert all(re.fullmatch(r"迟报 \d+ 个工作日", label) for u, (s, label) in shown.items() if s == "late")
    # official order: the registry's 排序
    order = list(registry_emails())
    listed = [tr.get_attribute("data-unit") for tr in d.find_elements(By.CSS_SELECTOR, "#board tbody tr")]
    assert listed == [u for u in order if u in facts["units"]]
    # findings by kind: one 未报 and one 迟报 per such unit
    kinds = {tr.get_attribute("data-kind"): int(tr.find_element(By.CSS_SELECTOR, "td").text)
             for tr in d.find_elements(By.CSS_SELECTOR, "#finding-kinds tr")}
    assert kinds["missing"] == len(facts["missing"]) and kinds["late"] == len(facts["late"])
    # the month switch
    d.find_element(By.LINK_TEXT, "2月").click()
    wait(d).until(EC.text_to_be_present_in_element((By.ID, "month-title"), "2025年2月"))


def march_percents(root: Path) -> dict[str, set[float]]:
    """task id -> the 完成进度 numbers the units' accepted March returns hold, from the ledger's own tables."""
    con = sqlite3.connect(root / "duban.db")
    try:
        got: dict[str, set[float]] = {}
        for tid, value in con.execute(
                "SELECT e.task_id, json_extract(e.vals, '$.percent') FROM files f JOIN entries e "
                "ON e.sha256 = f.sha256 AND e.unit = f.unit WHERE f.kind = 'status' AND f.period = ? "
                "AND f.verdict = 'accepted'", (PERIOD,)):
            if isinstance(value, (int, float)):
                got.setdefault(tid, set()).add(float(value))
    finally:
        con.close()
    return got


def test_home_and_tasks_show_schedule_progress_and_done(browser, site, ws_root):  # noqa: ANN001, F811
    d = open_page(browser, site.url + f"?month={PERIOD}")
    assert d.find_element(By.ID, "schedule-pct").text == "25%"  # the end of March: 3 of 12 months
    done, done_new = count(d, "done"), int(d.find_element(By.ID, "count-done_new").text)
    assert 0 <= done_new <= done
    d = open_page(browser, site.url + "tasks")
    cells = d.find_elements(By.CSS_SELECTOR, f'#tasks tr[data-task] td[data-month="{PERIOD}"]')
    assert len(cells) == len(d.find_elements(By.CSS_SELECTOR, "#tasks tbody tr"))
    assert sum(1 for c in cells if c.find_elements(By.CSS_SELECTOR, ".done-mark")) == done
    reported = march_percents(ws_root)
    checked = 0
    for c in cells:
        title = c.get_attribute("title")
        m = re.match(r"完成进度 ([\d.]+)%，序时进度 ([\d.]+)%（(落后|超前)([\d.]+)个百分点）", title)
        if not m or c.find_elements(By.CSS_SELECTOR, ".done-mark"):
            continue
        tid = c.find_element(By.XPATH, "..").get_attribute("data-task")
        pct, sched, sign, gap = float(m.group(1)), float(m.group(2)), m.group(3), float(m.group(4))
        assert pct in reported[tid], (tid, pct, reported.get(tid))  # a lead's own number
        assert round(sched - pct, 1) == (gap if sign == "落后" else -gap)
        assert "判定依据：按完成进度对照序时进度" in title and c.find_element(By.CSS_SELECTOR, ".pct").text == f"{pct:g}%"
        checked += 1
    assert checked >= 20, "the demo fills 完成进度 for most tasks"


def test_a_unit_page_shows_returns_findings_and_mail(browser, site, ws_root):  # noqa: ANN001, F811
    facts = ledger_facts(ws_root)
    late_unit = sorted(facts["late"])[0]
    d = open_page(browser, site.url + f"?month={PERIOD}")
    d.find_element(By.LINK_TEXT, late_unit).click()
    wait(d).until(EC.text_to_be_present_in_element((By.ID, "unit-name"), late_unit))
    assert d.find_element(By.ID, "unit-state").text.startswith("迟报")
    kinds = [tr.get_attribute("data-kind") for tr in d.find_elements(By.CSS_SELECTOR, "#unit-findings tbody tr")]
    assert "late" in kinds
    files = d.find_elements(By.CSS_SELECTOR, "#unit-files tbody tr")
    assert files and any("已接收" in tr.text for tr in files)
    mail = d.find_element(By.ID, "unit-mail").text
    assert "已登记下发" in mail  # the demo records its forms as delivered by other means
    # the archived original downloads by id and is the very file
    link = d.find_element(By.CSS_SELECTOR, "#unit-files a.download").get_attribute("href")
    ident = link.rsplit("/", 1)[1]
    status, body, headers = site.get(f"/download/{ident}")
    assert status == 200 and hashlib.sha256(body).hexdigest() == ident[1:]
    assert "attachment" in headers.get("Content-Disposition", "")


def test_upload_two_returns_accepted_and_the_board_changes(browser, site, ws_root, tmp_path):  # noqa: ANN001, F811
    before = ledger_facts(ws_root)
    u1, u2 = sorted(before["missing"])[:2]
    f1 = filled_return(ws_root, u1, tmp_path / "up" / f"{u1}3月.xlsx")
    f2 = filled_return(ws_root, u2, tmp_path / "up" / "3月报表（终版）.xlsx")  # a name that says nothing
    d = open_page(browser, site.url + "inbox")
    d.find_element(By.ID, "files").send_keys(f"{f1}\n{f2}")
    submit_and_wait(d, d.find_element(By.ID, "upload-button"))
    rows = d.find_elements(By.CSS_SELECTOR, "#verdicts tbody tr")
    got = {tr.find_elements(By.TAG_NAME, "td")[0].text: (tr.get_attribute("data-verdict"), tr.find_elements(By.TAG_NAME, "td")[2].text)
           for tr in rows}
    assert got == {f1.name: ("accepted", u1), f2.name: ("accepted", u2)}
    assert "接收 2 个" in d.find_element(By.ID, "collect-summary").text
    # written atomically into inbox/ and collected: nothing left there, both originals archived
    assert not list((ws_root / "inbox" / "网页上传").rglob("*.xlsx"))
    after = ledger_facts(ws_root)
    assert after["reported"] == before["reported"] | {u1, u2}
    d.find_element(By.LINK_TEXT, "本月").click()
    wait(d).until(EC.presence_of_element_located((By.ID, "board")))
    assert count(d, "missing") == len(before["missing"]) - 2
    assert count(d, "reported") == len(before["reported"]) + 2
    shown = board(d)
    for u in (u1, u2):  # received on 15 April: 5 working days after 8 April
        assert shown[u] == ("late", "迟报 5 个工作日")


def test_dropping_a_zip_of_returns_collects_them(browser, site, ws_root, tmp_path):  # noqa: ANN001, F811
    before = ledger_facts(ws_root)
    unit = sorted(before["missing"])[-1]
    wb = filled_return(ws_root, unit, tmp_path / "z" / f"{unit}.xlsx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"附件/{unit}3月落实情况表.xlsx", wb.read_bytes())
        z.writestr("说明.txt", "请查收".encode("utf-8"))
    d = open_page(browser, site.url + "inbox")
    d.execute_script("""
        const bytes = Uint8Array.from(atob(arguments[0]), c => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes], "三月报表.zip", {type: "application/zip"}));
        const zone = document.getElementById("dropzone");
        zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
    """, base64.b64encode(buf.getvalue()).decode())
    assert "三月报表.zip" in d.find_element(By.ID, "chosen").text
    submit_and_wait(d, d.find_element(By.ID, "upload-button"))
    verdicts = {tr.find_elements(By.TAG_NAME, "td")[0].text.split("\n")[0]: tr.get_attribute("data-verdict")
                for tr in d.find_elements(By.CSS_SELECTOR, "#verdicts tbody tr")}
    assert verdicts[f"附件/{unit}3月落实情况表.xlsx"] == "accepted"
    assert verdicts["说明.txt"] == "rejected"  # collect's own check: not a workbook
    assert unit in ledger_facts(ws_root)["reported"]


def test_a_units_script_text_is_inert(browser, site, ws_root, tmp_path):  # noqa: ANN001, F811
    unit = sorted(ledger_facts(ws_root)["missing"])[0]
    f = filled_return(ws_root, unit, tmp_path / "x" / f"{unit}.xlsx", progress=SCRIPT, problems=IMG)
    d = open_page(browser, site.url + "inbox")
    d.find_element(By.ID, "files").send_keys(str(f))
    submit_and_wait(d, d.find_element(By.ID, "upload-button"))
    assert d.find_element(By.CSS_SELECTOR, "#verdicts tbody tr").get_attribute("data-verdict") == "accepted"
    open_page(browser, site.url + f"unit/{unit}?month={PERIOD}")
    time.sleep(0.5)
    with pytest.raises(NoAlertPresentException):
        d.switch_to.alert.text  # noqa: B018
    cells = d.find_elements(By.CSS_SELECTOR, "#lines td.progress")
    assert cells and all(c.text == SCRIPT for c in cells)
    assert IMG in d.find_element(By.ID, "lines").text
    assert d.execute_script("return window.__xss") is None
    assert not [s for s in d.find_elements(By.TAG_NAME, "script") if "alert" in (s.get_attribute("innerHTML") or "")]
    assert not d.find_elements(By.CSS_SELECTOR, "#lines img")
    status, body, headers = site.get(f"/unit/{quote(unit)}?month={PERIOD}")
    html = body.decode("utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and SCRIPT not in html
    assert "script-src 'self'" in headers["Content-Security-Policy"]


def test_reminders_previewed_then_sent_to_the_smtp_server(browser, ws_root, smtp_server):  # noqa: ANN001, F811
    use_server(ws_root, smtp_server.port)
    missing = ledger_facts(ws_root)["missing"]
    emails = registry_emails()
    s = start_site(ws_root, now=NOW)
    try:
        d = open_page(browser, s.url + "actions")
        Select(d.find_element(By.CSS_SELECTOR, "#remind-form select[name=month]")).select_by_value(PERIOD)
        submit_and_wait(d, d.find_element(By.ID, "remind-preview"))
        rows = d.find_elements(By.CSS_SELECTOR, "#preview tbody tr")
        preview = {tr.get_attribute("data-unit"): tr.find_elements(By.TAG_NAME, "td") for tr in rows}
        assert set(preview) == missing
        for unit, tds in preview.items():
            assert tds[1].text.split("、") == emails[unit]
            assert "催报" in tds[2].text and unit in tds[2].text
            assert "落实情况表" in tds[3].text
        assert smtp_server.messages == []  # a preview sends nothing
        submit_and_wait(d, d.find_element(By.ID, "confirm-button"))
        assert f"已发送 {len(missing)} 个单位" in d.find_element(By.ID, "result-summary").text
    finally:
        s.stop()
    got = {}
    for m in smtp_server.messages:
        msg = email.message_from_bytes(m.content, policy=policy.default)
        got[tuple(m.rcpt_tos)] = str(msg["Subject"])
    assert sorted(got) == sorted(tuple(emails[u]) for u in missing)
    assert all("催报" in subject for subject in got.values())


def test_the_tracker_is_built_downloaded_and_opens(browser, site, ws_root):  # noqa: ANN001, F811
    facts = ledger_facts(ws_root)
    for old in browser.downloads.iterdir():
        old.unlink()
    d = open_page(browser, site.url + "actions")
    Select(d.find_element(By.CSS_SELECTOR, "#merge-form select[name=month]")).select_by_value(PERIOD)
    submit_and_wait(d, d.find_element(By.ID, "merge-button"))
    assert "台账已生成" in d.find_element(By.ID, "result-summary").text
    link = d.find_element(By.ID, "download-1")
    assert "2025年3月_台账.xlsx" in link.text
    link.click()
    deadline = time.monotonic() + 30
    got: list[Path] = []
    while time.monotonic() < deadline:
        got = [p for p in browser.downloads.iterdir() if p.suffix == ".xlsx"]
        if got and not list(browser.downloads.glob("*.crdownload")):
            break
        time.sleep(0.2)
    assert len(got) == 1 and got[0].name == "2025年3月_台账.xlsx"
    wb = openpyxl.load_workbook(got[0], read_only=True)
    rows = list(wb["报送情况"].iter_rows(values_only=True))
    column = rows[0].index("3月")
    state = {r[0]: r[column] for r in rows[1:] if r[0]}
    assert {u for u, v in state.items() if v == "未报"} == facts["missing"]
    assert {u for u, v in state.items() if str(v).startswith("迟报")} == facts["late"]
    assert got[0].read_bytes() == (ws_root / "trackers" / "2025年3月_台账.xlsx").read_bytes()


def test_a_post_without_the_csrf_token_is_refused(browser, site, ws_root):  # noqa: ANN001, F811
    tracker = ws_root / "trackers" / "2025年3月_台账.xlsx"
    stamp = tracker.stat().st_mtime_ns
    d = open_page(browser, site.url + "actions")
    d.execute_script("document.querySelector('#merge-form input[name=csrf_token]').remove()")
    submit_and_wait(d, d.find_element(By.ID, "merge-button"))
    assert d.find_element(By.TAG_NAME, "h1").text == "请求已拒绝"
    assert "安全令牌" in d.find_element(By.ID, "error-message").text
    assert tracker.stat().st_mtime_ns == stamp  # nothing ran
    # without the browser's session at all, and with a wrong token
    status, body, _ = site.get("/actions/merge", data=f"month={PERIOD}".encode(),
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400 and "安全令牌" in body.decode("utf-8")
    status, _, _ = site.get("/actions/merge", data=f"month={PERIOD}&csrf_token=forged".encode(),
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 400
    assert tracker.stat().st_mtime_ns == stamp


def test_downloads_only_by_id_from_the_four_folders(site, ws_root):  # noqa: ANN001
    for path in ("/download/..%2F..%2Fduban.toml", "/download/duban.db", "/download/a" + "0" * 64,
                 "/download/f" + "0" * 32, "/download/%2Fetc%2Fpasswd"):
        status, body, _ = site.get(path)
        assert status == 404, path
        assert b"[mail]" not in body and b"SQLite" not in body
    status, _, _ = site.get("/", headers={"Host": f"attacker.example:{site.port}"})
    assert status == 421  # a DNS name pointing at 127.0.0.1 does not reach the page


def test_a_running_job_shows_and_the_page_waits_then_says_so(browser, site, ws_root):  # noqa: ANN001, F811
    sleeper = subprocess.Popen(["sleep", "60"])
    lock = ws_root / ".duban.lock"
    try:
        lock.write_text(str(sleeper.pid))
        d = open_page(browser, site.url)
        assert "正在运行" in d.find_element(By.ID, "busy").text and str(sleeper.pid) in d.find_element(By.ID, "busy").text
        stamp = (ws_root / "trackers" / "2025年3月_台账.xlsx").stat().st_mtime_ns
        d = open_page(browser, site.url + "actions")
        started = time.monotonic()
        submit_and_wait(d, d.find_element(By.ID, "merge-button"))
        assert time.monotonic() - started >= 5  # it waited for the job
        assert d.find_element(By.TAG_NAME, "h1").text == "正在运行"
        assert str(sleeper.pid) in d.find_element(By.ID, "error-message").text
        assert (ws_root / "trackers" / "2025年3月_台账.xlsx").stat().st_mtime_ns == stamp
    finally:
        lock.unlink(missing_ok=True)
        sleeper.kill()
        sleeper.wait()
    d = open_page(browser, site.url)
    assert not d.find_elements(By.ID, "busy")


def test_another_address_needs_a_password(browser, ws_root):  # noqa: ANN001, F811
    port = free_port()
    r = run_web("-w", str(ws_root), "--host", "0.0.0.0", "--port", str(port))
    assert r.returncode == 2
    assert "必须先设置密码" in r.stderr and "--set-password" in r.stderr and "Traceback" not in r.stderr
    r = run_web("-w", str(ws_root), "--set-password", stdin="short\n")
    assert r.returncode == 2 and "密码太短" in r.stderr
    secret = "督办-correct-horse"
    r = run_web("-w", str(ws_root), "--set-password", stdin=secret + "\n")
    assert r.returncode == 0, r.stderr
    con = sqlite3.connect(ws_root / "duban.db")
    stored = con.execute("SELECT value FROM meta WHERE key='web_password'").fetchone()[0]
    con.close()
    assert stored.startswith(("scrypt:", "pbkdf2:")) and secret not in stored
    s = start_site(ws_root, now=NOW, host="0.0.0.0")
    try:
        d = open_page(browser, s.url + f"?month={PERIOD}")
        assert "/login" in d.current_url
        d.find_element(By.ID, "password").send_keys("wrong password")
        submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        assert d.find_element(By.ID, "login-error").text == "密码不正确。"
        d.find_element(By.ID, "password").send_keys(secret)
        submit_and_wait(d, d.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        assert d.find_element(By.ID, "month-title").text == "2025年3月落实情况"
        assert count(d, "missing") == len(ledger_facts(ws_root)["missing"])
        status, body, _ = s.get(f"/?month={PERIOD}")  # no session: the login page, no data
        assert status == 200 and "登录" in body.decode("utf-8") and "count-missing" not in body.decode("utf-8")
    finally:
        s.stop()
        browser.driver.delete_all_cookies()


def test_home_screenshot(browser, site, tmp_path):  # noqa: ANN001, F811
    from PIL import Image

    d = browser.driver
    d.set_window_size(1280, 1000)
    try:
        open_page(browser, site.url + f"?month={PERIOD}")
        shot = tmp_path / "home.png"
        assert d.save_screenshot(str(shot))
    finally:
        d.set_window_size(1400, 1000)
    img = Image.open(shot).convert("RGB")
    assert img.width >= 1200 and img.height >= 700
    colours = img.getcolors(maxcolors=1 << 20) or []
    assert len(colours) > 100  # a drawn page (text in several colours), not a blank one
    red_header = img.getpixel((5, 5))
    assert red_header[0] > 100 and red_header[1] < 60  # the page's own stylesheet was loaded
    if os.environ.get("DUBAN_UPDATE_SCREENSHOT"):
        target = ROOT / "docs" / "home.png"
        target.parent.mkdir(exist_ok=True)
        img.quantize(colors=96, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
