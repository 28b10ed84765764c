"""Kafka security from settings: what is refused, what each client is given, and the OAUTHBEARER token.

Against a real broker: ``tests/shared/integration/test_kafka_security.py``."""

from __future__ import annotations

import asyncio
import base64
import json
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from faststream.kafka.security import parse_security
from pydantic import ValidationError

from deploy.kafka.tls import make_authority
from services.intake.config import IntakeSettings
from shared.kafka_security import ClientCredentialsToken, OAuthTokenError, broker_options, client_options
from shared.settings import KafkaSecurity, ServiceSettings

PASSWORD = "pw-that-must-never-show-7731"
CLIENT_SECRET = "client-secret-that-must-never-show-9124"
SECURITY_ENV = [
    "KAFKA_SECURITY_PROTOCOL",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_USERNAME",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SSL_CA_FILE",
    "KAFKA_SSL_CERT_FILE",
    "KAFKA_SSL_KEY_FILE",
    "KAFKA_SSL_KEY_PASSWORD",
    "KAFKA_SSL_CHECK_HOSTNAME",
    "KAFKA_OAUTH_TOKEN_URL",
    "KAFKA_OAUTH_CLIENT_ID",
    "KAFKA_OAUTH_CLIENT_SECRET",
    "KAFKA_OAUTH_SCOPE",
    "KAFKA_OAUTH_EXTENSIONS",
]


@pytest.fixture(autouse=True)
def no_security_in_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in SECURITY_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_bytes(make_authority().certificate.public_bytes(serialization.Encoding.PEM))
    return path


def scram(ca_file: Path, **changes: Any) -> KafkaSecurity:
    values: dict[str, Any] = {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_username": "civic-relay",
        "sasl_password": PASSWORD,
        "ssl_ca_file": ca_file,
    }
    return KafkaSecurity(**{**values, **changes})


def oauth(**changes: Any) -> KafkaSecurity:
    values: dict[str, Any] = {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "OAUTHBEARER",
        "oauth_token_url": "https://idp.example.org/oauth2/token",
        "oauth_client_id": "civic-intake",
        "oauth_client_secret": CLIENT_SECRET,
        "oauth_scope": "kafka",
    }
    return KafkaSecurity(**{**values, **changes})


# --- settings -------------------------------------------------------------------------------------


def test_plain_by_default_as_the_local_broker_is() -> None:
    security = ServiceSettings().kafka_security
    assert security.security_protocol == "PLAINTEXT"
    assert client_options(security) == {"security_protocol": "PLAINTEXT"}
    assert broker_options(security) == {}


def test_every_service_reads_the_same_unprefixed_variables(
    monkeypatch: pytest.MonkeyPatch, ca_file: Path
) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "SCRAM-SHA-256")
    monkeypatch.setenv("KAFKA_SASL_USERNAME", "civic-intake")
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD)
    monkeypatch.setenv("KAFKA_SSL_CA_FILE", str(ca_file))
    monkeypatch.setenv("KAFKA_SSL_CHECK_HOSTNAME", "false")
    for security in (ServiceSettings().kafka_security, IntakeSettings().kafka_security):
        assert security.security_protocol == "SASL_SSL"
        assert security.sasl_mechanism == "SCRAM-SHA-256"
        assert security.sasl_username == "civic-intake"
        assert security.sasl_password is not None
        assert security.sasl_password.get_secret_value() == PASSWORD
        assert security.ssl_ca_file == ca_file
        assert security.ssl_check_hostname is False
        assert PASSWORD not in repr(security)
        assert security.summary() == "SASL_SSL SCRAM-SHA-256 as civic-intake"


