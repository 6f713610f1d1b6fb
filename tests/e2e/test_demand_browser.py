"""A spoke lead files a request against the published requirements; the strategist redirects it
to a playbook; the hub's risk gauge moves."""

from __future__ import annotations

import re
from typing import Any

import pytest

from escapevelocity.demand import demo_data
from escapevelocity.demand.models import DemandRequest, Status
from escapevelocity.demo import seed
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

ANSWERS = {
    "Purpose and audience": "Young customers who follow our brand campaigns.",
    "Owner and backup": "Maya Cohen, backup Tom Reyes.",
    "Staffing and response hours": "Six hours a week; answers within one working day.",
    "Content plan": "Three posts a week for twelve weeks, drafted.",
    "Trained people": "Maya and Tom took the hub's course in May.",
}


def gauge_load(page: Any) -> int:
    text = page.locator("#risk-load strong").inner_text()
    match = re.fullmatch(r"(\d+)%", text.strip())
    assert match, text
    return int(match.group(1))


def test_it_blocks_a_missing_requirement_then_the_strategist_redirects_the_request(
    live_server: Any, page: Any
) -> None:
    seed.seed_org()
    demo_data.seed()

    login(page, live_server, "maya", seed.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Demand").click()
    page.wait_for_url(f"{live_server.url}/demand/")
    # Spoke leads read dashboards, so the demand page shows Maya the hub's risk too.
    assert page.locator("#risk-load").count() == 1
    page.get_by_role("link", name="New request").click()
    page.get_by_role("link", name="New social account").click()
    page.get_by_label("Title").fill("Instagram for Brand Marketing")
    page.get_by_label("Business goal").fill("Reach younger customers where they spend time.")
    page.get_by_label("Outcome metric").fill("Share of positive mentions among under-30s")
    page.get_by_label("Due date").fill("2099-03-01")
    page.get_by_label("Effort estimate (hours)").fill("16")
    for label, answer in ANSWERS.items():
        page.get_by_label(label, exact=True).fill(answer)
    page.get_by_role("button", name="Submit to the hub").click()

    alert = page.get_by_role("alert")
    assert "cannot be submitted yet" in alert.inner_text()
    assert "Requirement missing: Exit plan." in alert.inner_text()
    draft = DemandRequest.objects.get(title="Instagram for Brand Marketing")
    assert draft.status == Status.DRAFT

    page.get_by_label("Exit plan", exact=True).fill("Archive it and point followers home.")
    page.get_by_role("button", name="Submit to the hub").click()
    page.wait_for_url(f"{live_server.url}/demand/requests/{draft.pk}/")
    assert page.locator("#request-status").inner_text() == "Incoming"
    page.get_by_role("button", name="Log out").click()

    login(page, live_server, "sam", seed.DEMO_PASSWORD)
    page.wait_for_selector("#risk-panel [data-figure='gauge-figure'] .main-svg")
    before = gauge_load(page)
    page.goto(f"{live_server.url}/demand/requests/{draft.pk}/")
    page.get_by_label("Decision").select_option("redirect")
    page.get_by_label("Playbook").select_option(label="Launch a social account the right way")
    page.get_by_label("Reason").fill("The playbook covers this; register the account after.")
    page.get_by_role("button", name="Record decision").click()
    page.wait_for_url(f"{live_server.url}/demand/requests/{draft.pk}/")
    assert page.locator("#request-status").inner_text() == "Redirected to a playbook"
    assert page.get_by_role("link", name="Launch a social account the right way").is_visible()

    page.get_by_role("link", name="Escape Velocity").click()
    page.wait_for_selector("#risk-panel [data-figure='gauge-figure'] .main-svg")
    after = gauge_load(page)
    # 16 hours left the queue: a quarter of that a week, over the hub's reactive hours.
    assert after < before
    draft.refresh_from_db()
    assert draft.status == Status.REDIRECTED
