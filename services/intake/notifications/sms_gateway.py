"""The SMS adapter: one POST per message to the office's SMS gateway, ``{"to": …, "text": …}`` with
``Authorization: Bearer <token>``.

Not reached, or an answer refusing it (429 and 5xx: try again; other 4xx: permanent) → `NotSent`.
A timeout waiting for the answer may have sent it: raised as it is (never sent again).
"""

from __future__ import annotations

import httpx

from services.intake.config import SmsGatewaySettings
from services.intake.notifications.port import NotSent, Outgoing

__all__ = ["SmsGatewaySender"]


class SmsGatewaySender:
    def __init__(
        self, settings: SmsGatewaySettings, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        assert settings.url is not None, "an SMS gateway is configured"
        self._url = str(settings.url)
        token = settings.token.get_secret_value() if settings.token else None
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._timeout = settings.timeout_seconds
        self._transport = transport

    async def send(self, message: Outgoing) -> None:
        async with httpx.AsyncClient(timeout=self._timeout, transport=self._transport) as client:
            try:
                answer = await client.post(
                    self._url, json={"to": message.address, "text": message.text}, headers=self._headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise NotSent(f"SMS gateway not reached ({type(exc).__name__})") from None
        # 401/403: the office's token, not this message — retried once the setting is mended
        if answer.status_code in (401, 403, 429) or answer.status_code >= 500:
            raise NotSent(f"SMS gateway answered {answer.status_code}")
        if answer.status_code >= 400:
            raise NotSent(f"SMS gateway refused it ({answer.status_code})", permanent=True)