def test_oauth_extensions_come_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "OAUTHBEARER")
    monkeypatch.setenv("KAFKA_OAUTH_TOKEN_URL", "https://idp.example.org/token")
    monkeypatch.setenv("KAFKA_OAUTH_CLIENT_ID", "civic")
    monkeypatch.setenv("KAFKA_OAUTH_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("KAFKA_OAUTH_EXTENSIONS", '{"logicalCluster": "lkc-1", "identityPoolId": "pool-2"}')
    security = KafkaSecurity()
    assert security.oauth_extensions == {"logicalCluster": "lkc-1", "identityPoolId": "pool-2"}
    assert ClientCredentialsToken(security).extensions() == security.oauth_extensions


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    (
        "sasl without a mechanism",
        {"security_protocol": "SASL_SSL", "sasl_username": "u", "sasl_password": PASSWORD},
        "KAFKA_SECURITY_PROTOCOL=SASL_SSL needs KAFKA_SASL_MECHANISM",
    ),
    (
        "a mechanism without sasl",
        {
            "security_protocol": "SSL",
            "sasl_mechanism": "PLAIN",
            "sasl_username": "u",
            "sasl_password": PASSWORD,
        },
        "KAFKA_SASL_MECHANISM=PLAIN needs KAFKA_SECURITY_PROTOCOL=SASL_SSL or SASL_PLAINTEXT, not SSL",
    ),
    (
        "scram without a password",
        {"security_protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-512", "sasl_username": "u"},
        "KAFKA_SASL_MECHANISM=SCRAM-SHA-512 needs KAFKA_SASL_PASSWORD",
    ),
    (
        "plain without credentials",
        {"security_protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN"},
        "KAFKA_SASL_MECHANISM=PLAIN needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD",
    ),
    (
        "credentials on a plain connection",
        {"sasl_username": "u", "sasl_password": PASSWORD},
        "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT sends no credentials",
    ),
    (
        "oauthbearer without a token endpoint",
        {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "OAUTHBEARER",
            "oauth_client_id": "c",
            "oauth_client_secret": CLIENT_SECRET,
        },
        "KAFKA_SASL_MECHANISM=OAUTHBEARER needs KAFKA_OAUTH_TOKEN_URL",
    ),
    (
        "oauthbearer with a password",
        {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "OAUTHBEARER",
            "oauth_token_url": "https://idp.example.org/token",
            "oauth_client_id": "c",
            "oauth_client_secret": CLIENT_SECRET,
            "sasl_password": PASSWORD,
        },
        "KAFKA_SASL_PASSWORD are for PLAIN and SCRAM",
    ),
    (
        "a client secret sent in the clear",
        {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "OAUTHBEARER",
            "oauth_token_url": "http://idp.example.org/token",
            "oauth_client_id": "c",
            "oauth_client_secret": CLIENT_SECRET,
        },
        "KAFKA_OAUTH_TOKEN_URL must be https (http only on loopback)",
    ),
    (
        "oauth settings for scram",
        {
            "security_protocol": "SASL_SSL",
            "sasl_mechanism": "SCRAM-SHA-256",
            "sasl_username": "u",
            "sasl_password": PASSWORD,
            "oauth_client_secret": CLIENT_SECRET,
        },
        "KAFKA_OAUTH_* are for KAFKA_SASL_MECHANISM=OAUTHBEARER, not SCRAM-SHA-256",
    ),
    (
        "a CA file that does not exist",
        {"security_protocol": "SSL", "ssl_ca_file": "/nowhere/ca.pem"},
        "KAFKA_SSL_CA_FILE=/nowhere/ca.pem: no such file",
    ),
    (
        "a CA file on a plain connection",
        {"ssl_ca_file": "/nowhere/ca.pem"},
        "KAFKA_SSL_CA_FILE set, but KAFKA_SECURITY_PROTOCOL=PLAINTEXT does not use TLS",
    ),
    (
        "a key without its certificate",
        {"security_protocol": "SSL", "ssl_key_file": "/nowhere/key.pem"},
        "KAFKA_SSL_KEY_FILE needs KAFKA_SSL_CERT_FILE",
    ),
    (
        "an unknown protocol",
        {"security_protocol": "TLS"},
        "security_protocol",
    ),
]


