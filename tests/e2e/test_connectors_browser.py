"""The strategist checks on the connectors: which one listens, how far behind, what failed."""

from typing import Any

import pytest

from escapevelocity.care import listen
from escapevelocity.care.models_connectors import Connector
from escapevelocity.demo import seed
from escapevelocity.org import permissions
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_shows_the_strategist_each_connectors_health(live_server: Any, page: Any) -> None:
    seed.seed_org()
    system = permissions.system_actor()
    listen.connector_save(
        actor=system,
        name="acme-reviews",
        kind="feed",
        options={"url": "https://reviews.example.com/acme.rss"},
    )
    listen.connector_save(
        actor=system,
        name="mastodon-acme",
        kind="mastodon_mentions",
        account="acme@mastodon.example",
        options={"base_url": "https://mastodon.example"},
        credentials={"access_token": "secret-token-value"},
    )
    Connector.objects.filter(name="mastodon-acme").update(
        state="waiting",
        errors=3,
        consecutive_errors=3,
        last_error="mastodon mentions: refused (HTTP 401): The access token is invalid",
        posts_read=42,
    )
    login(page, live_server, "sam", seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/care/connectors/")
    assert page.get_by_role("heading", name="Connectors", level=1).is_visible()
    row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="mastodon-acme"))
    assert row.get_by_role("cell", name="acme@mastodon.example").is_visible()
    assert row.get_by_text("3 in a row: mastodon mentions: refused (HTTP 401)").is_visible()
    assert row.get_by_role("cell", name="42", exact=True).is_visible()
    assert row.get_by_role("cell", name="set", exact=True).is_visible()
    reviews = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="acme-reviews"))
    assert reviews.get_by_role("cell", name="never run").is_visible()
    assert reviews.get_by_role("cell", name="not set").is_visible()
    assert "secret-token-value" not in page.content()
