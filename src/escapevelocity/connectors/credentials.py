"""Network credentials encrypted at rest, and a string type that will not print itself.

The key: Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) under a key derived with
HKDF-SHA256 from a secret the caller passes in. The product passes Django's SECRET_KEY, and its
SECRET_KEY_FALLBACKS to keep reading tokens sealed before a key rotation; `reseal` re-encrypts
them under the current key. Losing the secret loses the credentials: they must be entered again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_SALT = b"escapevelocity.connectors.credentials"
_INFO = b"fernet key v1"
REDACTED = "********"


class CredentialError(Exception):
    """Credentials could not be opened (wrong key, tampered or malformed token)."""


class Secret:
    """A credential value: `str()` and `repr()` are redacted; `reveal()` returns the value."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """Return the secret itself, for the one place that must send it."""
        return self._value

    def __repr__(self) -> str:
        return f"Secret({REDACTED!r})"

    def __str__(self) -> str:
        return REDACTED

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(("Secret", self._value))

    def __bool__(self) -> bool:
        return bool(self._value)


def derive_key(secret: str | bytes) -> bytes:
    """Return a Fernet key (urlsafe base64 of 32 bytes) derived from an application secret."""
    material = secret.encode() if isinstance(secret, str) else secret
    if not material:
        raise CredentialError("no secret to derive the credential key from")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=_INFO).derive(material)
    return base64.urlsafe_b64encode(raw)


class CredentialBox:
    """Seals and opens a connector's credentials (a flat mapping of names to strings)."""

    def __init__(self, secret: str | bytes, *, fallbacks: Sequence[str | bytes] = ()) -> None:
        self._fernet = MultiFernet(
            [Fernet(derive_key(secret)), *(Fernet(derive_key(old)) for old in fallbacks if old)]
        )

    def __repr__(self) -> str:
        return "CredentialBox(<key redacted>)"

    def seal(self, credentials: Mapping[str, str | Secret]) -> str:
        """Return the encrypted token for `credentials`, safe to store in a database column."""
        plain = {
            str(name): value.reveal() if isinstance(value, Secret) else str(value)
            for name, value in credentials.items()
        }
        return self._fernet.encrypt(json.dumps(plain, sort_keys=True).encode()).decode("ascii")

    def open(self, token: str) -> dict[str, Secret]:
        """Return the credentials in a token, each value wrapped as a Secret."""
        try:
            plain = json.loads(self._fernet.decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError, UnicodeError) as exc:
            raise CredentialError(
                "the stored credentials cannot be opened with this key; enter them again"
            ) from exc
        if not isinstance(plain, dict) or not all(isinstance(v, str) for v in plain.values()):
            raise CredentialError("the stored credentials are malformed; enter them again")
        return {name: Secret(value) for name, value in plain.items()}

    def reseal(self, token: str) -> str:
        """Return `token` re-encrypted under the current key (after a secret key rotation)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except (InvalidToken, ValueError, UnicodeError) as exc:
            raise CredentialError("the stored credentials cannot be opened with this key") from exc


def describe(credentials: Mapping[str, object]) -> dict[str, str]:
    """Return what a UI or API may show about credentials: which are set, never their values."""
    return {name: "set" if value else "empty" for name, value in credentials.items()}
