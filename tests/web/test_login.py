from typing import Any

import pytest
import time_machine
from django.test import Client

from tests.conftest import PASSWORD, Org


def login(client: Client, username: str, password: str, **extra: Any) -> Any:
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_it_logs_in_and_out(org: Org) -> None:
    client = Client()
    r = login(client, "alice", PASSWORD)
    assert r.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_it_refuses_a_wrong_password_without_saying_which_part(org: Org) -> None:
    r = login(Client(), "alice", "wrong")
    assert r.status_code == 401
    assert b"do not match" in r.content


def test_it_throttles_repeated_failures_for_a_username(org: Org, settings: Any) -> None:
    settings.EV_LOGIN_MAX_FAILURES = 3
    client = Client()
    for _ in range(3):
        assert login(client, "alice", "wrong").status_code == 401
    r = login(client, "alice", PASSWORD)
    assert r.status_code == 429
    assert b"Too many failed attempts" in r.content
    assert login(Client(), "bob", PASSWORD).status_code == 302  # others are not locked out


def test_it_lifts_the_throttle_after_the_window(org: Org, settings: Any) -> None:
    settings.EV_LOGIN_MAX_FAILURES = 2
    with time_machine.travel("2026-11-22 10:00Z", tick=False):
        login(Client(), "alice", "wrong")
        login(Client(), "alice", "wrong")
        assert login(Client(), "alice", PASSWORD).status_code == 429
    with time_machine.travel("2026-11-22 10:20Z", tick=False):
        assert login(Client(), "alice", PASSWORD).status_code == 302


def test_it_refuses_redirects_to_other_sites(org: Org) -> None:
    r = Client().post(
        "/login/", {"username": "alice", "password": PASSWORD, "next": "https://evil.example/"}
    )
    assert r["Location"] == "/"


def test_it_needs_csrf_on_the_login_form(org: Org) -> None:
    r = login(Client(enforce_csrf_checks=True), "alice", PASSWORD)
    assert r.status_code == 403


def test_it_logs_out_only_by_post(org: Org) -> None:
    client = org.client(org.alice)
    assert client.get("/logout/").status_code == 405


@pytest.mark.parametrize(
    "path", ["/care/", "/demand/", "/governance/", "/outcomes/", "/maturity/", "/org/", "/"]
)
def test_it_sends_strangers_to_the_login_page(org: Org, path: str) -> None:
    r = Client().get(path)
    assert r.status_code == 302
    assert r["Location"].startswith("/login/")


def test_it_creates_shows_once_and_revokes_a_token(org: Org) -> None:
    client = org.client(org.bob)
    r = client.post("/account/tokens/", {"name": "nightly import"})
    assert r.status_code == 200
    assert b"it will not be shown again" in r.content
    from escapevelocity.org.models import ApiToken

    token = ApiToken.objects.get(user=org.bob)
    assert token.prefix.encode() in r.content
    again = client.get("/account/tokens/")
    assert b"will not be shown again" not in again.content
    assert org.client(org.charlie).post(f"/account/tokens/{token.pk}/revoke/").status_code == 404
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked is not None


def test_it_names_a_missing_token_name(org: Org) -> None:
    r = org.client(org.bob).post("/account/tokens/", {"name": "  "})
    assert r.status_code == 422
