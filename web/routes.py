"""The pages: 本月, 单位, 收件, 操作, 任务, 日历, downloads and the login."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from flask.typing import ResponseReturnValue
from flask import Blueprint, abort, current_app, g, redirect, render_template, request, send_file, session, url_for

from office.errors import DubanError
from office.ledger.views import recent_files, status_periods, unit_files, unit_mail
from office.model import KIND_LABELS, Report
from office.month import FIELD_LABELS, FINDING_LABELS, build_month
from office.progress import percent_shown
from office.workdays import year_deadlines
from office.workspace import Workspace
from web import actions, auth, files
from web.context import current_now, current_ws
from web.board import (build_board, cn_day, default_period, light_of, month_label, month_statuses, pick_period,
                       task_matches, unit_lines)
from web.busy import lock_holder
from web.mailview import read_preview
from web.uploads import MAX_FILE_BYTES, MAX_FILES, save_uploads

bp = Blueprint("web", __name__)

NAV = (("web.home", "本月"), ("web.inbox", "收件"), ("web.actions_page", "操作"), ("web.tasks", "任务"),
       ("web.calendar", "日历"))
VERDICTS = {"accepted": "已接收", "superseded": "已被新版本替代", "rejected": "退回", "duplicate": "重复（已收到过）",
            "waiting": "等待", "refused": "未接收"}
STAGES = {"send": "下发", "notice": "告知", "remind": "提醒", "overdue": "催报", "receipt": "回执"}
MAIL_STATUS = {"sent": "已发送", "failed": "发送失败", "sending": "待确认"}
FORM_KINDS = {"plan": "年度落实计划表", "status": "月度落实情况表"}
TASK_LIMIT = 200
FINDINGS_SHOWN = 20  # per kind on the home page; the rest on /findings


def _file_key() -> bytes:
    return current_app.config["DUBAN_FILE_KEY"]


def download_id(path: str | Path | None) -> str | None:
    return files.file_id(current_ws(), _file_key(), path)


@bp.app_context_processor
def _page_globals() -> dict:
    out: dict = {"nav": NAV, "office_name": "", "year": "", "busy_pid": None, "login_required": False,
                 "logged_in": False, "download_id": download_id, "archive_id": files.archive_id,
                 "finding_labels": FINDING_LABELS, "kind_labels": KIND_LABELS, "field_labels": FIELD_LABELS,
                 "verdicts": VERDICTS, "stages": STAGES, "mail_status": MAIL_STATUS, "form_kinds": FORM_KINDS,
                 "month_label": month_label, "value_text": percent_shown}
    try:
        ws = current_ws()
        out.update(office_name=ws.settings.office, year=ws.settings.year, busy_pid=lock_holder(ws.root),
                   login_required=g.get("login_required", False), logged_in=g.get("logged_in", False))
    except DubanError:
        pass
    return out


def _months(ws: Workspace) -> list[dict]:
    periods = status_periods(ws.ledger)
    year = ws.settings.year
    out = []
    for m in range(1, 13):
        p = f"{year}-{m:02d}"
        out.append({"period": p, "label": f"{m}月", "issued": p in periods.issued or p in periods.returned,
                    "generated": p in periods.generated})
    return out


# ---------------------------------------------------------------- 本月


@bp.get("/")
def home() -> ResponseReturnValue:
    ws = current_ws()
    now = current_now()
    period = pick_period(ws, request.args.get("month"), now)
    board, _ = build_board(ws, period, now)
    return render_template("home.html", board=board, months=_months(ws), now=now, active="web.home",
                           unit_url=_unit_urls(period), shown=FINDINGS_SHOWN)


def _unit_urls(period: str) -> Callable[[str], str]:
    """unit -> its page for the month: one url_for, then the name quoted in (a board has hundreds)."""
    pattern = url_for("web.unit", name="UNIT", month=period)
    head, tail = pattern.split("UNIT", 1)
    return lambda unit: f"{head}{quote(unit, safe='')}{tail}"


@bp.get("/findings")
def findings() -> ResponseReturnValue:
    ws = current_ws()
    now = current_now()
    period = pick_period(ws, request.args.get("month"), now)
    kind = request.args.get("kind", "")
    if kind and kind not in FINDING_LABELS:
        abort(404)
    board, _ = build_board(ws, period, now)
    groups = [g for g in board.findings if not kind or g.kind == kind]
    return render_template("findings.html", board=board, groups=groups, kind=kind, months=_months(ws),
                           unit_url=_unit_urls(period), active="web.home")


@bp.get("/unit/<path:name>")
def unit(name: str) -> ResponseReturnValue:
    ws = current_ws()
    now = current_now()
    period = pick_period(ws, request.args.get("month"), now)
    board, data = build_board(ws, period, now)
    canonical = ws.registry.canonical(name) or name
    row = next((r for r in board.rows if r.unit == canonical), None)
    record = ws.registry.get(canonical)
    if row is None and record is None:
        abort(404)
    findings = [f for f in data.findings if f.unit == canonical]
    return render_template("unit.html", unit=canonical, record=record, row=row, board=board, months=_months(ws),
                           findings=findings, lines=unit_lines(data, canonical), files=unit_files(ws.ledger, canonical),
                           mail=unit_mail(ws.ledger, canonical), active="web.home")


# ---------------------------------------------------------------- 收件


def _outcomes(report: Report) -> dict[str, dict]:
    """inbox-relative file -> {verdict, reason, unit, kind, period} from a collect report."""
    out: dict[str, dict] = {}
    for verdict in ("accepted", "rejected", "duplicates", "waiting"):
        for item in report.data.get(verdict, []):
            key = "duplicate" if verdict == "duplicates" else verdict
            out[str(item.get("file", ""))] = dict(item, verdict=key)
    return out


@bp.get("/inbox")
def inbox() -> ResponseReturnValue:
    ws = current_ws()
    return render_template("inbox.html", recent=recent_files(ws.ledger, 40), result=None, active="web.inbox",
                           max_files=MAX_FILES, max_mb=MAX_FILE_BYTES // 2**20)


@bp.post("/inbox")
def upload() -> ResponseReturnValue:
    ws = current_ws()
    now = current_now()
    sent = [(f.filename or "", f.stream) for f in request.files.getlist("files") if f.filename]
    if not sent:
        raise DubanError("没有选择文件。请把文件拖到框中，或点“选择文件”后再上传。")
    batch = save_uploads(ws.folder("inbox"), sent, now, ws.settings.settle_seconds)
    report = None
    rows = []
    others = []
    if batch.written:
        report = actions.collect(ws, now=now)
        got = _outcomes(report)
        for saved in batch.files:
            if not saved.rel:
                rows.append({"name": saved.name, "source": saved.source, "verdict": "refused", "reason": saved.reason})
                continue
            o = got.pop(saved.rel, None) or {"verdict": "waiting", "reason": "本次收集没有处理这个文件，请稍后在本页刷新查看。"}
            rows.append(dict(o, name=saved.name, source=saved.source))
        others = [dict(o, name=f) for f, o in got.items()]
        for folder in (batch.folder, batch.folder.parent if batch.folder else None):
            try:
                if folder is not None:
                    folder.rmdir()  # emptied by collect (files still waiting keep it)
            except OSError:
                pass
    else:
        rows = [{"name": s.name, "source": s.source, "verdict": "refused", "reason": s.reason} for s in batch.files]
    return render_template("inbox.html", recent=recent_files(ws.ledger, 40), active="web.inbox", max_files=MAX_FILES,
                           max_mb=MAX_FILE_BYTES // 2**20,
                           result={"rows": rows, "others": others, "report": report})


# ---------------------------------------------------------------- 操作


def _actions_page(ws: Workspace, now: datetime, **extra: object) -> ResponseReturnValue:
    period = extra.pop("period", None) or default_period(ws, now)
    ok, why = actions.fetch_available(ws)
    q = (int(period[5:]) - 1) // 3 + 1
    status = extra.pop("status", 200)
    return render_template("actions.html", months=_months(ws), period=period, quarter=f"{ws.settings.year}Q{q}",
                           fetch_ok=ok, fetch_why=why, active="web.actions_page", **extra), status


@bp.get("/actions")
def actions_page() -> ResponseReturnValue:
    ws = current_ws()
    return _actions_page(ws, current_now())


def _month_arg(ws: Workspace) -> str:
    month = request.form.get("month", "")
    return pick_period(ws, month, current_now()) if month else ""


def _result(report: Report, action: str) -> dict:
    """What the page shows of a job's report: summary, warnings, links to its files."""
    d = report.data
    links = []
    for key, label in (("tracker", "下载台账"), ("briefing", "下载通报"), ("score_book", "下载考核评分表")):
        if d.get(key):
            links.append({"label": f"{label}（{Path(d[key]).name}）", "id": download_id(d[key])})
    forms = [{"unit": f["unit"], "name": Path(f["file"]).name, "id": download_id(f["file"])} for f in d.get("files", [])
             if isinstance(f, dict) and f.get("file")]
    previews = []
    for p in d.get("preview", []) or []:
        mail = read_preview(p["eml"]) if p.get("eml") else None
        previews.append({"unit": p["unit"], "to": p.get("to", []), "files": [Path(x).name for x in p.get("files", [])],
                         "subject": mail.subject if mail else "", "body": mail.body if mail else "",
                         "eml": download_id(p.get("eml"))})
    return {"action": action, "summary": report.summary, "ok": report.ok, "warnings": report.warnings, "links": links,
            "forms": forms, "previews": previews, "sent": d.get("sent", []) if not d.get("dry_run") else [],
            "failed": d.get("failed", []), "skipped": d.get("skipped", []), "stage": d.get("stage"),
            "dry_run": bool(d.get("dry_run"))}


