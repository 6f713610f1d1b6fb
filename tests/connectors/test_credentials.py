"""Credentials sealed at rest: never printed, opened only with the right key."""

from __future__ import annotations

import logging

import pytest

from escapevelocity.connectors.credentials import (
    CredentialBox,
    CredentialError,
    Secret,
    describe,
)


def test_it_seals_and_opens_credentials() -> None:
    box = CredentialBox("a-long-application-secret")
    token = box.seal({"access_token": "tok-123", "app_password": Secret("abcd-efgh")})
    assert "tok-123" not in token
    assert "abcd" not in token
    opened = box.open(token)
    assert opened["access_token"].reveal() == "tok-123"
    assert opened["app_password"].reveal() == "abcd-efgh"


def test_it_never_prints_a_secret(caplog: pytest.LogCaptureFixture) -> None:
    secret = Secret("tok-123")
    opened = CredentialBox("k").open(CredentialBox("k").seal({"access_token": secret}))
    with caplog.at_level(logging.INFO):
        logging.getLogger("test").info("credentials: %s %r", opened, secret)
    assert "tok-123" not in caplog.text
    assert str(secret) == "********"
    assert "tok-123" not in f"{secret!r} {opened}"
    assert "a-secret" not in repr(CredentialBox("a-secret"))
    assert describe(opened) == {"access_token": "set"}
    assert describe({"app_password": ""}) == {"app_password": "empty"}


def test_it_refuses_the_wrong_key_and_tampering() -> None:
    token = CredentialBox("right").seal({"access_token": "tok"})
    with pytest.raises(CredentialError, match="enter them again"):
        CredentialBox("wrong").open(token)
    with pytest.raises(CredentialError):
        CredentialBox("right").open(token[:-4] + "AAAA")
    with pytest.raises(CredentialError):
        CredentialBox("right").open("not a token")
    with pytest.raises(CredentialError):
        CredentialBox("")


def test_it_keeps_reading_after_a_key_rotation() -> None:
    old = CredentialBox("old-secret").seal({"access_token": "tok"})
    rotated = CredentialBox("new-secret", fallbacks=["old-secret"])
    assert rotated.open(old)["access_token"].reveal() == "tok"
    resealed = rotated.reseal(old)
    assert CredentialBox("new-secret").open(resealed)["access_token"].reveal() == "tok"
    with pytest.raises(CredentialError):
        CredentialBox("old-secret").open(resealed)
