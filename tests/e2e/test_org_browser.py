from typing import Any

import pytest

from escapevelocity.demo import seed
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_logs_in_as_the_demo_strategist_and_opens_the_organization(
    live_server: Any, page: Any
) -> None:
    seed.seed_org()
    login(page, live_server, "sam", seed.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Organization").click()
    page.wait_for_url(f"{live_server.url}/org/")
    assert page.get_by_role("heading", name="Organization", level=1).is_visible()
    assert page.get_by_role("cell", name="Customer Care Europe care-eu").is_visible()
    assert page.get_by_role("link", name="New unit").is_visible()

    page.get_by_role("link", name="New unit").click()
    page.get_by_label("Key").fill("partners")
    page.get_by_label("Name").fill("Partner Marketing")
    page.get_by_label("Kind").select_option("spoke")
    page.get_by_role("button", name="Save").click()
    # A spoke without a function is refused, with the field named, and nothing is written.
    assert page.get_by_text("A spoke needs a function.").is_visible()
    page.get_by_label("Function").select_option("marketing")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"{live_server.url}/org/")
    assert page.get_by_role("cell", name="Partner Marketing partners").is_visible()


def test_it_shows_a_teammate_the_organization_without_edit_actions(
    live_server: Any, page: Any
) -> None:
    seed.seed_org()
    login(page, live_server, "ali", seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/org/")
    assert page.get_by_role("heading", name="Organization", level=1).is_visible()
    assert page.get_by_role("link", name="New unit").count() == 0
    response = page.goto(f"{live_server.url}/org/units/new/")
    assert response.status == 403