@bp.post("/actions/generate")
def do_generate() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    kind = request.form.get("kind", "status")
    if kind not in FORM_KINDS:
        abort(400)
    month = _month_arg(ws)
    report = actions.generate(ws, kind, month or None, now=now)
    return _actions_page(ws, now, period=month or None, result=_result(report, "generate"))


def _unit_list(text: str) -> list[str]:
    return [u for u in text.replace("，", " ").replace(",", " ").replace("、", " ").split() if u]


@bp.post("/actions/send")
def do_send() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    kind = request.form.get("kind", "status")
    if kind not in FORM_KINDS:
        abort(400)
    month = _month_arg(ws)
    units_text = request.form.get("units", "").strip()
    confirm = request.form.get("step") == "confirm"
    report = actions.send(ws, kind, month or None, now=now, dry_run=not confirm, units=_unit_list(units_text))
    result = _result(report, "send")
    if not confirm:
        result["confirm"] = {"kind": kind, "month": month, "units": units_text}
    return _actions_page(ws, now, period=month or None, result=result)


@bp.post("/actions/remind")
def do_remind() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    month = _month_arg(ws)
    if not month:
        raise DubanError("请选择月份。")
    confirm = request.form.get("step") == "confirm"
    report = actions.remind(ws, month, now=now, dry_run=not confirm)
    result = _result(report, "remind")
    if not confirm and result["previews"]:
        result["confirm"] = {"month": month}
    return _actions_page(ws, now, period=month, result=result)


