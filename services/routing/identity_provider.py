"""Signing in through the office's identity provider (统一身份认证), by OpenID Connect: the
authorization code flow with PKCE. The provider proves who someone is; the office's directory says
what they may do — the ID token's subject, or its sign-in name claim, must name an active account
(`services.routing.accounts.sign_in_as`).

The ID token is verified with the provider's published keys (its JWKS, fetched again when a token is
signed with a key not seen yet — a rotation), RS256 or ES256 only, its issuer and audience checked, its
nonce the one this sign-in sent. No framework here; the routes are `services.routing.sign_in_pages`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

__all__ = ["IdentityProvider", "IdentityProviderSettings", "Pkce", "TokenRefused"]

ALGORITHMS = ("RS256", "ES256")


class TokenRefused(Exception):
    """The provider's answer does not prove anyone: why, for the log (never shown as is)."""


@dataclass(frozen=True, slots=True)
class IdentityProviderSettings:
    issuer: str
    client_id: str
    client_secret: str
    redirect_url: str
    scopes: str = "openid profile"
    username_claim: str = "preferred_username"


@dataclass(frozen=True, slots=True)
class Pkce:
    """One sign-in's secrets: the state and nonce it sends, and the verifier of its code challenge."""

    state: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class IdentityProvider:
    """The provider as routing talks to it: discovery, the authorization URL, the code exchange, the
    ID token's verification."""

    def __init__(self, settings: IdentityProviderSettings) -> None:
        self.settings = settings
        self._metadata: dict[str, Any] | None = None
        self._keys: dict[str, jwt.PyJWK] = {}

    async def _get(self, url: str) -> httpx.Response:
        async with httpx.AsyncClient(timeout=10) as http:
            return await http.get(url)

    async def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            url = self.settings.issuer.rstrip("/") + "/.well-known/openid-configuration"
            response = await self._get(url)
            response.raise_for_status()
            metadata: dict[str, Any] = response.json()
            if metadata.get("issuer") != self.settings.issuer:
                raise TokenRefused(f"the provider at {url} names another issuer: {metadata.get('issuer')!r}")
            self._metadata = metadata
        return self._metadata

    async def authorization_url(self, pkce: Pkce) -> str:
        endpoint = (await self.metadata())["authorization_endpoint"]
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.settings.client_id,
                "redirect_uri": self.settings.redirect_url,
                "scope": self.settings.scopes,
                "state": pkce.state,
                "nonce": pkce.nonce,
                "code_challenge": pkce.challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"

    async def claims(self, code: str, pkce: Pkce) -> dict[str, Any]:
        """The verified claims of the ID token the provider gives for ``code``."""
        async with httpx.AsyncClient(timeout=10) as http:
            response = await http.post(
                (await self.metadata())["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": self.settings.redirect_url,
                    "code_verifier": pkce.verifier,
                },
                auth=(self.settings.client_id, self.settings.client_secret),
            )
        if response.status_code != 200:
            raise TokenRefused(f"the token endpoint answered {response.status_code}")
        id_token = response.json().get("id_token")
        if not isinstance(id_token, str):
            raise TokenRefused("the token endpoint gave no ID token")
        return await self.verify(id_token, pkce.nonce)

    async def verify(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"not a token: {exc}") from None
        if header.get("alg") not in ALGORITHMS:
            raise TokenRefused(f"signed with {header.get('alg')!r}, not one of {', '.join(ALGORITHMS)}")
        key = await self._key(str(header.get("kid", "")))
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=list(ALGORITHMS),
                audience=self.settings.client_id,
                issuer=self.settings.issuer,
                options={"require": ["iss", "aud", "sub", "exp", "iat"]},
                leeway=30,
            )
        except jwt.PyJWTError as exc:
            raise TokenRefused(f"the ID token does not verify: {exc}") from None
        if not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
            raise TokenRefused("the ID token's nonce is not this sign-in's")
        return claims

    async def _key(self, kid: str) -> jwt.PyJWK:
        if kid not in self._keys:  # a key not seen yet: the provider may have rotated its keys
            response = await self._get((await self.metadata())["jwks_uri"])
            response.raise_for_status()
            keys = {}
            for jwk in response.json().get("keys", []):
                if jwk.get("use", "sig") == "sig" and jwk.get("alg", "RS256") in ALGORITHMS:
                    keys[str(jwk.get("kid", ""))] = jwt.PyJWK(jwk)
            self._keys = keys
        if kid not in self._keys:
            raise TokenRefused(f"no key {kid!r} among the provider's")
        return self._keys[kid]
