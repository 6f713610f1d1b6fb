"""The signature of Escape Velocity's webhooks, the same in both directions: ingestion posted to
/api/care/webhook and crisis alerts sent out by Outcomes. No Django here."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: str | int, body: bytes) -> str:
    """The X-EV-Signature value: "sha256=" and the hex HMAC-SHA256 of "<timestamp>.<body>"."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(secret: str, timestamp: str | int, body: bytes, given: str) -> bool:
    """Whether `given` is the signature of this body and timestamp (in constant time)."""
    return hmac.compare_digest(signature(secret, timestamp, body), given)
