"""Helpers for the approver rules (审批人为空, 自动去重, 批量审批): the market plan deployed again with process
and step properties, and org changes made straight in the tables (opsflow has no use case for them yet)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import update

from engine.facade import Engine
from engine.models import User, UserRole
from tests.journey import deploy_files
from tests.paths import REPO

MARKET_PLAN = REPO / "processes" / "market_plan.bpmn"
PROCESS_PROPERTIES = '<spiffworkflow:property name="startRoles"'


def deploy_market_plan(engine: Engine, folder: Path, process: dict[str, str] | None = None,
                       steps: dict[str, dict[str, str]] | None = None) -> int:
    """The market plan again, with extra process ``properties`` and per-step ones; its new version."""
    xml = MARKET_PLAN.read_text(encoding="utf-8")
    extra = "".join(f'<spiffworkflow:property name="{k}" value="{v}" />\n        ' for k, v in (process or {}).items())
    xml = xml.replace(PROCESS_PROPERTIES, extra + PROCESS_PROPERTIES, 1)
    for step, properties in (steps or {}).items():
        anchor = f'<spiffworkflow:property name="formJsonSchemaFilename" value="market_plan/{step}.json" />'
        assert anchor in xml, step
        xml = xml.replace(anchor, anchor + "".join(
            f'\n          <spiffworkflow:property name="{k}" value="{v}" />' for k, v in properties.items()), 1)
    path = folder / "market_plan.bpmn"
    path.write_text(xml, encoding="utf-8")
    shutil.copy(REPO / "processes" / "market_plan_signoff.dmn", folder)  # the sign-off rule it calls
    [result] = deploy_files(engine, [path], "gao.yan")
    assert result.status == "deployed"
    return result.version


def set_active(engine: Engine, username: str, active: bool) -> None:
    with engine.db.begin() as connection:
        connection.execute(update(User).where(User.username == username).values(active=active))


def move_role(engine: Engine, role: str, from_user: str, to_user: str) -> None:
    """``role`` passes from one person to another (the directory sees it at once: its revision moves)."""
    with engine.db.begin() as connection:
        ids = dict(connection.execute(
            User.__table__.select().with_only_columns(User.username, User.id)
            .where(User.username.in_([from_user, to_user]))).all())
        connection.execute(update(UserRole).where(UserRole.role_key == role, UserRole.user_id == ids[from_user])
                           .values(user_id=ids[to_user]))
