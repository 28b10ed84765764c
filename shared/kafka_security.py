"""`KafkaSecurity` turned into what each Kafka client takes — one place for every client the system makes.

    client_options(security)   keyword arguments of aiokafka's producer, consumer and admin client
    broker_options(security)   keyword arguments of FastStream's ``KafkaBroker`` (its ``security``,
                               which FastStream turns into the same aiokafka arguments, and for
                               OAUTHBEARER the token provider its producer and consumers share)
    ClientCredentialsToken     the OAUTHBEARER token: OAuth 2.0 client credentials, fetched with httpx,
                               kept and shared, renewed when 80 % of its life has passed
    check_access(...)          why the broker refuses this client, when it does

aiokafka hides why a broker refused a connection behind "Unable to bootstrap from …" (it logs the
reason and tries the next address), and does not notice at all that a broker rejected an OAUTHBEARER
token; `check_access` connects once the same way, asks for metadata, and says what went wrong.

Exceptions (both are ``aiokafka.errors.KafkaConnectionError``, so whatever handles an unreachable
broker handles them too)::

    KafkaConnectionError
     └── KafkaAccessRefused      the broker refused this client: credentials, certificate, mechanism
          └── OAuthTokenError    the identity provider gave no token

No message ever holds a password, a client secret or a token.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx
from aiokafka.abc import AbstractTokenProvider
from aiokafka.conn import collect_hosts, create_conn
from aiokafka.errors import (
    AuthenticationFailedError,
    AuthenticationMethodNotSupported,
    IllegalSaslStateError,
    KafkaConnectionError,
    KafkaError,
    SaslAuthenticationFailed,
    UnsupportedSaslMechanismError,
)
from aiokafka.protocol.metadata import MetadataRequest
from faststream.security import (
    BaseSecurity,
    SASLOAuthBearer,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)

from shared.settings import KafkaSecurity

__all__ = [
    "ClientCredentialsToken",
    "KafkaAccessRefused",
    "OAuthTokenError",
    "broker_options",
    "check_access",
    "client_options",
]

REFRESH_AT = 0.8
"""Share of a token's life after which it is renewed (Kafka's ``sasl.login.refresh.window.factor``)."""
UNKNOWN_LIFETIME_S = 60.0
"""How long a token is kept when neither ``expires_in`` nor a JWT ``exp`` says."""
TOKEN_TIMEOUT_S = 10.0


class KafkaAccessRefused(KafkaConnectionError):  # type: ignore[misc]
    """The broker answered and refused this client; the message says why and with what settings."""


class OAuthTokenError(KafkaAccessRefused):
    """The identity provider's token endpoint gave no token (refused, unreachable, or answered nonsense)."""


