"""The unit registry (units.xlsx) and the normalization of unit names."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from office.errors import ConfigError
from office.model import Unit

REGISTRY_NAME = "units.xlsx"
HEADERS = ("单位名称", "简称/别名", "分组", "排序", "联系人", "邮箱")
# Endings that make a string look like a whole unit name.
UNIT_ENDINGS = (
    "局", "办", "委", "中心", "公司", "集团", "院", "队", "会", "处", "所", "站", "社", "馆", "部",
    "室", "团", "联", "厅", "分局", "街道", "镇", "专班", "单位", "部门", "指挥部", "小组", "大队", "政府",
)
# Shared suffixes in lists like 建新、解放路、文东街道办事处.
SHARED_SUFFIXES = ("街道办事处", "办事处", "街道", "镇人民政府", "镇", "社区居委会", "社区")
_SPACES = re.compile(r"[\s\u3000\xa0\u200b\u2002-\u200a\ufeff]+")
_SPLIT = re.compile(r"[、，,;；\n\r/]+")
_EMAIL_SPLIT = re.compile(r"[、，,;；\s]+")
# local@domain.tld: no spaces, brackets or separators; every label of the domain non-empty
_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\".]+(\.[^@\s<>()\[\],;:\".]+)+$")


def clean_name(name: str) -> str:
    """Remove all spaces, including full-width ones, and unify brackets."""
    name = _SPACES.sub("", name or "")
    return name.replace("(", "（").replace(")", "）")


def clean_person(name: str) -> str:
    """Leader names lose their padding: 王  莹 -> 王莹."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", name or ""))


def looks_like_group(name: str) -> bool:
    return name.startswith("各") or name.endswith(("成员单位", "有关单位", "相关单位", "主管部门", "平台公司"))


@dataclass
class Registry:
    units: list[Unit] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_name: dict[str, str] = {}
        self._groups: dict[str, list[str]] = {}
        self._unit_of: dict[str, Unit] = {}
        for u in self.units:
            self._unit_of.setdefault(u.name, u)
            self._by_name[clean_name(u.name)] = u.name
            for a in u.aliases:
                self._by_name.setdefault(clean_name(a), u.name)
            for g in _SPLIT.split(u.group):
                g = clean_name(g)
                if g:
                    self._groups.setdefault(g, []).append(u.name)

    @property
    def names(self) -> list[str]:
        return [u.name for u in self.units]

    def get(self, name: str) -> Unit | None:
        canonical = self.canonical(name)
        return None if canonical is None else self._unit_of.get(canonical)

    def canonical(self, name: str) -> str | None:
        return self._by_name.get(clean_name(name))

    def group_members(self, name: str) -> list[str] | None:
        return self._groups.get(clean_name(name))

    def is_group(self, name: str) -> bool:
        return clean_name(name) in self._groups

    def order_key(self, name: str) -> tuple[int, int, str]:
        u = self.get(name)
        return (0, u.order, u.name) if u else (1, 0, name)

    def closest(self, name: str, n: int = 3) -> list[str]:
        candidates = list(self._by_name)
        hits = difflib.get_close_matches(clean_name(name), candidates, n=n, cutoff=0.5)
        out: list[str] = []
        for h in hits:
            c = self._by_name[h]
            if c not in out:
                out.append(c)
        return out

    def normalize(self, names: list[str], where: str = "") -> tuple[list[str], list[str]]:
        """Canonical unit names for a raw list, with Chinese warnings.

        Spaces go, aliases map to the registered name, shared-suffix lists are
        expanded, registered groups become their members, unknown names stay
        with a warning naming the closest registered names.
        """
        warnings: list[str] = []
        prefix = f"{where}：" if where else ""
        out: list[str] = []
        parts = [clean_name(p) for n in names for p in _SPLIT.split(n or "")]
        for raw in expand_shared_suffix([p for p in parts if p], self):
            canonical = self.canonical(raw)
            if canonical:
                members = [canonical]
            elif self.is_group(raw):
                members = list(self.group_members(raw) or [])
            else:
                members = [raw]
                if looks_like_group(raw):
                    warnings.append(f"{prefix}“{raw}”是单位分组，但单位名册中没有定义其成员单位，暂按一个单位保留。可在 units.xlsx 的“分组”列中登记成员。")
                elif self.units:
                    near = self.closest(raw)
                    hint = f"最接近的已登记单位：{'、'.join(near)}" if near else "单位名册中没有相近的名称"
                    warnings.append(f"{prefix}单位“{raw}”不在单位名册中（{hint}）。如是新单位请在 units.xlsx 中登记，如是简称请在“简称/别名”列中补充。")
            for m in members:
                if m not in out:
                    out.append(m)
        return out, warnings


