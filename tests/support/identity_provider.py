"""An OpenID Connect provider for the tests, served on loopback like the office's would be: discovery,
an authorization endpoint that signs in one configured person at once (no login form), a token
endpoint that checks the client's secret, the redirect URI and the PKCE verifier, and a JWKS. It signs
ID tokens with RS256 or ES256 keys made for the run — and, told to, gets one thing wrong (the audience,
the issuer, the expiry, the nonce, the key) so the test sees routing refuse it."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

CLIENT_ID = "civic-workbench"
CLIENT_SECRET = "a-client-secret-for-the-tests"


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    @classmethod
    def make(cls, algorithm: str) -> SigningKey:
        private = (
            rsa.generate_private_key(public_exponent=65537, key_size=2048)
            if algorithm == "RS256"
            else ec.generate_private_key(ec.SECP256R1())
        )
        return cls(secrets.token_hex(4), algorithm, private)

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.algorithms.RSAAlgorithm if self.algorithm == "RS256" else jwt.algorithms.ECAlgorithm
        public: dict[str, Any] = algorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


@dataclass
class Provider:
    """The provider's state: who signs in, with which key, and what to get wrong."""

    redirect_url: str
    algorithm: str = "RS256"
    issuer: str = ""
    """Set once served (its own address)."""
    person: dict[str, Any] = field(
        default_factory=lambda: {"sub": "idp-0001", "preferred_username": "wu-ban"}
    )
    wrong: str | None = None
    """``audience``, ``issuer``, ``expired``, ``nonce`` or ``key``: the next ID tokens get it wrong."""
    keys: list[SigningKey] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.keys.append(SigningKey.make(self.algorithm))

    def rotate(self) -> None:
        """A new signing key, published beside the old one (which stays until tokens signed with it expire)."""
        self.keys.append(SigningKey.make(self.algorithm))

    def app(self) -> Starlette:
        async def health(_: Request) -> Response:
            return JSONResponse({"status": "ok"})

        async def discovery(_: Request) -> Response:
            return JSONResponse(
                {
                    "issuer": self.issuer,
                    "authorization_endpoint": f"{self.issuer}/authorize",
                    "token_endpoint": f"{self.issuer}/token",
                    "jwks_uri": f"{self.issuer}/jwks",
                    "id_token_signing_alg_values_supported": [self.algorithm],
                }
            )

        async def authorize(request: Request) -> Response:
            query = request.query_params
            if query.get("client_id") != CLIENT_ID or query.get("redirect_uri") != self.redirect_url:
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            if query.get("code_challenge_method") != "S256" or "openid" not in query.get("scope", "").split():
                return JSONResponse({"error": "invalid_request"}, status_code=400)
            code = secrets.token_urlsafe(16)
            self.codes[code] = {"nonce": query.get("nonce"), "challenge": query.get("code_challenge")}
            return RedirectResponse(
                f"{self.redirect_url}?{urlencode({'code': code, 'state': query.get('state', '')})}", 302
            )

        async def token(request: Request) -> Response:
            form = await request.form()
            expected = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            held = self.codes.pop(str(form.get("code", "")), None)
            verifier = str(form.get("code_verifier", ""))
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            )
            if (
                held is None
                or held["challenge"] != challenge
                or form.get("redirect_uri") != self.redirect_url
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            return JSONResponse(
                {"access_token": "opaque", "token_type": "Bearer", "id_token": self.id_token(held["nonce"])}
            )

        async def jwks(_: Request) -> Response:
            return JSONResponse({"keys": [key.jwk() for key in self.keys]})

        return Starlette(
            routes=[
                Route("/health", health),
                Route("/.well-known/openid-configuration", discovery),
                Route("/authorize", authorize),
                Route("/token", token, methods=["POST"]),
                Route("/jwks", jwks),
            ]
        )

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            **self.person,
            "iss": "https://elsewhere.example" if self.wrong == "issuer" else self.issuer,
            "aud": "another-client" if self.wrong == "audience" else CLIENT_ID,
            "iat": now - (7200 if self.wrong == "expired" else 0),
            "exp": now + (-3600 if self.wrong == "expired" else 300),
            "nonce": "a-nonce-of-another-sign-in" if self.wrong == "nonce" else nonce,
        }
        key = self.keys[-1]
        signing = SigningKey.make(key.algorithm).private if self.wrong == "key" else key.private
        return jwt.encode(claims, signing, algorithm=key.algorithm, headers={"kid": key.kid})
