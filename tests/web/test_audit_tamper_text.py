"""The verified badge says what was tampered with in the reader's language, and never shows a server path."""

from __future__ import annotations

from sqlalchemy import text as sql

from engine.facade import Engine
from tests.engine.history.test_tamper_evidence import events_of, rewrite
from tests.journey import OPERATOR, research_and_draft, start_plan
from tests.web.conftest import ClientFor, text
from webui.audit.tamper_text import tamper_text

ZH = {"Accept-Language": "zh-CN"}


def test_an_edited_event_and_a_rewrite_under_a_checkpoint_are_said_in_chinese(client_as: ClientFor,
                                                                               web_engine: Engine) -> None:
    edited, rewritten = start_plan(web_engine), start_plan(web_engine)
    research_and_draft(web_engine, edited)
    research_and_draft(web_engine, rewritten)
    web_engine.audit.checkpoint(OPERATOR)
    victim = events_of(web_engine, edited)[1]
    with web_engine.db.begin() as connection:  # a careless edit: the hash no longer matches
        connection.execute(sql("UPDATE history_event SET actor = 'someone' WHERE id = :id"), {"id": victim.id})
    rewrite(web_engine, rewritten, 2, lambda payload: payload.update(forged=True))  # chain recomputed
    auditor = client_as("he.ping")
    page = text(auditor.get(f"/audit/instances/{edited}", headers=ZH))
    assert "历史已被改动" in page and f"事件 #{victim.seq} 被改动：其哈希与内容不符。" in page
    page = text(auditor.get(f"/audit/instances/{rewritten}", headers=ZH))
    assert "事件 #2 在纳入签名检查点之后被改动" in page
    evidence = str(web_engine.collaborators.checkpoints.directory)
    assert evidence not in page and "/tmp/" not in page and "checkpoints/" not in page


def test_an_unknown_message_keeps_no_path() -> None:
    assert tamper_text("something odd at /srv/opsflow/instance/checkpoints/0004.cp today") == \
        "something odd at … today"


def test_a_checkpoint_no_witness_cosigned_is_said_without_its_path(client_as: ClientFor, web_engine: Engine,
                                                                    tmp_path) -> None:
    from dataclasses import replace

    from engine.history.witnesses import parse_witness_key
    from opsflow_verify import witness

    assert witness.main(["init", "--name", "audit.example.com/he.ping", "--dir", str(tmp_path / "w")]) == 0
    key = parse_witness_key((tmp_path / "w" / "witness.vkey").read_text())
    web_engine.collaborators.checkpoints = replace(web_engine.collaborators.checkpoints, witnesses=(key,), quorum=1)
    plan = start_plan(web_engine)
    size = web_engine.audit.checkpoint(OPERATOR).size
    page = text(client_as("he.ping").get(f"/audit/instances/{plan}", headers={"Accept-Language": "en"}))
    assert (f"Checkpoint {size} was never cosigned by witness audit.example.com/he.ping (0 of the 1 cosignatures "
            "required)") in page
    assert str(web_engine.collaborators.checkpoints.directory) not in page and "checkpoint-0" not in page