def _has_unit_ending(name: str) -> bool:
    return name.endswith(UNIT_ENDINGS) or name.endswith("）")


def expand_shared_suffix(names: list[str], registry: Registry | None = None) -> list[str]:
    """建新、解放路、文东街道办事处 -> three street offices."""
    out: list[str] = []
    pending: list[str] = []
    for name in names:
        known = registry is not None and (registry.canonical(name) or registry.is_group(name))
        if not known and not _has_unit_ending(name) and not looks_like_group(name):
            pending.append(name)
            continue
        suffix = next((s for s in SHARED_SUFFIXES if name.endswith(s) and len(name) > len(s)), None)
        if pending and suffix:
            out.extend(p + suffix for p in pending)
        else:
            out.extend(pending)
        pending = []
        out.append(name)
    out.extend(pending)
    return out


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


def split_emails(text: str) -> tuple[str, ...]:
    """The addresses of one 邮箱 cell: several may be separated by 、 ; ； , ， spaces or line breaks.
    Full-width characters (＠, full-width letters) become their ASCII forms."""
    text = unicodedata.normalize("NFKC", text or "")
    return tuple(dict.fromkeys(e.strip() for e in _EMAIL_SPLIT.split(text) if e.strip()))


def is_email(address: str) -> bool:
    return bool(_EMAIL.match(address))


@dataclass
class _Row:
    """One filled row of units.xlsx, with its row number as the clerk sees it."""

    line: int
    name: str
    aliases: tuple[str, ...]
    emails: tuple[str, ...]


def registry_problems(rows: list[_Row], blank_names: list[int], file: str = REGISTRY_NAME) -> list[str]:
    """Every reason the registry cannot be used as it is, each naming the rows of ``file``.

    Two rows with one name, an alias that is another row's name or is shared by two rows,
    a row with content but no name, an address that is not an address: any of them would
    send one unit's forms to another unit, or file one unit's returns as another's.
    """
    problems: list[str] = []
    for line in blank_names:
        problems.append(f"{file} 第{line}行填写了简称、分组、联系人或邮箱，但“单位名称”为空。请补上单位名称，或删除这一行。")
    first_name: dict[str, _Row] = {}
    for r in rows:
        key = clean_name(r.name)
        if key in first_name:
            problems.append(f"{file} 第{first_name[key].line}行和第{r.line}行的单位名称都是“{r.name}”。"
                            "同一单位只能登记一行，请删除或合并其中一行。")
        else:
            first_name[key] = r
    alias_of: dict[str, _Row] = {}
    for r in rows:
        own = clean_name(r.name)
        for a in dict.fromkeys(clean_name(x) for x in r.aliases):
            if not a or a == own:
                continue
            other = first_name.get(a)
            if other is not None:
                problems.append(f"{file} 第{r.line}行（{r.name}）的简称/别名“{a}”是第{other.line}行的单位名称，"
                                "无法区分这两个单位。请删除或改正这个简称。")
                continue
            before = alias_of.get(a)
            if before is not None and before.line != r.line:
                problems.append(f"{file} 第{before.line}行（{before.name}）和第{r.line}行（{r.name}）的简称/别名都有“{a}”，"
                                "无法区分这两个单位。请只在其中一行保留这个简称。")
            else:
                alias_of[a] = r
    for r in rows:
        bad = [e for e in r.emails if not is_email(e)]
        if bad:
            problems.append(f"{file} 第{r.line}行（{r.name}）的邮箱{''.join(f'“{e}”' for e in bad)}格式不正确"
                            "（应如 shangwu@example.org）。多个邮箱请用“；”或“、”分隔。")
    return problems