@pytest.mark.parametrize(("values", "says"), [(v, s) for _, v, s in REFUSED], ids=[n for n, _, _ in REFUSED])
def test_inconsistent_settings_are_refused_naming_the_variables_and_no_secret(
    values: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        KafkaSecurity(**values)
    shown = str(refused.value)
    assert says in shown
    assert PASSWORD not in shown
    assert CLIENT_SECRET not in shown


def test_a_ca_file_that_holds_no_certificate_is_refused(tmp_path: Path) -> None:
    garbage = tmp_path / "ca.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(ValidationError, match="KAFKA_SSL_CA_FILE cannot be used for TLS"):
        KafkaSecurity(security_protocol="SSL", ssl_ca_file=garbage)


def test_a_refusal_from_the_environment_shows_no_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("KAFKA_SASL_MECHANISM", "OAUTHBEARER")
    monkeypatch.setenv("KAFKA_OAUTH_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("KAFKA_SASL_PASSWORD", PASSWORD)
    with pytest.raises(ValidationError) as refused:
        ServiceSettings()
    assert "KAFKA_OAUTH_TOKEN_URL" in str(refused.value)
    assert CLIENT_SECRET not in str(refused.value)
    assert PASSWORD not in str(refused.value)


# --- what each client is given ---------------------------------------------------------------------


def test_scram_over_tls_gives_aiokafka_the_credentials_and_a_verifying_context(ca_file: Path) -> None:
    options = client_options(scram(ca_file))
    assert {k: v for k, v in options.items() if k != "ssl_context"} == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "civic-relay",
        "sasl_plain_password": PASSWORD,
    }
    context = options["ssl_context"]
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True
    assert len(context.get_ca_certs()) == 1, "trusts the CA file, not the system's CAs"


def test_without_hostname_check_the_certificate_is_still_verified(ca_file: Path) -> None:
    context = client_options(scram(ca_file, ssl_check_hostname=False))["ssl_context"]
    assert context.check_hostname is False
    assert context.verify_mode == ssl.CERT_REQUIRED


def test_mutual_tls_presents_the_client_certificate(tmp_path: Path, ca_file: Path) -> None:
    authority = make_authority()
    key, certificate = authority.issue("civic-client", client=True)
    cert_file, key_file = tmp_path / "client.pem", tmp_path / "client-key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    security = KafkaSecurity(
        security_protocol="SSL", ssl_ca_file=ca_file, ssl_cert_file=cert_file, ssl_key_file=key_file
    )
    assert client_options(security)["security_protocol"] == "SSL"
    wrong_key = tmp_path / "other-key.pem"
    wrong_key.write_bytes(
        authority.issue("x")[0].private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    with pytest.raises(ValidationError, match="cannot be used for TLS"):
        KafkaSecurity(security_protocol="SSL", ssl_cert_file=cert_file, ssl_key_file=wrong_key)


def test_tls_without_a_ca_file_trusts_the_systems_authorities() -> None:
    context = client_options(KafkaSecurity(security_protocol="SSL"))["ssl_context"]
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname is True


def _variants(ca_file: Path) -> list[KafkaSecurity]:
    return [
        KafkaSecurity(security_protocol="SSL", ssl_ca_file=ca_file),
        KafkaSecurity(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="PLAIN",
            sasl_username="u",
            sasl_password=PASSWORD,
        ),
        scram(ca_file, sasl_mechanism="PLAIN"),
        scram(ca_file, sasl_mechanism="SCRAM-SHA-256"),
        scram(ca_file),
        KafkaSecurity(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_username="u",
            sasl_password=PASSWORD,
        ),
        oauth(),
        oauth(security_protocol="SASL_PLAINTEXT"),
    ]


def test_faststream_gives_its_clients_what_aiokafka_is_given_directly(ca_file: Path) -> None:
    """The broker (consumers, the relay's producer) and the tools' own clients connect alike."""
    for security in _variants(ca_file):
        direct = client_options(security)
        through = broker_options(security)
        faststream = parse_security(through["security"])
        for key in ("security_protocol", "sasl_mechanism", "sasl_plain_username", "sasl_plain_password"):
            assert faststream.get(key) == direct.get(key), (security.summary(), key)
        assert (faststream["ssl_context"] is None) == ("ssl_context" not in direct), security.summary()
        if security.sasl_mechanism == "OAUTHBEARER":
            assert isinstance(through["sasl_oauth_token_provider"], ClientCredentialsToken)
            assert isinstance(direct["sasl_oauth_token_provider"], ClientCredentialsToken)
        else:
            assert "sasl_oauth_token_provider" not in through


# --- the OAUTHBEARER token -------------------------------------------------------------------------


def unsigned_jwt(claims: dict[str, Any]) -> str:
    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}."


class IdentityProvider:
    """A token endpoint behind httpx's ``MockTransport``: counts and keeps what it was asked."""

    def __init__(self, answer: Callable[[int], httpx.Response]) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self._answer(len(self.requests))

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


