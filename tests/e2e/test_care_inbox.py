from __future__ import annotations

from typing import Any

import pytest

from escapevelocity.care import services
from escapevelocity.care.models import Conversation, Correction, Reply, Status
from escapevelocity.demo import seed
from tests.care.conftest import FakeTriager, install_fake_triage, post
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def fake_triage(monkeypatch: pytest.MonkeyPatch) -> FakeTriager:
    return install_fake_triage(monkeypatch)


SCRIPT_POST = '<script>window.__pwned = 1; alert("pwned")</script> is your site hacked?'


def test_it_lets_an_agent_work_the_queue(
    live_server: Any, page: Any, fake_triage: FakeTriager
) -> None:
    seed.seed_org()
    services.ingest_posts(
        [
            post("a", "My router is broken #route:care-eu", author="ann"),
            post("b", "The app needs a feature for pausing #route:care-eu", author="ben"),
            post("c", "Where is my refund? #route:care-eu", author="cy"),
            post("d", SCRIPT_POST + " #route:care-eu", author="dee"),
        ]
    )
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))

    login(page, live_server, "bea", seed.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Care").click()
    page.wait_for_url(f"{live_server.url}/care/")
    assert page.get_by_role("heading", name="Care inbox", level=1).is_visible()
    inbox = page.get_by_role("table")
    assert inbox.get_by_text("My router is broken").is_visible()
    # The hostile post shows as its text; nothing ran.
    assert inbox.get_by_text('<script>window.__pwned = 1; alert("pwned")</script>').is_visible()
    assert page.evaluate("window.__pwned") is None

    # Assign one to herself.
    inbox.get_by_role("link", name="My router is broken").click()
    page.get_by_role("button", name="Assign to me").click()
    assert "assigned to bea" in page.locator(".meta").inner_text()

    # Re-route another to product management.
    page.get_by_role("link", name="← Inbox").click()
    page.get_by_role("table").get_by_role("link", name="The app needs a feature").click()
    page.get_by_label("Re-route to").select_option(label="Product Management")
    page.get_by_label("Why (teaches the router)").fill("a feature request")
    page.get_by_role("button", name="Re-route").click()
    page.wait_for_url(f"{live_server.url}/care/")
    assert page.get_by_text("Moved to the other unit's queue").is_visible()
    assert page.get_by_role("table").get_by_text("The app needs a feature").count() == 0

    # Reply to a third and resolve it.
    page.get_by_role("table").get_by_role("link", name="Where is my refund?").click()
    assert page.get_by_text("post it on the network yourself").is_visible()
    page.get_by_label("Reply to @cy").fill("Refund sent, 3 business days.")
    page.get_by_role("button", name="Log reply").click()
    assert page.get_by_text("Refund sent, 3 business days.").is_visible()
    page.get_by_role("button", name="Resolve").click()
    assert page.locator(".meta .badge", has_text="Resolved").is_visible()

    # The hostile post's own page shows it as text too.
    page.goto(f"{live_server.url}/care/c/{Conversation.objects.get(author__handle='dee').pk}/")
    assert page.locator(".timeline .text").first.inner_text().startswith("<script>")
    assert page.evaluate("window.__pwned") is None
    assert dialogs == []

    router = Conversation.objects.get(author__handle="ann")
    assert router.assignee is not None
    assert router.assignee.username == "bea"
    assert Correction.objects.get().new_value == "product"
    refund = Conversation.objects.get(author__handle="cy")
    assert refund.status == Status.RESOLVED
    assert Reply.objects.get().text == "Refund sent, 3 business days."


def test_it_works_the_list_from_the_keyboard(
    live_server: Any, page: Any, fake_triage: FakeTriager
) -> None:
    seed.seed_org()
    services.ingest_posts(
        [
            post("a", "lawsuit soon #route:care-eu", author="ann"),
            post("b", "Is it down? #route:care-eu", author="ben"),
        ]
    )
    login(page, live_server, "bea", seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/care/")
    page.keyboard.press("j")  # the first row: the most urgent deadline
    with page.expect_navigation():
        page.keyboard.press("a")
    assert page.get_by_text("1 conversation updated.").is_visible()
    page.keyboard.press("j")
    page.keyboard.press("j")
    with page.expect_navigation():
        page.keyboard.press("e")
    assert page.get_by_text("1 conversation updated.").is_visible()
    assert Conversation.objects.get(author__handle="ann").assignee is not None
    assert Conversation.objects.get(author__handle="ben").status == Status.RESOLVED
