"""Annotated prose: a report whose sentences carry notes such as
（牵头领导：武毅；牵头单位：区发展改革局；责任单位：区统计局、各街道办事处）.

Each note closes one task: the text since the previous note in the same paragraph, or since the
paragraph start. The section heading above it (“（一）…。” or “一、…”) becomes its category.
ASCII and full-width colons, semicolons and parentheses are both accepted.
"""

from __future__ import annotations

import re

from office.errors import InputFileError
from sheets.decomposition.records import RawTask
from sheets.decomposition.text import assign_lead, normalize_spaces, split_people, split_top, split_units, strip_enum

Paragraph = tuple[str, str, bool]  # (where, text, is a heading by its style)

NO_NOTES = "文中也没有“（牵头领导：…；牵头单位：…；责任单位：…）”形式的标注。"

_NOTE = re.compile(r"[（(]\s*(?=(?:牵头|责任|分管|配合|协办|参与)区?(?:领导|单位|部门)\s*[：:])")
_KEYS = {
    "牵头领导": "leaders", "责任领导": "leaders", "分管领导": "leaders", "分管区领导": "leaders",
    "牵头区领导": "leaders",
    "牵头单位": "lead", "牵头部门": "lead",
    "责任单位": "units", "责任部门": "units",
    "配合单位": "co", "协办单位": "co", "参与单位": "co", "配合部门": "co",
}
_HEADING = re.compile(r"^\s*(?:[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+[、．.])")
_LEAD_PHRASE = re.compile(r"^(?:今年|明年|全年|本年度?|\d{4}年)?的?(.{2,24}?)(?:是|为)[：:]")
_OPEN_END = re.compile(r"[。！？；;：:）)”」』》\]!?]$")
_EDGE = "，。；、：,;:.！？!? "


def _placeholder(body: str) -> bool:
    """Whether a note names nobody: （牵头领导：…；牵头单位：…） as a manual or a template shows it."""
    rest = body
    for key in sorted(_KEYS, key=len, reverse=True):
        rest = rest.replace(key, "")
    return not re.search(r"[^\W_]", rest)


def has_notes(text: str) -> bool:
    return any(not _placeholder(body) for _, _, body, _ in _notes(text))


def text_paragraphs(text: str) -> list[Paragraph]:
    """Lines of a .txt/.md file as paragraphs; a line that stops mid-sentence (wrapped text)
    is joined with the next one. Markdown headings, bullets and emphasis are stripped."""
    paras: list[list] = []
    open_ = False
    for n, line in enumerate(text.splitlines(), 1):
        s = line.strip()
        if not s:
            open_ = False
            continue
        m = re.match(r"^#{1,6}\s+(.*)$", s)
        heading = bool(m)
        if m:
            s = m.group(1).strip("# ")
        s = re.sub(r"^(?:[-*+]\s+|>\s*)", "", s).replace("**", "").replace("__", "")
        if open_ and not heading and not _HEADING.match(s):
            paras[-1][1] += "\n" + s
        else:
            paras.append([f"第{n}行", s, heading])
        body = paras[-1][1]
        unclosed = body.count("（") + body.count("(") > body.count("）") + body.count(")")
        titled = heading or bool(_HEADING.match(body))  # “一、稳增长” ends a line on its own
        open_ = unclosed or not (titled or _OPEN_END.search(s))
    return [(where, body, heading) for where, body, heading in paras]


def docx_paragraphs(doc) -> list[Paragraph]:
    """Non-empty body paragraphs of a Word document, numbered as a reader counts them."""
    out = []
    for p in doc.paragraphs:
        if p.text.strip():
            style = (p.style.name if p.style is not None else "") or ""
            heading = style.startswith(("Heading", "标题", "Title"))
            out.append((f"第{len(out) + 1}段", p.text, heading))
    return out


