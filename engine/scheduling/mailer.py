"""Sending e-mail through SMTP, configured by ``OPSFLOW_SMTP_*`` settings."""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True)
class SmtpMailer:
    host: str
    port: int = 25
    sender: str = "opsflow@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 10.0

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SmtpMailer | None:
        """The mailer configured by OPSFLOW_SMTP_HOST (and _PORT, _FROM, _USER, _PASSWORD, _STARTTLS)."""
        env = dict(os.environ if env is None else env)
        host = env.get("OPSFLOW_SMTP_HOST")
        if not host:
            return None
        return cls(host=host, port=int(env.get("OPSFLOW_SMTP_PORT", "25")),
                   sender=env.get("OPSFLOW_SMTP_FROM", "opsflow@localhost"),
                   username=env.get("OPSFLOW_SMTP_USER") or None, password=env.get("OPSFLOW_SMTP_PASSWORD") or None,
                   starttls=env.get("OPSFLOW_SMTP_STARTTLS", "0") == "1")

    def send(self, to: str, subject: str, body: str) -> None:
        """:raise OSError / smtplib.SMTPException: the job that called this is retried."""
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body or subject)
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username and self.password:
                smtp.login(self.username, self.password)
            smtp.send_message(message)