@bp.post("/actions/collect")
def do_collect() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    report = actions.collect(ws, now=now)
    result = _result(report, "collect")
    result["outcomes"] = [dict(o, name=f) for f, o in _outcomes(report).items()]
    return _actions_page(ws, now, result=result)


@bp.post("/actions/fetch")
def do_fetch() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    ok, why = actions.fetch_available(ws)
    if not ok:
        raise DubanError(why)
    report = actions.fetch(ws, now=now)
    result = _result(report, "fetch")
    result["outcomes"] = [dict(o, name=f) for f, o in _outcomes(report).items()]
    return _actions_page(ws, now, result=result)


@bp.post("/actions/merge")
def do_merge() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    if request.form.get("scope") == "year":
        report = actions.merge(ws, year=ws.settings.year, now=now)
        return _actions_page(ws, now, result=_result(report, "merge"))
    month = _month_arg(ws)
    if not month:
        raise DubanError("请选择月份。")
    report = actions.merge(ws, month, now=now)
    return _actions_page(ws, now, period=month, result=_result(report, "merge"))


@bp.post("/actions/brief")
def do_brief() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    scope = request.form.get("scope", "month")
    if scope == "quarter":
        quarter = request.form.get("quarter", "").strip()
        actions.parse_quarter(quarter)  # a DubanError in Chinese when it is not a quarter
        report = actions.brief(ws, quarter=quarter, now=now)
        month = None
    elif scope == "year":
        report = actions.brief(ws, year=ws.settings.year, now=now)
        month = None
    elif scope == "done":
        month = _month_arg(ws)  # empty: the latest month with a completion not yet announced
        report = actions.brief(ws, month=month or None, done=True, now=now)
    else:
        month = _month_arg(ws)
        if not month:
            raise DubanError("请选择月份。")
        report = actions.brief(ws, month=month, now=now)
    return _actions_page(ws, now, period=month, result=_result(report, "brief"))


@bp.post("/actions/score")
def do_score() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    report = actions.score(ws, year=ws.settings.year, now=now)
    return _actions_page(ws, now, result=_result(report, "score"))


# ---------------------------------------------------------------- 任务


