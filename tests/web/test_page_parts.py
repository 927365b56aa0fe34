"""Parts of pages: sandboxed instructions and the read-only context of earlier steps."""

from __future__ import annotations

import json
from pathlib import Path

from flask import Flask

from engine.runtime.views import StepForm
from webui.forms.context_view import sections
from webui.forms.instructions import render_instructions

FORMS = Path(__file__).resolve().parents[2] / "forms" / "market_plan"


def test_instructions_are_rendered_in_a_sandbox() -> None:
    data = {"start": {"title": "<b>Spring</b>"}}
    assert str(render_instructions("Plan {{ start.title }}\n方案", data)) == "Plan &lt;b&gt;Spring&lt;/b&gt;\n方案"
    unsafe = "{{ ''.__class__.__mro__[1].__subclasses__() }}"
    assert str(render_instructions(unsafe, {})) == "{{ &#39;&#39;.__class__.__mro__[1].__subclasses__() }}"
    assert str(render_instructions("{{ start.update({'x': 1}) }}", data)).startswith("{{")  # immutable
    assert data == {"start": {"title": "<b>Spring</b>"}}
    assert str(render_instructions("<script>x</script> {{ 1 }}", {})) == "&lt;script&gt;x&lt;/script&gt; 1"
    assert str(render_instructions("{% broken", {})) == "{% broken"


def test_earlier_steps_are_laid_out_with_their_form_titles(app: Flask) -> None:
    draft = json.loads((FORMS / "draft_plan.json").read_text(encoding="utf-8"))
    review = json.loads((FORMS / "manager_review.json").read_text(encoding="utf-8"))
    forms = {"draft_plan": StepForm("", "", draft), "manager_review": StepForm("", "", review)}
    context = {
        "draft_plan": {"budget_cny": 480000, "period_type": "quarterly", "channels": ["WeChat"],
                       "activities": [{"name": "Open days", "start": "2027-01-10"}], "extra_key": True},
        "manager_review": {"decision": "return", "comment": "Cut it"},
        "unknown_step": {"nested": {"a": 1}},
    }
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        laid_out = sections(context, forms)
    assert [s.title for s in laid_out] == ["营销策划方案", "经理审核", "Unknown step"]
    items = {i.label: i for i in laid_out[0].items}
    assert items["预算（人民币元）"].text == "¥480,000.00"
    assert items["周期类型"].text == "季度"
    assert items["渠道"].items == ["WeChat"]
    assert items["推广活动"].columns == ["活动名称", "开始日期"]
    assert items["推广活动"].rows == [["Open days", "2027年1月10日"]]
    assert items["Extra key"].text == "是"
    decision = laid_out[1].items[0]
    assert (decision.kind, decision.text, decision.tone) == ("badge", "退回返工", "warn")
    assert laid_out[2].items[0].kind == "group"