def load_registry(path: Path) -> Registry:
    """Read units.xlsx: 单位名称, 简称/别名, 分组, 排序, 联系人, 邮箱 (header found by label).

    The registry is checked on every load (``registry_problems``); a registry that would
    mix up units is a ConfigError listing every problem with its row numbers.
    """
    if not path.exists():
        return Registry([])
    try:
        from python_calamine import CalamineWorkbook

        wb = CalamineWorkbook.from_path(str(path))
        rows = wb.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes one clear message
        raise ConfigError(f"单位名册 {path.name} 无法读取（{exc}）。请确认它是 Excel 工作簿且未被加密。") from None
    header_at = None
    for i, row in enumerate(rows[:10]):
        labels = [clean_name(_cell_text(c)) for c in row]
        if "单位名称" in labels:
            header_at = i
            cols = {label: labels.index(label) for label in labels if label}
            break
    if header_at is None:
        raise ConfigError(f"单位名册 {path.name} 中找不到“单位名称”表头。表头应为：{'、'.join(HEADERS)}。")

    def col(row: list, *labels: str) -> str:
        for label in labels:
            j = cols.get(label)
            if j is not None and j < len(row):
                return _cell_text(row[j])
        return ""

    units: list[Unit] = []
    checked: list[_Row] = []
    blank_names: list[int] = []
    for n, row in enumerate(rows[header_at + 1:], start=1):
        line = header_at + 1 + n  # the row number Excel shows
        name = clean_name(col(row, "单位名称"))
        alias_text = col(row, "简称/别名", "简称", "别名")
        email_text = col(row, "邮箱")
        if not name:
            if alias_text or email_text or col(row, "分组") or col(row, "联系人"):
                blank_names.append(line)
            continue
        order_text = col(row, "排序")
        try:
            order = int(float(order_text)) if order_text else n
        except ValueError:
            raise ConfigError(f"单位名册 {path.name} 第{line}行：排序“{order_text}”不是数字。") from None
        aliases = tuple(a for a in (clean_name(x) for x in _SPLIT.split(alias_text)) if a)
        emails = split_emails(email_text)
        checked.append(_Row(line, name, aliases, emails))
        units.append(Unit(
            name=name,
            aliases=aliases,
            group=col(row, "分组"),
            order=order,
            contact=col(row, "联系人"),
            emails=emails,
        ))
    problems = registry_problems(checked, blank_names, path.name)
    if len(problems) == 1:
        raise ConfigError(f"单位名册有误：{problems[0]}改正后重新运行。")
    if problems:
        listed = "\n".join(f"{i}. {p}" for i, p in enumerate(problems, start=1))
        raise ConfigError(f"单位名册 {path.name} 有 {len(problems)} 处问题，改正后重新运行：\n{listed}")
    return Registry(units)


def write_registry(path: Path, units: list[Unit]) -> None:
    """units.xlsx as a clerk would keep it: one row per unit, header frozen."""
    import xlsxwriter

    from office.atomic import atomic_path

    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"strings_to_formulas": False, "strings_to_urls": False})
        ws = wb.add_worksheet("单位名册")
        head = wb.add_format({"bold": True, "font_name": "黑体", "bg_color": "#D9E1F2", "border": 1, "align": "center"})
        body = wb.add_format({"font_name": "仿宋_GB2312", "border": 1})
        for j, h in enumerate(HEADERS):
            ws.write_string(0, j, h, head)
        for i, u in enumerate(units, start=1):
            ws.write_string(i, 0, u.name, body)
            ws.write_string(i, 1, "、".join(u.aliases), body)
            ws.write_string(i, 2, u.group, body)
            ws.write_number(i, 3, u.order, body)
            ws.write_string(i, 4, u.contact, body)
            ws.write_string(i, 5, "; ".join(u.emails), body)
        ws.set_column(0, 0, 34)
        ws.set_column(1, 1, 26)
        ws.set_column(2, 2, 16)
        ws.set_column(3, 3, 6)
        ws.set_column(4, 4, 10)
        ws.set_column(5, 5, 36)
        ws.freeze_panes(1, 1)
        ws.autofilter(0, 0, len(units), len(HEADERS) - 1)
        wb.close()


# -- registry notes: shown once, where they arise ---------------------------------------------

NOTES_SHOWN = "registry_notes_shown"  # ledger meta: JSON list of the names already pointed out


def unresolved_names(registry: Registry, tasks: list) -> list[str]:
    """Names on the tasks that are not registered units (groups without members, unknown names)."""
    out: dict[str, None] = {}
    for t in tasks:
        for u in t.units:
            if registry.get(u) is None:
                out.setdefault(u, None)
    return list(out)


def _shown(ledger) -> set[str]:  # noqa: ANN001 - a Ledger (get_meta/set_meta)
    try:
        return set(json.loads(ledger.get_meta(NOTES_SHOWN) or "[]"))
    except ValueError:
        return set()


def mark_notes_shown(ledger, registry: Registry, tasks: list) -> None:  # noqa: ANN001
    """Record that the registry notes about these tasks were shown (by import, where they arise)."""
    ledger.set_meta(NOTES_SHOWN, json.dumps(sorted(unresolved_names(registry, tasks)), ensure_ascii=False))


def notes_once(ledger, registry: Registry, tasks: list, messages: list[str], *, record: bool = True) -> list[str]:  # noqa: ANN001
    """``messages`` without those about a name already pointed out (a message is about a name
    when it quotes it: “区属平台公司”). The names unresolved now are recorded (``record``), so a
    name fixed in units.xlsx and broken again later is pointed out again; other messages stay."""
    current = unresolved_names(registry, tasks)
    known = _shown(ledger) & set(current)
    kept = [m for m in messages if not any(f"“{name}”" in m for name in known)]
    if record:
        ledger.set_meta(NOTES_SHOWN, json.dumps(sorted(set(current)), ensure_ascii=False))
    return kept
