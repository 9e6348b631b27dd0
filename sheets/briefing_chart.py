"""The chart under 总体情况: Chinese labels, or no text at all.

``find_cjk_font`` looks for a font that has the Chinese characters: in matplotlib's font list,
then in a freshly rebuilt list (a cache written before a CJK font was installed does not know
it), then through fontconfig (``fc-list :lang=zh``). With a font, ``render_chart`` labels the
chart in Chinese; without one it draws bars only — no tick labels, no title, no legend, no value
labels — and the figure's labels and values go into the caption under it (``Chart.caption``),
so that nothing in English ever reaches the document.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import warnings
from collections.abc import Iterable
from dataclasses import dataclass

from sheets.briefing_facts import BriefFacts, CategoryFact

STATUS_COLORS = {"绿": "#3A9D4A", "黄": "#E8B500", "红": "#D64541"}
STATUS_WORDS = {"绿": "绿色", "黄": "黄色", "红": "红色"}
PREFERRED = ("Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Serif CJK SC", "Source Han Serif SC",
             "WenQuanYi Zen Hei", "WenQuanYi Micro Hei", "SimHei", "Microsoft YaHei", "PingFang SC", "Heiti SC",
             "SimSun", "FangSong", "KaiTi", "Noto Sans CJK JP", "Noto Sans CJK TC", "Droid Sans Fallback",
             "AR PL UMing CN", "AR PL UKai CN", "Arial Unicode MS")
HINTS = ("CJK", "Han Sans", "Han Serif", "Hei", "Song", "Kai", "Fang", "Ming", "WenQuanYi", "YaHei", "PingFang",
         "Fallback", "AR PL", "Sim", "GB")
SAMPLE = "按时报送迟未绿黄红色项目状态各类任务单位个"
NO_FONT_WARNING = ("未找到中文字体，通报中的图表不带文字标注，图中各项数值写在图下的说明中；"
                   "安装中文字体（如 fonts-noto-cjk）后重新生成即可得到带中文标注的图表。")

_rebuilt = False  # the font list is rebuilt at most once per process


@dataclass
class Chart:
    png: bytes
    caption: str  # printed under the chart; carries every label and value when font is None
    font: str | None  # the CJK family used, None: drawn without text


def _covers(path: str, sample: str = SAMPLE) -> bool:
    try:
        from matplotlib.ft2font import FT2Font

        face = FT2Font(path)
        return all(face.get_char_index(ord(c)) for c in sample)
    except Exception:  # noqa: BLE001 - an unreadable font file is simply not a candidate
        return False


def _pick(entries: Iterable) -> tuple[str, str] | None:
    """(family, file) of the best CJK font among font-list entries (objects with .name and .fname)."""
    entries = [e for e in entries if getattr(e, "name", None) and getattr(e, "fname", None)]
    by_name: dict[str, list] = {}
    for e in entries:
        by_name.setdefault(e.name, []).append(e)
    for name in PREFERRED:
        for e in by_name.get(name, []):
            if _covers(e.fname):
                return e.name, e.fname
    hinted = sorted((e for e in entries if any(h.lower() in e.name.lower() for h in HINTS) and "Mono" not in e.name),
                    key=lambda e: e.name)
    for e in hinted:
        if _covers(e.fname):
            return e.name, e.fname
    return None


def _fontconfig_files() -> list[str]:
    exe = shutil.which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, ":lang=zh", "file"], capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    files = []
    for line in out.splitlines():
        path = line.split(":", 1)[0].strip()
        if path and path not in files:
            files.append(path)
    return sorted(files, key=lambda p: ("Mono" in p, p))


def find_cjk_font(entries: Iterable | None = None, *, rebuild: bool = True, fontconfig: bool = True) -> str | None:
    """The family name of an installed font with Chinese characters, or None.

    ``entries``: the font list to search (default: matplotlib's). When it has none, the list is
    rebuilt once without its cache, then fontconfig is asked; fonts found that way are added to
    matplotlib's list so that the family name can be used in a figure.
    """
    global _rebuilt
    from matplotlib import font_manager

    manager = font_manager.fontManager
    found = _pick(manager.ttflist if entries is None else entries)
    if found:
        return found[0]
    if rebuild and not _rebuilt:
        _rebuilt = True
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fresh = font_manager._load_fontmanager(try_read_cache=False)
            found = _pick(fresh.ttflist)
        except Exception:  # noqa: BLE001 - a failed rebuild leaves fontconfig to try
            found = None
        if found:
            manager.addfont(found[1])
            return found[0]
    if fontconfig:
        for path in _fontconfig_files():
            if not _covers(path):
                continue
            try:
                manager.addfont(path)
                from matplotlib.font_manager import FontProperties

                return FontProperties(fname=path).get_name()
            except Exception:  # noqa: BLE001 - try the next file
                continue
    return None


# --- the figure ----------------------------------------------------------------------------

def _reporting_bars(facts: BriefFacts) -> list[tuple[str, int, str]]:
    t = facts.tally
    bars = [("按时报送", t.on_time, "#4472C4"), ("迟报", t.late, "#ED7D31"), ("未报送", t.missing, "#C00000")]
    if t.pending:
        bars.append(("未到截止日", t.pending, "#A5A5A5"))
    if t.not_issued:
        bars.append(("未下发", t.not_issued, "#D9D9D9"))
    return bars


def _listing(items: list[tuple[str, int]], unit: str) -> str:
    return "、".join(f"{label}{n}{unit}" for label, n in items)


def chart_figure(facts: BriefFacts, font: str | None):
    """The matplotlib Figure and its caption. ``font`` None: no text in the figure at all."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    text = font is not None
    rc = {"font.family": [font] if text else ["DejaVu Sans"], "font.sans-serif": [font] if text else ["DejaVu Sans"],
          "axes.unicode_minus": False, "font.size": 9}
    colors = [STATUS_COLORS[s] for s in ("绿", "黄", "红")]
    with matplotlib.rc_context(rc), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if facts.scope == "monthly":
            fig = Figure(figsize=(6.6, 2.7), dpi=180)
            FigureCanvasAgg(fig)
            ax1, ax2 = fig.subplots(1, 2)
            bars = _reporting_bars(facts)
            _bars(ax1, bars, "各单位报送情况（个）", text)
            tc = facts.task_counts
            status = [(STATUS_WORDS[s], tc[k], STATUS_COLORS[s]) for s, k in (("绿", "green"), ("黄", "yellow"), ("红", "red"))]
            _bars(ax2, status, "为民办实事项目状态（项）", text)
            if text:
                caption = f"图  {facts.period_label}各单位报送情况和为民办实事项目状态"
            else:
                caption = (f"图  {facts.period_label}各单位报送情况和为民办实事项目状态。左图为各单位报送情况（个），自左至右依次为"
                           f"{_listing([(b[0], b[1]) for b in bars], '个')}；右图为为民办实事项目状态（项），自左至右依次为"
                           f"{_listing([(s[0], s[1]) for s in status], '项')}。")
        else:
            cats = facts.categories or [CategoryFact("无", [])]
            fig = Figure(figsize=(6.4, 0.7 + 0.22 * len(cats)), dpi=180)
            FigureCanvasAgg(fig)
            ax = fig.subplots()
            ys = list(range(len(cats)))[::-1]
            left = [0] * len(cats)
            for status, color in zip(("绿", "黄", "红"), colors):
                vals = [len(k.of(status)) for k in cats]
                ax.barh(ys, vals, left=left, color=color, height=0.62,
                        label=STATUS_WORDS[status] if text else "_nolegend_")
                if text:
                    for y, v, x0 in zip(ys, vals, left):
                        if v:
                            ax.text(x0 + v / 2, y, str(v), ha="center", va="center", color="white", fontsize=8)
                left = [a + b for a, b in zip(left, vals)]
            ax.set_xlim(0, max(left + [1]) * 1.05)
            ax.spines[["top", "right"]].set_visible(False)
            if text:
                ax.set_yticks(ys)
                ax.set_yticklabels([k.short for k in cats], fontsize=9)
                ax.set_title("各类任务推进状态（项）", fontsize=10, loc="left")
                ax.legend(loc="lower right", ncol=3, fontsize=8, frameon=False, bbox_to_anchor=(1.0, 1.0))
                ax.xaxis.get_major_locator().set_params(integer=True)
                caption = f"图  截至{facts.month}月各类任务推进状态"
            else:
                ax.set_yticks([])
                ax.set_xticks([])
                rows = "；".join(f"{k.short}：" + "、".join(f"{STATUS_WORDS[s]}{len(k.of(s))}项" for s in ("绿", "黄", "红"))
                                for k in cats)
                caption = (f"图  截至{facts.month}月各类任务推进状态。横条自上而下依次为：{rows}。"
                           "每条自左至右为绿色、黄色、红色。")
        fig.tight_layout()
    return fig, caption


def _bars(ax, bars: list[tuple[str, int, str]], title: str, text: bool) -> None:
    xs = list(range(len(bars)))
    values = [b[1] for b in bars]
    ax.bar(xs, values, color=[b[2] for b in bars], width=0.6)
    top = max(values + [1])
    ax.set_ylim(0, top * 1.2)
    ax.spines[["top", "right"]].set_visible(False)
    if text:
        ax.set_xticks(xs)
        ax.set_xticklabels([b[0] for b in bars])
        ax.set_title(title, fontsize=10)
        for x, v in zip(xs, values):
            ax.text(x, v + top * 0.02, str(v), ha="center", va="bottom")
        ax.yaxis.get_major_locator().set_params(integer=True)
    else:
        ax.set_xticks([])
        ax.set_yticks([])


_AUTO = object()


def render_chart(facts: BriefFacts, font=_AUTO) -> Chart | None:
    """The chart for 总体情况 as a PNG with its caption; None when there is nothing to chart
    (no form of the period was issued). ``font``: a family name, None for no text, default: look one up."""
    if not facts.issued:
        return None
    if font is _AUTO:
        font = find_cjk_font()
    fig, caption = chart_figure(facts, font)
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.savefig(buf, format="png", bbox_inches="tight", pad_inches=0.08)
    return Chart(buf.getvalue(), caption, font)


__all__ = ["Chart", "find_cjk_font", "chart_figure", "render_chart", "NO_FONT_WARNING"]
