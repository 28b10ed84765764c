from __future__ import annotations

from datetime import timedelta

import jwt
import pytest

from shared.auth import mint_token, verify_token
from shared.codes import Role
from shared.errors import Unauthorized
from shared.settings import DEVELOPMENT_JWT_SECRET, DEVELOPMENT_KEY_SECRET, ServiceSettings

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"
KEY_SECRET = "unit-test-key-secret-for-the-case-data-keys"


def test_a_minted_token_verifies_to_its_principal() -> None:
    token = mint_token(SECRET, sub="u1", name="李四", roles=[Role.HANDLER], department="engineering")
    principal = verify_token(SECRET, token)
    assert principal.sub == "u1"
    assert principal.name == "李四"
    assert principal.roles == frozenset({Role.HANDLER})
    assert principal.department == "engineering"


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(
            mint_token("another-secret-that-is-long-enough-for-hs256", sub="u", name="n", roles=[]),
            id="wrong-secret",
        ),
        pytest.param(
            mint_token(SECRET, sub="u", name="n", roles=[], lifetime=timedelta(seconds=-5)), id="expired"
        ),
        pytest.param(
            jwt.encode({"sub": "u", "exp": 9999999999, "roles": ["mayor"]}, SECRET), id="unknown-role"
        ),
        pytest.param(
            jwt.encode({"sub": "u", "exp": 9999999999, "roles": "admin"}, SECRET), id="roles-not-a-list"
        ),
        pytest.param(jwt.encode({"sub": "u", "roles": ["admin"]}, SECRET), id="no-expiry"),
        pytest.param("not.a.token", id="garbage"),
    ],
)
def test_a_bad_token_is_refused(token: str) -> None:
    with pytest.raises(Unauthorized):
        verify_token(SECRET, token)


def test_production_refuses_to_start_without_a_real_secret() -> None:
    with pytest.raises(ValueError, match="CIVIC_JWT_SECRET"):
        ServiceSettings(CIVIC_ENV="production")
    with pytest.raises(ValueError, match="CIVIC_JWT_SECRET"):
        ServiceSettings(CIVIC_ENV="production", CIVIC_JWT_SECRET=DEVELOPMENT_JWT_SECRET)
    with pytest.raises(ValueError, match="CIVIC_KEY_SECRET"):
        ServiceSettings(CIVIC_ENV="production", CIVIC_JWT_SECRET=SECRET)
    with pytest.raises(ValueError, match="CIVIC_KEY_SECRET"):
        ServiceSettings(
            CIVIC_ENV="production", CIVIC_JWT_SECRET=SECRET, CIVIC_KEY_SECRET=DEVELOPMENT_KEY_SECRET
        )
    settings = ServiceSettings(CIVIC_ENV="production", CIVIC_JWT_SECRET=SECRET, CIVIC_KEY_SECRET=KEY_SECRET)
    assert (settings.jwt_key, settings.case_key_secret) == (SECRET, KEY_SECRET)


def test_development_falls_back_to_the_development_secret_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert ServiceSettings(CIVIC_ENV="development").jwt_key == DEVELOPMENT_JWT_SECRET
    assert "CIVIC_JWT_SECRET is not set" in caplog.text


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(tmp_path: object) -> None:
    settings = ServiceSettings(CIVIC_DATA_DIR=str(tmp_path), service_name="intake")
    assert settings.resolved_database_url == f"sqlite+aiosqlite:///{tmp_path}/intake.db"
    url = "postgresql+asyncpg://civic@127.0.0.1/intake"
    assert ServiceSettings(database_url=url).resolved_database_url == url