@bp.get("/tasks")
def tasks() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    all_tasks = ws.ledger.tasks()
    q = request.args.get("q", "").strip()
    unit_arg = request.args.get("unit", "").strip()
    unit_name = (ws.registry.canonical(unit_arg) or unit_arg) if unit_arg else ""
    leader = request.args.get("leader", "").strip()
    category = request.args.get("category", "").strip()
    kind = request.args.get("kind", "").strip()
    found = [t for t in all_tasks if task_matches(t, q, unit_name, leader, category, kind)]
    periods = status_periods(ws.ledger)
    year = ws.settings.year
    months = [p for p in sorted(periods.issued | periods.returned) if p.startswith(f"{year}-")]
    shown = found[:TASK_LIMIT]
    statuses = month_statuses(ws, months, now) if shown else {}
    units = sorted({u for t in all_tasks for u in t.units}, key=ws.registry.order_key)
    leaders = sorted({x for t in all_tasks for x in t.leaders})
    categories = sorted({t.category for t in all_tasks if t.category})
    return render_template("tasks.html", tasks=shown, total=len(found), all_count=len(all_tasks), limit=TASK_LIMIT,
                           months=months, statuses=statuses, q=q, unit=unit_name, leader=leader, category=category,
                           kind=kind, units=units, leaders=leaders, categories=categories, active="web.tasks")


@bp.get("/tasks/<task_id>")
def task(task_id: str) -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    t = next((x for x in ws.ledger.tasks() if x.id == task_id), None)
    if t is None:
        abort(404)
    periods = status_periods(ws.ledger)
    months = [p for p in sorted(periods.issued | periods.returned) if p.startswith(f"{ws.settings.year}-")]
    history = []
    for p in months:
        data = build_month(ws, p, now)
        row = next((r for r in data.rows if r.task.id == t.id), None)
        if row is not None:
            history.append({"period": p, "status": row.status, "lines": row.lines,
                            "light": light_of(row.status, row.progress)})
    return render_template("task.html", task=t, history=history, active="web.tasks")


# ---------------------------------------------------------------- 日历


@bp.get("/calendar")
def calendar() -> ResponseReturnValue:
    ws, now = current_ws(), current_now()
    s = ws.settings
    rows = year_deadlines(ws.calendar, s.year, n=s.status_workdays, plan=s.plan_deadline)
    jobs: dict[tuple[str, str], str] = {}
    for d in actions.year_schedule(ws):
        jobs[(d["job"], d["period"])] = d["at"]
    periods = status_periods(ws.ledger)
    today = now.date().isoformat()
    upcoming = next((r["due"] for r in rows if r.get("due") and r["due"] >= today), None)
    out = []
    for r in rows:
        p = r["period"]
        due_text = cn_day(date.fromisoformat(r["due"])) if r.get("due") else ""
        if r["kind"] == "plan":
            out.append({"label": f"{p}年度落实计划表", "due": r.get("due"), "due_text": due_text,
                        "problem": r.get("problem", ""), "send": jobs.get(("send-plan", p), ""), "remind": "",
                        "overdue": "", "issued": "", "next": r.get("due") == upcoming})
            continue
        out.append({"label": f"{int(p[5:])}月落实情况表", "period": p, "due": r.get("due"), "due_text": due_text,
                    "problem": r.get("problem", ""), "send": jobs.get(("send-status", p), ""),
                    "remind": jobs.get(("remind", p), ""), "overdue": jobs.get(("overdue", p), ""),
                    "issued": p in periods.issued, "next": r.get("due") == upcoming})
    return render_template("calendar.html", rows=out, today=today, active="web.calendar")


# ---------------------------------------------------------------- files and login


@bp.get("/download/<ident>")
def download(ident: str) -> ResponseReturnValue:
    found = files.resolve(current_ws(), _file_key(), ident)
    if found is None:
        abort(404)
    return send_file(found.path, as_attachment=True, download_name=found.name, max_age=0)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("web.home")


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    ws = current_ws()
    if not auth.has_password(ws):
        return redirect(url_for("web.home"))
    error = "登录已超时，请重新登录。" if request.args.get("expired") else ""
    next_url = _safe_next(request.values.get("next"))
    if request.method == "POST":
        if auth.check_password(ws, request.form.get("password", "")):
            session.clear()
            session["user"] = True
            session["pw"] = auth.password_tag(auth.password_hash(ws))
            session["seen"] = current_app.config["DUBAN_CLOCK"]()
            return redirect(next_url)
        time.sleep(1.0)  # slows down guessing
        error = "密码不正确。"
        return render_template("login.html", error=error, next_url=next_url), 401
    return render_template("login.html", error=error, next_url=next_url)


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    session.clear()
    return redirect(url_for("web.login"))
