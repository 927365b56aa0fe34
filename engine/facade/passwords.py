"""Set-password links (设置密码链接): an administrator has one e-mailed to a joiner; whoever holds it sets a password
once, before it expires (``engine.org.password_links``); each step is on the organisation's record."""

from __future__ import annotations

from ..errors import InvalidInput
from ..org import password_links, rights
from ..org.password_links import LinkRequested
from ..org.people import Caller, Person, acting
from ..org.rights import Right
from ..runtime import outbox
from ..runtime.request_keys import RequestKey
from ..scheduling.org_record import put_on_record
from .core import Area


class Passwords(Area):
    def send_password_link(self, by: Caller, username: str, link_base: str | None = None,
                           request_key: RequestKey | None = None) -> LinkRequested:
        """E-mail ``username`` a set-password link (one-time, for ``password_links.LINK_LIFETIME``), starting with
        ``OPSFLOW_BASE_URL`` or, when that is not set, ``link_base`` (the web's own address); older links end.
        The worker sends it.

        :raise UserNotFound: :raise InvalidInput: they have left or have no e-mail, e-mail is not set up, or there
            is no address to link to.
        """
        if not self.collaborators.email_enabled:
            raise InvalidInput("e-mail is not set up (OPSFLOW_SMTP_HOST): reset the password and tell them instead")
        with self.core.transaction(request_key) as session:
            actor = acting(session, by)
            rights.require(actor, Right.ADMINISTER_ORG, "send a set-password link")
            base = self.collaborators.letters.base_url or link_base
            now = self.collaborators.clock()
            sent, link_id, changes = password_links.request_link(session, username, actor.username, base or "", now)
            outbox.schedule_job(session, password_links.JOB_KIND, now, now,
                                payload={"link_id": link_id, "base": base})
            put_on_record(session, actor, changes, None, self.collaborators.clock())
            return sent

    def password_link_owner(self, token: str) -> password_links.LinkOwner:
        """Whose password a set-password link sets, while it is valid (anyone holding the link may ask).
        :raise LinkNotValid:"""
        with self.core.reading() as session:
            return password_links.link_owner(session, token, self.collaborators.clock())

    def set_password_by_link(self, token: str, password: str) -> str:
        """Set the password of a set-password link's person, once; their username. :raise LinkNotValid:
        :raise InvalidInput: a password too short."""
        with self.core.transaction() as session:
            username, changes = password_links.use_link(session, token, password, self.collaborators.clock())
            put_on_record(session, acting(session, Person(username)), changes, None, self.collaborators.clock())
            return username