async def test_the_token_is_fetched_once_kept_and_renewed_before_it_expires() -> None:
    idp = IdentityProvider(
        lambda n: httpx.Response(
            200, json={"access_token": f"token-{n}", "token_type": "Bearer", "expires_in": 300}
        )
    )
    clock = Clock()
    provider = ClientCredentialsToken(oauth(), transport=idp.transport, clock=clock)
    assert await asyncio.gather(*(provider.token() for _ in range(5))) == ["token-1"] * 5
    assert len(idp.requests) == 1, "connections opened together share one fetch"
    clock.now += 239
    assert await provider.token() == "token-1"
    clock.now += 1  # 80 % of 300 s
    assert await provider.token() == "token-2"
    assert len(idp.requests) == 2

    request = idp.requests[0]
    assert request.method == "POST"
    assert str(request.url) == "https://idp.example.org/oauth2/token"
    assert parse_qs(request.content.decode()) == {"grant_type": ["client_credentials"], "scope": ["kafka"]}
    basic = base64.b64encode(f"civic-intake:{CLIENT_SECRET}".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {basic}"


async def test_without_expires_in_the_jwt_expiry_is_used() -> None:
    clock = Clock()
    token = unsigned_jwt({"sub": "civic-intake", "exp": int(clock.now) + 100})
    idp = IdentityProvider(
        lambda _: httpx.Response(200, json={"access_token": token, "token_type": "Bearer"})
    )
    provider = ClientCredentialsToken(oauth(oauth_scope=None), transport=idp.transport, clock=clock)
    assert await provider.token() == token
    assert parse_qs(idp.requests[0].content.decode()) == {"grant_type": ["client_credentials"]}
    clock.now += 79
    await provider.token()
    assert len(idp.requests) == 1
    clock.now += 1
    await provider.token()
    assert len(idp.requests) == 2


async def test_a_refused_client_is_said_with_the_providers_reason_and_no_secret() -> None:
    idp = IdentityProvider(
        lambda _: httpx.Response(401, json={"error": "invalid_client", "error_description": "bad secret"})
    )
    provider = ClientCredentialsToken(oauth(), transport=idp.transport)
    with pytest.raises(OAuthTokenError) as refused:
        await provider.token()
    said = str(refused.value)
    assert "refused client civic-intake: HTTP 401 (invalid_client: bad secret)" in said
    assert CLIENT_SECRET not in said


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(200, json={"token_type": "Bearer"}), "without an access_token"),
        (httpx.Response(200, text="<html>maintenance</html>"), "without an access_token"),
        (httpx.Response(503, text="down"), "HTTP 503"),
    ],
)
async def test_an_answer_without_a_token_is_an_error(answer: httpx.Response, says: str) -> None:
    provider = ClientCredentialsToken(oauth(), transport=IdentityProvider(lambda _: answer).transport)
    with pytest.raises(OAuthTokenError, match=says):
        await provider.token()


async def test_an_unreachable_provider_is_an_error() -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    provider = ClientCredentialsToken(oauth(), transport=httpx.MockTransport(unreachable))
    with pytest.raises(OAuthTokenError, match="did not answer: ConnectError"):
        await provider.token()


# --- the worked example and the documentation name what the settings read ----------------------------

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "deploy" / "managed-kafka.env.example"
SECURITY_FIELDS = {f"KAFKA_{name.upper()}" for name in KafkaSecurity.model_fields}


def _example_sections() -> dict[str, dict[str, str]]:
    """The example's variables by section: what is set, and each commented alternative."""
    sections: dict[str, dict[str, str]] = {}
    title = ""
    for line in EXAMPLE.read_text().splitlines():
        if line.startswith("# --- "):
            title = line.strip("# -")
            continue
        text = line.removeprefix("# ")
        name, equals, value = text.partition("=")
        if equals and name.isupper() and " " not in name:
            active = "set" if not line.startswith("#") else title
            sections.setdefault(active, {})[name] = value.split("  #")[0].strip()
    return sections


def test_every_setting_of_the_example_validates(tmp_path: Path) -> None:
    authority = make_authority()
    key, certificate = authority.issue("civic-channels", client=True)
    files = {
        "KAFKA_SSL_CA_FILE": authority.certificate.public_bytes(serialization.Encoding.PEM),
        "KAFKA_SSL_CERT_FILE": certificate.public_bytes(serialization.Encoding.PEM),
        "KAFKA_SSL_KEY_FILE": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    }
    sections = _example_sections()
    alternatives = [
        title for title in sections if title != "set" and "KAFKA_SECURITY_PROTOCOL" in sections[title]
    ]
    assert len(alternatives) == 3, sections.keys()
    for title in ["set", *alternatives]:
        values = dict(sections[title])
        for name, content in files.items():
            if name in values:
                path = tmp_path / name.lower()
                path.write_bytes(content)
                values[name] = str(path)
        unknown = (
            {name for name in values if name.startswith("KAFKA_")}
            - SECURITY_FIELDS
            - {"KAFKA_BOOTSTRAP_SERVERS"}
        )
        assert not unknown, (title, unknown)
        fields: dict[str, Any] = {
            name.removeprefix("KAFKA_").lower(): value
            for name, value in values.items()
            if name in SECURITY_FIELDS
        }
        if "oauth_extensions" in fields:
            fields["oauth_extensions"] = json.loads(fields["oauth_extensions"])
        security = KafkaSecurity(**fields)
        assert security.security_protocol in ("SSL", "SASL_SSL"), title


def test_the_documentation_names_every_setting() -> None:
    page = (ROOT / "docs" / "managed-kafka.md").read_text()
    assert not [name for name in SECURITY_FIELDS if f"`{name}`" not in page]
