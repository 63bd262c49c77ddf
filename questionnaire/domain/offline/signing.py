"""HMAC signatures for the metadata a template carries.

The metadata says which assessment, country and answer versions a file belongs to; a
person must not be able to edit it to import answers into another assessment or to hide
a conflict. The signature covers a canonical JSON text, so the same content always gives
the same bytes whatever order the keys were built in.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any


def canonical_json(payload: Mapping[str, Any]) -> str:
    """The one text form of `payload` that is signed and stored (ASCII, no spaces)."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def sign(text: str, secret: bytes) -> str:
    if not secret:
        raise ValueError("a non-empty secret is needed to sign an offline template")
    return hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_matches(text: str, signature: str, secret: bytes) -> bool:
    """Compare in constant time, so the check does not leak how much of a guess was right."""
    if not secret:
        raise ValueError("a non-empty secret is needed to check an offline template")
    expected = hmac.new(secret, text.encode("utf-8"), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)
