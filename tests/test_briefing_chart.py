"""The briefing's chart: Chinese labels when a CJK font is found (matplotlib's list, a rebuilt
list, fontconfig), no text at all when none is, with the labels and values in the caption."""

from __future__ import annotations

import re
from types import SimpleNamespace

import docx
import pytest
from docx.oxml.ns import qn

from briefing_months import OFFICE, march, quarter
from office.settings import BriefSettings
from sheets import briefing_chart
from sheets.briefing import chart_figure, find_cjk_font, monthly_facts, quarterly_facts, render_chart, write_briefing

LATIN = re.compile(r"[A-Za-z]")


def figure_texts(fig) -> list[str]:
    import matplotlib.text

    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_visible()]


def test_font_list_without_cjk_gives_no_font():
    from matplotlib import font_manager

    latin = [e for e in font_manager.fontManager.ttflist if e.name.startswith("DejaVu")]
    assert latin
    assert find_cjk_font(latin, rebuild=False, fontconfig=False) is None
    assert find_cjk_font([SimpleNamespace(name="Noto Sans CJK SC", fname=latin[0].fname)], rebuild=False,
                         fontconfig=False) is None  # a name is not enough: the file must have the characters


@pytest.mark.parametrize("scope", ["monthly", "quarterly"])
def test_chart_without_cjk_font_draws_no_text_and_caption_has_the_labels(scope, monkeypatch, capfd, tmp_path):
    f = monthly_facts(march(), BriefSettings(), OFFICE) if scope == "monthly" else quarterly_facts(quarter(), BriefSettings(), OFFICE)
    fig, caption = chart_figure(f, None)
    assert set(figure_texts(fig)) <= {""}, figure_texts(fig)
    monkeypatch.setattr(briefing_chart, "find_cjk_font", lambda *a, **k: None)
    chart = render_chart(f)
    assert chart.font is None and chart.png[:8] == b"\x89PNG\r\n\x1a\n" and chart.caption == caption
    assert not LATIN.search(caption)
    if scope == "monthly":
        for label in ("各单位报送情况", "按时报送2个", "迟报2个", "未报送1个", "为民办实事项目状态", "绿色1项", "黄色1项", "红色2项"):
            assert label in caption, label
    else:
        for label in ("为民办实事：绿色1项、黄色1项、红色2项", "经济发展：绿色1项、黄色0项、红色0项", "社会事业：绿色1项、黄色0项、红色1项"):
            assert label in caption, label
    p = tmp_path / "c.docx"
    write_briefing(p, f, chart)
    texts = [x.text for x in docx.Document(str(p)).paragraphs]
    pic = next(i for i, x in enumerate(docx.Document(str(p)).paragraphs) if x._element.findall(".//" + qn("w:drawing")))
    assert texts[pic + 1] == caption
    assert capfd.readouterr() == ("", "")


def test_chart_with_cjk_font_is_labelled_in_chinese():
    font = find_cjk_font()
    if font is None:
        pytest.skip("no CJK font installed")
    for f in (monthly_facts(march(), BriefSettings(), OFFICE), quarterly_facts(quarter(), BriefSettings(), OFFICE)):
        fig, caption = chart_figure(f, font)
        texts = [t for t in figure_texts(fig) if t]
        assert any("按时报送" in t or "为民办实事" in t for t in texts), texts
        assert not any(LATIN.search(t) for t in texts), texts
        png = render_chart(f, font)
        assert png.font == font and len(png.png) > 5000


def test_fontconfig_finds_a_font_missing_from_a_stale_list():
    import shutil

    if not shutil.which("fc-list") or not briefing_chart._fontconfig_files():
        pytest.skip("fontconfig has no Chinese font here")
    font = find_cjk_font([], rebuild=False, fontconfig=True)
    assert font and not font.startswith("DejaVu")