def _notes(text: str) -> list[tuple[int, int, str, bool]]:
    """(start, end, body, closed) of each note; parentheses inside unit names are balanced."""
    notes, pos = [], 0
    while m := _NOTE.search(text, pos):
        depth, i = 0, m.start()
        for i in range(m.start(), len(text)):
            if text[i] in "（(":
                depth += 1
            elif text[i] in "）)":
                depth -= 1
                if depth == 0:
                    break
        closed = depth == 0
        end = i + 1 if closed else len(text)
        body = text[m.end(): end - 1 if closed else end]
        if not _placeholder(body):
            notes.append((m.start(), end, body, closed))
        pos = end
    return notes


def _parse_note(body: str) -> tuple[dict[str, list[str]], str]:
    """Fields of a note body, and whatever else it says (e.g. 完成时限：6月底) as a remark."""
    fields: dict[str, list[str]] = {"leaders": [], "lead": [], "units": [], "co": []}
    extra, last = [], None
    for a, b in split_top(body, "；;"):
        part = body[a:b].strip()
        m = re.match(r"^([^：:（(]{1,8})[：:](.*)$", part, re.S)
        key = re.sub(r"\s+", "", m.group(1)) if m else ""
        if key in _KEYS:
            last = _KEYS[key]
            fields[last].append(m.group(2))
        elif m or last is None:
            if part:
                extra.append(normalize_spaces(part))
        else:  # “责任单位：区A局；区B局”: a list that went on after a semicolon
            fields[last].append(part)
    return fields, "；".join(extra)


def _category(text: str) -> str:
    head = re.split(r"[。！？!?]", strip_enum(normalize_spaces(text)), maxsplit=1)[0]
    return head.strip(_EDGE)


def read_prose(paragraphs: list[Paragraph], name: str) -> tuple[list[RawTask], list[str]] | None:
    """Tasks from annotated paragraphs; None when no paragraph carries a note."""
    if not any(has_notes(text) for _, text, _ in paragraphs):
        return None
    tasks: list[RawTask] = []
    errors: list[str] = []
    warnings: list[str] = []
    category = None  # None until the first section heading
    for where, text, styled in paragraphs:
        if styled or _HEADING.match(text):
            category = _category(text)
        notes = _notes(text)
        if not notes:
            continue
        head = strip_enum(text)
        here = category
        if here is None:
            m = _LEAD_PHRASE.match(head)
            here = m.group(1) if m else "总体要求"
            head = head[m.end():] if m else head
        offset, pos = len(text) - len(head), 0
        for k, (start, end, body, closed) in enumerate(notes, 1):
            at = f"{where}第{k}个标注"
            task_text = normalize_spaces(text[max(pos, offset): start]).strip(_EDGE)
            pos = end
            fields, remark = _parse_note(body)
            units = [u for v in fields["lead"] for u in split_units([(v, None)])]
            lead = [u[0] for u in units]
            others = [u[0] for f in ("units", "co") for v in fields[f] for u in split_units([(v, None)])]
            if not lead:
                lead, others = assign_lead([(u, False, False) for u in others])
            problems = []
            if not closed:
                problems.append("标注缺少右括号")
            if not task_text:
                problems.append("标注前没有任务内容")
            if not lead:
                problems.append("标注中缺少牵头单位和责任单位")
            if problems:
                errors.append(f"{at}（“{normalize_spaces(body)[:30]}”）：{'；'.join(problems)}。")
                continue
            tasks.append(RawTask(
                kind="annual", seq=len(tasks) + 1, category=here, text=task_text,
                leaders=split_people("、".join(fields["leaders"])), lead_units=lead,
                co_units=list(dict.fromkeys(u for u in others if u not in lead)),
                note=remark, source=at,
            ))
        rest = normalize_spaces(text[pos:]).strip(_EDGE)
        if rest:
            short = rest if len(rest) <= 20 else rest[:20] + "…"
            warnings.append(f"{where}：最后一个标注之后的“{short}”没有标注牵头单位，未作为任务导入。")
    if errors:
        raise InputFileError(
            f"“{name}”中有{len(errors)}处标注无法识别，请修改后重新导入：\n" + "\n".join(errors)
        )
    return tasks, warnings
