"""Writing the organisation's record: its events chained after the newest one ``org_record`` anchors.

The events have no instance (``instance_id`` NULL) and a numbering of their own; what they mean is
``engine.org.record``'s. The anchor moves only from the number it was read at, so two changes of the
organisation made at once cannot both take the same number: the later one is told to try again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..errors import Conflict
from ..models import OrgRecord
from .log import GENESIS_HASH, PendingEvent, chain_events, insert_events


def anchor(session: Session) -> tuple[int, str]:
    """The record's newest number and hash (0 and the genesis hash while it is empty)."""
    row = session.execute(select(OrgRecord.seq, OrgRecord.head).where(OrgRecord.id == 1)).first()
    return (row.seq, row.head) if row is not None else (0, GENESIS_HASH)


def append(session: Session, events: list[PendingEvent], now: datetime) -> int:
    """Chain ``events`` onto the record, in the caller's transaction; return the newest number.

    :raise Conflict: the organisation was changed meanwhile (by a transaction that committed first).
    """
    seq, head = anchor(session)
    if not events:
        return seq
    rows, new_seq, new_head = chain_events(None, seq, head, events, now)
    moved = session.execute(update(OrgRecord).where(OrgRecord.id == 1, OrgRecord.seq == seq)
                            .values(seq=new_seq, head=new_head).execution_options(synchronize_session=False))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        if seq == 0 and session.get(OrgRecord, 1) is None:  # a database whose anchor row was never written
            session.add(OrgRecord(id=1, seq=new_seq, head=new_head))
            session.flush()
        else:
            raise Conflict("the organisation was changed by someone else meanwhile; try again")
    insert_events(session, rows)
    return new_seq