class ClientCredentialsToken(AbstractTokenProvider):  # type: ignore[misc]
    """An access token for SASL/OAUTHBEARER from the identity provider's token endpoint (OAuth 2.0 client
    credentials; the client authenticates with HTTP Basic, RFC 6749 §2.3.1).

    One instance serves every connection of the client it is given to: the token is fetched once,
    reused, and fetched again once 80 % of its life has passed (its ``expires_in``, else the JWT's
    ``exp``) — so a new connection never presents an expired token."""

    def __init__(
        self,
        security: KafkaSecurity,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if not (security.oauth_token_url and security.oauth_client_id and security.oauth_client_secret):
            raise ValueError("OAUTHBEARER needs KAFKA_OAUTH_TOKEN_URL, KAFKA_OAUTH_CLIENT_ID and _SECRET")
        self._url = security.oauth_token_url
        self._client_id = security.oauth_client_id
        self._secret = security.oauth_client_secret
        self._scope = security.oauth_scope
        self._extensions = dict(security.oauth_extensions)
        self._transport = transport
        self._clock = clock
        self._token: str | None = None
        self._renew_at = 0.0
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        async with self._lock:  # connections opened together wait for one fetch
            if self._token is None or self._clock() >= self._renew_at:
                self._token, lifetime = await self._fetch()
                self._renew_at = self._clock() + lifetime * REFRESH_AT
            return self._token

    def extensions(self) -> dict[str, str]:
        return self._extensions

    async def _fetch(self) -> tuple[str, float]:
        """A new token and how many seconds it lives."""
        form = {"grant_type": "client_credentials", **({"scope": self._scope} if self._scope else {})}
        try:
            async with httpx.AsyncClient(transport=self._transport, timeout=TOKEN_TIMEOUT_S) as client:
                response = await client.post(
                    self._url,
                    data=form,
                    auth=(self._client_id, self._secret.get_secret_value()),
                    headers={"Accept": "application/json"},
                )
        except httpx.HTTPError as exc:
            raise OAuthTokenError(
                f"the token endpoint {self._url} did not answer: {type(exc).__name__} {exc}"
            ) from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200:
            said = _oauth_error(body)
            raise OAuthTokenError(
                f"the token endpoint {self._url} refused client {self._client_id}: "
                f"HTTP {response.status_code}{f' ({said})' if said else ''}"
            )
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise OAuthTokenError(f"the token endpoint {self._url} answered without an access_token")
        expires_in = body.get("expires_in")
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool) and expires_in > 0:
            return token, float(expires_in)
        expiry = _jwt_expiry(token)
        if expiry is not None:
            return token, max(expiry - self._clock(), 0.0)
        return token, UNKNOWN_LIFETIME_S


def _oauth_error(body: object) -> str:
    """The RFC 6749 error code and description the endpoint gave, if any (they carry no secret)."""
    if not isinstance(body, dict):
        return ""
    parts = [str(body[key])[:200] for key in ("error", "error_description") if body.get(key)]
    return ": ".join(parts)


def _jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT, read without checking it (the broker checks it); None otherwise."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error):
        return None
    expiry = claims.get("exp") if isinstance(claims, dict) else None
    return float(expiry) if isinstance(expiry, int | float) and not isinstance(expiry, bool) else None


def client_options(security: KafkaSecurity | None) -> dict[str, Any]:
    """Keyword arguments for ``AIOKafkaProducer``, ``AIOKafkaConsumer`` and ``AIOKafkaAdminClient``
    (none for None); for OAUTHBEARER, a `ClientCredentialsToken` of the client's own."""
    if security is None:
        return {}
    options: dict[str, Any] = {"security_protocol": security.security_protocol}
    if security.uses_tls:
        options["ssl_context"] = security.ssl_context()
    if security.sasl_mechanism == "OAUTHBEARER":
        options["sasl_mechanism"] = "OAUTHBEARER"
        options["sasl_oauth_token_provider"] = ClientCredentialsToken(security)
    elif security.sasl_mechanism is not None:
        options["sasl_mechanism"] = security.sasl_mechanism
        options["sasl_plain_username"], options["sasl_plain_password"] = _credentials(security)
    return options


def broker_options(security: KafkaSecurity | None) -> dict[str, Any]:
    """Keyword arguments for FastStream's ``KafkaBroker``: ``security`` (FastStream gives its producer
    and consumers the aiokafka arguments `client_options` would, and names the scheme in the AsyncAPI
    document) and, for OAUTHBEARER, one ``sasl_oauth_token_provider`` they all share."""
    if security is None or security.security_protocol == "PLAINTEXT":
        return {}
    context = security.ssl_context() if security.uses_tls else None
    if security.sasl_mechanism is None:
        return {"security": BaseSecurity(ssl_context=context)}
    if security.sasl_mechanism == "OAUTHBEARER":
        return {
            "security": SASLOAuthBearer(ssl_context=context, use_ssl=security.uses_tls),
            "sasl_oauth_token_provider": ClientCredentialsToken(security),
        }
    kind = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}[
        security.sasl_mechanism
    ]
    username, password = _credentials(security)
    return {"security": kind(username, password, ssl_context=context, use_ssl=security.uses_tls)}


