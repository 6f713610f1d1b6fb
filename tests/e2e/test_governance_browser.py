"""The strategist reviews an account discovery found, gives it an owner, approves it, and sees
the change in the audit log."""

from typing import Any

import pytest

from escapevelocity.demo import seed
from escapevelocity.governance import demo_data
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lets_the_strategist_review_and_approve_a_found_account(
    live_server: Any, page: Any
) -> None:
    seed.seed_org()
    demo_data.seed()
    login(page, live_server, "sam", seed.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Governance").click()
    page.wait_for_url(f"{live_server.url}/governance/")
    assert page.get_by_role("heading", name="Governance", level=1).is_visible()
    assert page.get_by_text("Average large enterprise: 178").is_visible()

    page.get_by_label("Status").select_option("unapproved")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name="@Lumen_Support").click()
    assert page.get_by_role("heading", name="Review this found account").is_visible()
    assert page.get_by_text("Replies to customers as if it were the company").is_visible()

    page.get_by_label("Unit").select_option("care-na")
    page.get_by_label("Owner").select_option("carla")
    page.get_by_label("Backup").select_option("ali")
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_text("approved and owned by carla").is_visible()
    assert page.locator("#account-owner").inner_text() == "carla"
    assert page.get_by_role("heading", name="Review this found account").count() == 0

    page.goto(f"{live_server.url}/governance/audit/")
    row = page.get_by_role("row").filter(has_text="account.approve").first
    assert "sam" in row.inner_text()
    assert "Lumen_Support" in row.inner_text()
    assert '"owner": "carla"' in row.inner_text()
    assert '"status": "unapproved"' in row.inner_text()


def test_it_keeps_the_audit_log_from_a_teammate(live_server: Any, page: Any) -> None:
    seed.seed_org()
    demo_data.seed()
    login(page, live_server, "ali", seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/governance/")
    assert page.get_by_role("link", name="@LumenHelp").first.is_visible()
    assert page.get_by_role("link", name="@Lumen_Support").count() == 0
    assert page.get_by_role("link", name="Audit log").count() == 0
    response = page.goto(f"{live_server.url}/governance/audit/")
    assert response.status == 403
