"""The email adapter: SMTP with the standard library's ``smtplib``, in a worker thread.

Failures before the message is handed over (connecting, TLS, login, a refused sender or recipient,
a refusal of the DATA) are `NotSent`; a 5xx refusal is permanent. A failure after the message was
handed over (the line dropped before the final answer) may have delivered it: raised as it is, so
the sender loop never sends it again.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from services.intake.config import SmtpSettings
from services.intake.notifications.port import NotSent, Outgoing

__all__ = ["SmtpSender"]


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        assert settings.host is not None, "an SMTP host is configured"
        self._settings = settings
        self._host = settings.host

    async def send(self, message: Outgoing) -> None:
        await asyncio.to_thread(self._send, message)

    def _letter(self, message: Outgoing) -> EmailMessage:
        letter = EmailMessage()
        letter["From"] = self._settings.sender
        letter["To"] = message.address
        letter["Subject"] = message.subject
        letter["Date"] = formatdate(localtime=False)
        letter["Message-ID"] = make_msgid(domain=self._settings.sender.rpartition("@")[2] or None)
        letter.set_content(message.text)
        return letter

    def _connect(self) -> smtplib.SMTP:
        settings, timeout = self._settings, self._settings.timeout_seconds
        if settings.tls == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                self._host, settings.port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(self._host, settings.port, timeout=timeout)
        try:
            if settings.tls == "starttls":
                client.starttls(context=ssl.create_default_context())
            if settings.user:
                password = settings.password.get_secret_value() if settings.password else ""
                client.login(settings.user, password)
        except BaseException:
            client.close()
            raise
        return client

    def _send(self, message: Outgoing) -> None:
        letter = self._letter(message)
        try:
            client = self._connect()
        except smtplib.SMTPResponseException as exc:
            # refused before any recipient was named (greeting, TLS, login): the office's setup, not this
            # message — retried, so that once the setup is mended the queued messages go out
            raise NotSent(f"SMTP {exc.smtp_code} before sending") from None
        except (OSError, smtplib.SMTPException) as exc:
            raise NotSent(f"SMTP server not reached ({type(exc).__name__})") from None
        try:
            client.send_message(letter)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise NotSent(f"SMTP {codes} for the recipient", permanent=min(codes) >= 500) from None
        except smtplib.SMTPResponseException as exc:  # sender or DATA refused, with a code
            raise NotSent(f"SMTP {exc.smtp_code}", permanent=exc.smtp_code >= 500) from None
        finally:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
