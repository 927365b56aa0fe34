"""Which boards someone is offered: a board's process is deployed, and they may see one of its instances or
hold a role that starts it or works on one of its steps (or an oversight role)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..definitions.catalog import DefinitionCatalog
from ..errors import ProcessNotFound
from ..models import ProcessInstance
from ..org.people import Actor
from ..org.rights import Right, holds, visible_condition


def offered_boards(session: Session, catalog: DefinitionCatalog, viewer: Actor, keys: tuple[str, ...]
                   ) -> tuple[str, ...]:
    offered = []
    unseen = []
    for key in keys:
        try:
            process = catalog.latest(session, key)
        except ProcessNotFound:
            continue
        roles = set(process.start_roles) | {t.lane for t in process.tasks.values()}
        if holds(viewer, Right.SEE_INSTANCE) or viewer.has_any_role(roles):
            offered.append(key)
        else:
            unseen.append(key)
    if unseen:  # one query for the rest: may they see an instance of it?
        seen = set(session.scalars(select(ProcessInstance.process_key).where(
            ProcessInstance.process_key.in_(unseen), visible_condition(session, viewer)).distinct()))
        offered += [key for key in unseen if key in seen]
    return tuple(key for key in keys if key in offered)
