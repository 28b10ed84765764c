"""Personal data in events, sealed with the case's own key (crypto-shredding, 加密删除).

The topics keep every record for ever (the log is the system of record), so what a citizen wrote
cannot be taken out of them. Instead each case has a data key (AES-256-GCM), and the personal fields
of its events (each payload type names them in ``personal``) travel sealed in the envelope's
``personaldata`` attribute; the payload carries :data:`SEALED` in their place. Destroying the key
(erasure, PIPL Art. 47) makes every copy of those fields — in the topics, in every outbox, in a dead
letter, in a backup — unreadable for good: an event of an erased case opens with :data:`ERASED` there,
and so does a replay.

The data key itself is kept only wrapped (AES key wrap) with a key-encryption key derived from
``CIVIC_KEY_SECRET``. Pure functions: no I/O, no framework.
"""

from __future__ import annotations

import base64
import copy
import json
import os
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.keywrap import InvalidUnwrap, aes_key_unwrap, aes_key_wrap

from shared.failures import OwnMessage

__all__ = [
    "ERASED",
    "SEALED",
    "SealBroken",
    "archive_key_from_secret",
    "erase_fields",
    "erase_texts",
    "kek_from_secret",
    "new_data_key",
    "open_document",
    "open_fields",
    "seal_document",
    "seal_fields",
    "unwrap_key",
    "wrap_key",
]

SEALED = "［已加密］"
"""What a personal field holds on the wire: its value is in the envelope's ``personaldata``."""
ERASED = "［已删除］"
"""What a personal field holds once the case's data is erased (个人信息已删除)."""

_NONCE = 12


class SealBroken(OwnMessage, ValueError):
    """Sealed data that does not open with its case's key: tampered with, or sealed for another event."""


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def kek_from_secret(secret: str) -> bytes:
    """The key-encryption key: HKDF-SHA256 of the deployment's ``CIVIC_KEY_SECRET``."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"civic case data keys").derive(
        secret.encode()
    )


def archive_key_from_secret(secret: str) -> bytes:
    """The key of the sealed records (封存记录) kept after an erasure on request: only the office
    holding ``CIVIC_KEY_SECRET`` opens them, and no service's processing does."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"civic sealed records").derive(
        secret.encode()
    )


def seal_document(key: bytes, document: Any, *, label: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(
        nonce, json.dumps(document, ensure_ascii=False).encode(), label.encode()
    )


def open_document(key: bytes, sealed: bytes, *, label: str) -> Any:
    try:
        return json.loads(AESGCM(key).decrypt(sealed[:_NONCE], sealed[_NONCE:], label.encode()))
    except (InvalidTag, ValueError) as exc:
        raise SealBroken(f"the sealed record {label} does not open with CIVIC_KEY_SECRET") from exc


def wrap_key(kek: bytes, data_key: bytes) -> str:
    return base64.b64encode(aes_key_wrap(kek, data_key)).decode()


def unwrap_key(kek: bytes, wrapped: str) -> bytes:
    try:
        return aes_key_unwrap(kek, base64.b64decode(wrapped))
    except (InvalidUnwrap, ValueError) as exc:
        raise SealBroken("a case key does not unwrap with CIVIC_KEY_SECRET") from exc


def _aad(event_id: UUID, subject: str) -> bytes:
    """Binds the sealed data to its event: it cannot be moved to another event or case."""
    return f"{event_id}/{subject}".encode()


def _slots(data: dict[str, Any], paths: Iterable[str]) -> Iterable[tuple[str, dict[str, Any], str]]:
    """(path, the dict holding the leaf, the leaf's name) for each path whose leaf is a string."""
    for path in paths:
        *parents, leaf = path.split(".")
        holder: Any = data
        for part in parents:
            holder = holder.get(part) if isinstance(holder, dict) else None
        if isinstance(holder, dict) and isinstance(holder.get(leaf), str):
            yield path, holder, leaf


def seal_fields(
    data: dict[str, Any], paths: Iterable[str], key: bytes, *, event_id: UUID, subject: str
) -> tuple[dict[str, Any], str | None]:
    """The data with each personal leaf replaced by :data:`SEALED`, and the leaves sealed (None when
    the event carries none)."""
    sealed = copy.deepcopy(data)
    values = {}
    for path, holder, leaf in _slots(sealed, paths):
        values[path] = holder[leaf]
        holder[leaf] = SEALED
    if not values:
        return data, None
    nonce = os.urandom(_NONCE)
    box = AESGCM(key).encrypt(nonce, json.dumps(values, ensure_ascii=False).encode(), _aad(event_id, subject))
    return sealed, base64.b64encode(nonce + box).decode()


def open_fields(
    data: dict[str, Any], personal: str, key: bytes, *, event_id: UUID, subject: str
) -> dict[str, Any]:
    """The data with its sealed leaves put back."""
    try:
        raw = base64.b64decode(personal)
        plain = AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], _aad(event_id, subject))
        values = json.loads(plain)
    except (InvalidTag, ValueError) as exc:
        raise SealBroken(f"the personal data of event {event_id} does not open with its case's key") from exc
    opened = copy.deepcopy(data)
    for path, holder, leaf in _slots(opened, values):
        if holder[leaf] == SEALED:
            holder[leaf] = values[path]
    return opened


def erase_texts(value: Any, kept: frozenset[str]) -> Any:
    """A stored document with every text replaced by :data:`ERASED` but those under the ``kept`` keys
    (how it was routed and counted, not what the person said)."""
    if isinstance(value, dict):
        return {key: item if key in kept else erase_texts(item, kept) for key, item in value.items()}
    if isinstance(value, list):
        return [erase_texts(item, kept) for item in value]
    return ERASED if isinstance(value, str) and value else value


def erase_fields(data: dict[str, Any], paths: Iterable[str]) -> dict[str, Any]:
    """The data with every personal leaf replaced by :data:`ERASED` (an erased case's event)."""
    erased = copy.deepcopy(data)
    for _path, holder, leaf in _slots(erased, paths):
        holder[leaf] = ERASED
    return erased