def _credentials(security: KafkaSecurity) -> tuple[str, str]:
    if security.sasl_username is None or security.sasl_password is None:  # the settings refuse that
        raise ValueError(f"KAFKA_SASL_MECHANISM={security.sasl_mechanism} needs a username and password")
    return security.sasl_username, security.sasl_password.get_secret_value()


TOKEN_REJECTED = "the broker rejects the token (expired, or an issuer, audience or scope it does not accept?)"
NOT_IN = "the broker answered the first request as it answers a client it did not let in"
REFUSALS: tuple[type[BaseException], ...] = (
    KafkaAccessRefused,
    SaslAuthenticationFailed,
    AuthenticationFailedError,
    AuthenticationMethodNotSupported,
    UnsupportedSaslMechanismError,
    IllegalSaslStateError,
    ssl.SSLError,  # an OSError too, but a certificate that does not verify is a refusal, not an outage
)


async def check_access(
    bootstrap_servers: str, security: KafkaSecurity | None, *, timeout_ms: int = 10_000
) -> None:
    """Connect to the bootstrap servers as every client here does and ask for the cluster's
    metadata; raise `KafkaAccessRefused` saying why if they refuse this client. A broker that is down
    or unreachable is no refusal: it returns (the caller's own error says that)."""
    if security is None or security.security_protocol == "PLAINTEXT":
        return
    options = client_options(security)
    reasons: list[str] = []
    for host, port, _family in collect_hosts(bootstrap_servers, randomize=False):
        try:
            connection = await create_conn(host, port, request_timeout_ms=timeout_ms, **options)
        except (OSError, KafkaError, TimeoutError) as exc:
            refusal = _refusal(exc)
            if refusal is not None:
                reasons.append(f"{host}:{port}: {_reason(refusal, security)}")
            continue
        try:
            # aiokafka does not read the broker's verdict on an OAUTHBEARER token ({"status":
            # "invalid_token"}) and goes on as if it were in: the first request shows it is not
            metadata = await connection.send(MetadataRequest([]))
        except (OSError, KafkaError, TimeoutError) as exc:
            refusal = _refusal(exc)
            if refusal is not None:
                reasons.append(f"{host}:{port}: {_reason(refusal, security)}")
            elif security.sasl_mechanism == "OAUTHBEARER":
                reasons.append(f"{host}:{port}: {TOKEN_REJECTED}")
            continue
        finally:
            connection.close()
        if not metadata.brokers:  # what came back was the broker's refusal, read as metadata
            rejected = TOKEN_REJECTED if security.sasl_mechanism == "OAUTHBEARER" else NOT_IN
            reasons.append(f"{host}:{port}: {rejected}")
            continue
        return
    if reasons:
        raise KafkaAccessRefused(f"Kafka refused this client ({security.summary()}): " + "; ".join(reasons))


def _refusal(exc: BaseException) -> BaseException | None:
    """The refusal behind a failed connection, if it was one: aiokafka wraps what broke a connection
    (a TLS alert after the handshake — TLS 1.3 sends "certificate required" then) in its own error."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, REFUSALS):
            return seen
        seen = seen.__cause__
    return None


def _reason(exc: BaseException, security: KafkaSecurity) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError):
        where = f"KAFKA_SSL_CA_FILE={security.ssl_ca_file}" if security.ssl_ca_file else "the system's CAs"
        return f"its certificate does not verify against {where}: {exc.verify_message}"
    if isinstance(exc, ssl.SSLError):
        reason = str(exc.reason or exc)
        wants_certificate = "ALERT" in reason and "CERTIFICATE" in reason and security.ssl_cert_file is None
        hint = " (does it want a client certificate? KAFKA_SSL_CERT_FILE)" if wants_certificate else ""
        return f"TLS refused: {reason}{hint}"
    return str(exc)
