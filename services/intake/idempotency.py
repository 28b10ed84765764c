"""Idempotency records that hold no tracking code in the clear (幂等记录).

The row is found by ``SHA-256("idempotency-id|" + key)``; the receipt is sealed (Fernet: AES-128-CBC
with HMAC-SHA256) with a key derived from ``SHA-256("idempotency-seal|" + key)``. The Idempotency-Key
is never stored: whoever holds it — the client retrying — can find and open its receipt; a copy of
the database cannot.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet

__all__ = ["open_receipt", "record_id", "seal_receipt"]


def record_id(key: str) -> str:
    return hashlib.sha256(f"idempotency-id|{key}".encode()).hexdigest()


def _fernet(key: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(f"idempotency-seal|{key}".encode()).digest()))


def seal_receipt(key: str, receipt: dict[str, Any]) -> bytes:
    return _fernet(key).encrypt(json.dumps(receipt).encode())


def open_receipt(key: str, sealed: bytes) -> dict[str, Any]:
    opened: dict[str, Any] = json.loads(_fernet(key).decrypt(sealed))
    return opened
