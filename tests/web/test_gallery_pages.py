"""The modeler's gallery pages (test client, SQLite and PostgreSQL): the packs listed with the chosen one's
README, a copy made into a new draft and opened, a key taken or a pack unknown refused with nothing made."""

from __future__ import annotations

from engine.facade import Engine
from tests.journey import OPERATOR
from tests.web.conftest import make_app, sign_in_session


def test_the_analyst_lists_reads_and_copies_a_pack(any_db_engine: Engine) -> None:
    client = sign_in_session(make_app(any_db_engine).test_client(), "gao.yan")
    page = client.get("/modeler/packs", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "从流程包新建" in page and "加班事先报备审批" in page and "费用支出审批（预算控制）" in page
    page = client.get("/modeler/packs?pack=expense").get_data(as_text=True)
    assert "所有费用支出都应有明确的预算依据" in page and 'action="/modeler/packs/expense/copy"' in page
    response = client.post("/modeler/packs/overtime/copy", data={"key": "overtime_weekend", "title": "Weekend"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/modeler/overtime_weekend")
    assert client.get("/modeler/overtime_weekend").status_code == 200
    assert [d["key"] for d in any_db_engine.modeler.drafts(OPERATOR)] == ["overtime_weekend"]


def test_a_key_in_use_or_an_unknown_pack_makes_nothing(any_db_engine: Engine) -> None:
    client = sign_in_session(make_app(any_db_engine).test_client(), "gao.yan")
    response = client.post("/modeler/packs/overtime/copy", data={"key": "market_plan"},
                           headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/modeler/packs?pack=overtime")
    page = client.get(response.headers["Location"], headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "已有键为 market_plan 的流程或草稿：请换一个键。" in page
    assert client.post("/modeler/packs/payroll/copy", data={"key": "payroll_2"}).status_code == 404
    assert client.get("/modeler/packs?pack=payroll").status_code == 404
    assert any_db_engine.modeler.drafts(OPERATOR) == []


def test_a_packs_readme_is_shown_as_a_page_not_as_markdown(any_db_engine: Engine) -> None:
    client = sign_in_session(make_app(any_db_engine).test_client(), "gao.yan")
    page = client.get("/modeler/packs?pack=complaints").get_data(as_text=True)
    readme = page.split('class="pack-readme"', 1)[1].split("</section>", 1)[0]
    assert "<h3>Customer complaints (客户投诉处理)</h3>" in readme and "<h1>" not in readme and "<table>" in readme
    assert "<blockquote>" in readme and "<strong>The deadlines here are ours</strong>" in readme
    assert "## " not in readme and "| step |" not in readme  # no Markdown left raw


def test_markup_in_a_readme_is_shown_as_text() -> None:
    from webui.markdown import render_markdown

    shown = str(render_markdown("# Pack\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <b>bold</b>"))
    assert "<script>" not in shown and "&lt;script&gt;" in shown and "<b>" not in shown
    assert 'href="javascript:' not in shown and "<h3>Pack</h3>" in shown
