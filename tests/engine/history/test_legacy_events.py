"""Events hashed before RFC 8785 was pinned (encoding 1) stay verifiable: the migration marks them, never
rehashes them, and the chain, the tree, the bundle and opsflow-verify all read them with the old rule."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import select, text

from engine.facade import MIGRATIONS, build_engine
from engine.history import GENESIS_HASH
from engine.history.encoding import chain_hash, legacy_json
from engine.models import HistoryEvent
from opsflow_verify.bundle import verify as verify_bundle
from tests.journey import OPERATOR, chains, research_and_draft, start_plan


def old_hash(prev, instance_id, seq, kind, at, actor, task_name, human_task_id, payload_json) -> str:
    """The rule opsflow used before migration 0007, written out again."""
    return chain_hash(legacy_json([prev, instance_id, seq, kind, at, actor, task_name, human_task_id,
                                   payload_json]).encode("utf-8"))


def test_the_migration_marks_old_events_as_encoding_1_and_keeps_their_hashes(sqlite_url):
    engine = build_engine(sqlite_url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.db.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
        connection.execute(text("INSERT INTO role (key, title, title_zh, kind) VALUES ('staff', 'Staff', '', 'org')"))
        connection.execute(text("INSERT INTO user_account (id, username, display_name, active, created_at, "
                                "failed_logins) VALUES (1, 'u', '', 1, '2026-01-01 00:00:00', 0)"))
        connection.execute(text("INSERT INTO process_definition (id, key, version, title, title_zh, source_name, "
                                "checksum, bpmn_xml, spec_json, start_roles, instance_title, business_key, "
                                "notify_on_end, deployed_at, deployed_by) VALUES (1, 'p', 1, 'P', '', 'p.bpmn', 'x', "
                                "'<x/>', '{}', '', '', '', '', '2026-01-01 00:00:00', '')"))
        at = "2026-01-01T00:00:00.000000Z"
        digest = old_hash(GENESIS_HASH, 1, 1, "instance_started", at, "u", None, None, '{"a":"中"}')
        connection.execute(text("INSERT INTO process_instance (id, definition_id, process_key, title, status, "
                                "started_by_id, started_at, version, state_json, data_json, history_seq, "
                                "history_head) VALUES (1, 1, 'p', '', 'running', 1, '2026-01-01 00:00:00', 1, '{}', "
                                "'{}', 1, :h)"), {"h": digest})
        connection.execute(text("INSERT INTO history_event (instance_id, seq, kind, occurred_at, actor, payload_json, "
                                "prev_hash, hash) VALUES (1, 1, 'instance_started', '2026-01-01 00:00:00.000000', "
                                "'u', :p, :prev, :h)"), {"p": '{"a":"中"}', "prev": GENESIS_HASH, "h": digest})
        command.upgrade(config, "head")
    with engine.core.reading() as session:
        event = session.scalars(select(HistoryEvent)).one()
        assert (event.encoding, event.hash) == (1, digest)
    assert chains(engine, 1) == (1, [])
    engine.audit.checkpoint(OPERATOR)
    assert engine.audit.verify(OPERATOR, 1).ok
    engine.db.dispose()


def test_a_history_of_old_and_new_events_verifies_everywhere(sqlite_engine, tmp_path):
    engine = sqlite_engine
    plan = start_plan(engine)
    with engine.core.reading() as session:  # turn the first step's events into what an old opsflow wrote
        events = session.scalars(select(HistoryEvent).where(HistoryEvent.instance_id == plan)
                                 .order_by(HistoryEvent.seq)).all()
        session.expunge_all()
    from engine.clock import utc_iso

    head = GENESIS_HASH
    with engine.db.begin() as connection:
        for event in events:
            payload = legacy_json(__import__("json").loads(event.payload_json))
            digest = old_hash(head, plan, event.seq, event.kind, utc_iso(event.occurred_at), event.actor,
                              event.task_name, event.human_task_id, payload)
            connection.execute(text("UPDATE history_event SET encoding = 1, payload_json = :p, prev_hash = :prev, "
                                    "hash = :h WHERE id = :id"), {"p": payload, "prev": head, "h": digest,
                                                                   "id": event.id})
            head = digest
        connection.execute(text("UPDATE process_instance SET history_head = :h WHERE id = :i"), {"h": head, "i": plan})
    research_and_draft(engine, plan)  # new events (encoding 2) chain on from the old ones
    assert chains(engine, plan) == (1, [])
    engine.audit.checkpoint(OPERATOR)
    report = engine.audit.verify(OPERATOR, plan)
    assert report.ok and report.covered == report.events
    bundle = tmp_path / "mixed.zip"
    with open(bundle, "wb") as out:
        engine.audit.export_bundle(OPERATOR, [plan], out)
    assert verify_bundle(str(bundle)).problems == []
    with engine.core.reading() as session:
        assert set(session.scalars(select(HistoryEvent.encoding).where(HistoryEvent.instance_id == plan))) == {1, 2}
