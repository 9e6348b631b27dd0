"""The unit registry (units.xlsx) and the normalization of unit names."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError
from .model import Unit

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


def load_registry(path: Path) -> Registry:
    """Read units.xlsx: 单位名称, 简称/别名, 分组, 排序, 联系人, 邮箱 (header found by label)."""
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
    for n, row in enumerate(rows[header_at + 1:], start=1):
        name = clean_name(col(row, "单位名称"))
        if not name:
            continue
        order_text = col(row, "排序")
        try:
            order = int(float(order_text)) if order_text else n
        except ValueError:
            raise ConfigError(f"单位名册 {path.name} 第{header_at + 1 + n}行：排序“{order_text}”不是数字。") from None
        units.append(Unit(
            name=name,
            aliases=tuple(a for a in (clean_name(x) for x in _SPLIT.split(col(row, "简称/别名", "简称", "别名"))) if a),
            group=col(row, "分组"),
            order=order,
            contact=col(row, "联系人"),
            emails=tuple(e.strip() for e in re.split(r"[;；,，\s]+", col(row, "邮箱")) if e.strip()),
        ))
    return Registry(units)


def write_registry(path: Path, units: list[Unit]) -> None:
    """units.xlsx as a clerk would keep it: one row per unit, header frozen."""
    import xlsxwriter

    from .atomic import atomic_path

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
