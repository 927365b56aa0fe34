"""What auditors take away (the export bundle, process-mining logs, conformance): who may, and the record of it.

An export is allowed to holders of the audit right outright (a director's department right does not
reach exports) and to the operator; it is recorded in the access log before anything is written out.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..errors import InstanceNotFound
from ..models import ProcessInstance
from ..org.people import Actor
from ..org.rights import Right, require
from .access_log import record_view
from .xes import LogFilter, instance_query


def allow_export(session: Session, actor: Actor, what: str, detail: str, now: datetime,
                 instance_ids: list[int] | None = None, wanted: LogFilter | None = None) -> None:
    """Check the audit right, then that what is asked for exists, and record the export in the access log.

    :raise NotAllowed: :raise InstanceNotFound: :raise ProcessNotFound:
    """
    require(actor, Right.AUDIT, what)
    for wanted_id in instance_ids or []:  # after the right: a stranger learns nothing of which exist
        if session.get(ProcessInstance, wanted_id) is None:
            raise InstanceNotFound(wanted_id)
    if wanted is not None:
        instance_query(session, wanted)  # an unknown process fails here, not half-way
    targets: list[int | None] = list(instance_ids) if instance_ids else [None]
    for instance_id in targets:
        record_view(session, actor, "export", now, instance_id, detail=detail)


def described(wanted: LogFilter) -> str:
    """A log filter in the access log's words: ``process=market_plan, version=2``."""
    return ", ".join(f"{k}={v}" for k, v in (("process", wanted.process), ("version", wanted.version),
                                             ("from", wanted.start), ("to", wanted.end),
                                             ("label", wanted.label if wanted.label != "name" else None)) if v)
