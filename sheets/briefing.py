"""The briefing (通报): a Word document in official style, built from MonthData only.

Four steps, each in its own module, so the numbers can be checked apart from the wording and
the wording apart from the layout:

* briefing_facts: ``monthly_facts`` / ``quarterly_facts`` turn MonthData into a ``BriefFacts``
  (every number, every unit named, every text a unit reported);
* briefing_text: the sentences and their order (``body``), the title's line break;
* briefing_chart: the chart under 总体情况, Chinese labels or none (``render_chart``);
* briefing_docx: the .docx (``write_briefing``): A4, GB/T 9704 fonts and margins, annex table
  in a landscape section.

The monthly briefing covers the livelihood projects (为民办实事); the quarterly one covers
every task, grouped by category. Unit reporting (on time / late / missing) is per unit and
taken from ``MonthData.units``, whose order is the registry's official order.
"""

from __future__ import annotations

from sheets.briefing_chart import NO_FONT_WARNING, Chart, chart_figure, find_cjk_font, render_chart
from sheets.briefing_docx import write_briefing
from sheets.briefing_facts import (BriefFacts, CategoryFact, Issue, Lapse, LeadReport, Tally, TaskFact, monthly_facts,
                             quarterly_facts, shorten)
from sheets.briefing_text import body, cn_number, reporting_text, title_lines

__all__ = ["BriefFacts", "TaskFact", "CategoryFact", "LeadReport", "Lapse", "Issue", "Tally", "Chart",
           "monthly_facts", "quarterly_facts", "write_briefing", "render_chart", "chart_figure", "find_cjk_font",
           "NO_FONT_WARNING", "body", "reporting_text", "title_lines", "cn_number", "shorten"]
