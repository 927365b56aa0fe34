"""The what-if page names each step by its title in the reader's language (the BPMN name in English, its
``titleZh`` in Chinese; the draft's own names for the draft's new step), in the parameters, the comparison,
the per-step table and the SVG charts; the ids stay only in attributes and field names."""

from __future__ import annotations

import re

from engine.facade import Engine
from tests.simulation_drafts import save_budget_check_draft
from tests.web.conftest import ClientFor, text

TITLES = {"en": {"research": "Market research report", "draft_plan": "Draft the marketing plan",
                 "manager_review": "Review the plan", "budget_check": "Check the budget"},
          "zh": {"research": "市场调研报告", "draft_plan": "撰写营销策划方案", "manager_review": "审核方案",
                 "budget_check": "预算审核"}}
LANGUAGES = {"en": "en-US", "zh": "zh-CN"}


def shown_text(page: str) -> str:
    """What a reader sees: the text between tags, attributes left out."""
    return " ".join(re.sub(r"<[^>]*>", " ", page).split())


def section(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def test_the_what_if_page_shows_steps_by_title_in_both_languages(web_engine: Engine, client_as: ClientFor) -> None:
    save_budget_check_draft(web_engine)
    gao = client_as("gao.yan")
    for lang, accept in LANGUAGES.items():
        titles = TITLES[lang]
        page = text(gao.get("/modeler/market_plan/simulate", headers={"Accept-Language": accept}))
        params = page.split('<table class="sim-params">')[2].split("</table>")[0]  # working time per step
        rows = dict(re.findall(r'<tr data-step="(\w+)"><th scope="row">([^<]+)</th>', page))
        assert rows["draft_plan"] == titles["draft_plan"] and rows["manager_review"] == titles["manager_review"]
        assert f'aria-label="{titles["research"]}"' in page and 'name="hours.research"' in page  # the id: the field
        assert "draft_plan" not in shown_text(params)

        result = text(gao.post("/modeler/market_plan/simulate", headers={"Accept-Language": accept},
                               data={"cases": "20", "seed": "3", "model": "draft", "people.marketing_manager": "2"}))
        shown = section(result, 'id="sim-result"', "</section>")
        assert not re.search(r"\b(draft_plan|manager_review|director_signoff|budget_check)\b", shown_text(shown))
        assert ">research<" not in shown and "research ·" not in shown
        # the charts: each step's group headed by its title, the draft's new step by the draft's own name
        headings = dict(re.findall(r'class="sim-group" data-step="(\w+)">([^<]+)</text>', shown))
        assert headings["budget_check"] == titles["budget_check"]
        assert headings["research"] == titles["research"]
        assert re.search(r'<g data-step="budget_check" data-bar="B">', shown)  # B's bar for the new step
        # the per-step table and the bottleneck, by title
        per_step = dict(re.findall(r'<tr data-step="(\w+)"><th scope="row">([^<]+)</th>', shown))
        assert per_step["budget_check"] == titles["budget_check"] and per_step["draft_plan"] == titles["draft_plan"]
        bottleneck = re.findall(r'data-bottleneck="(\w+)">([^<]+)</td>', shown)
        assert len(bottleneck) == 2 and all(title == per_step[step] != step for step, title in bottleneck)


def test_a_bad_number_is_named_by_the_steps_title(web_engine: Engine, client_as: ClientFor) -> None:
    page = text(client_as("gao.yan").post("/modeler/market_plan/simulate", headers={"Accept-Language": "zh-CN"},
                                          data={"cases": "20", "hours.manager_review": "-1"}))
    error = section(page, 'class="flash-error" role="alert">', "</p>")
    assert "审核方案" in error and "manager_review" not in error
    assert 'id="sim-result"' not in page  # nothing run


def test_the_drafts_new_step_has_a_working_time_to_set_for_b(web_engine: Engine, client_as: ClientFor) -> None:
    """History has never seen the draft's budget check: its row offers the default (no samples), marked as new in the
    draft, and what the analyst enters is B's working time for it."""
    save_budget_check_draft(web_engine)
    gao = client_as("gao.yan")
    for lang, accept in LANGUAGES.items():
        page = text(gao.get("/modeler/market_plan/simulate", headers={"Accept-Language": accept}))
        row = re.search(r'<tr data-step="budget_check" class="sim-draft-only"><th scope="row">([^<]+) '
                        r'<span class="pill">([^<]+)</span></th><td>([\d.]+)</td><td>[\d.]+</td><td>0</td>', page)
        assert row is not None, lang
        assert row.group(1) == TITLES[lang]["budget_check"] and float(row.group(3)) > 0
        assert 'name="hours.budget_check"' in page
        assert row.group(2) == ("new in the draft" if lang == "en" else "草稿新增")
    working = {}
    for hours in ("0.5", "", "40"):  # "": the default (4 h) stays
        result = text(gao.post("/modeler/market_plan/simulate", data={
            "cases": "30", "seed": "5", "model": "draft", "hours.budget_check": hours}))
        cells = re.search(r'<tr data-step="budget_check"><th scope="row">[^<]+</th><td>[^<]+</td><td>[^<]+</td>'
                          r'<td>[^<]+</td><td>([\d.]+)</td>', section(result, 'id="sim-result"', "</section>"))
        assert cells is not None, hours
        working[hours] = float(cells.group(1))
    # B's mean working hours per budget check follow what was entered (the office hours a task spans add to it)
    assert working["0.5"] < working[""] < working["40"] and working["40"] > 5 * working["0.5"]
