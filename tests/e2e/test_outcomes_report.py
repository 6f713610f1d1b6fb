"""The executive opens the outcomes dashboard, downloads the report, and the file opens with
the network cut off and still draws its charts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from escapevelocity.care import demo_data as care_demo
from escapevelocity.demo import seed
from escapevelocity.outcomes import demo_data as outcomes_demo
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_lets_the_executive_download_a_report_that_opens_offline(
    live_server: Any, page: Any, browser: Any, tmp_path: Path
) -> None:
    seed.seed_org()
    care_demo.seed()
    outcomes_demo.seed()

    login(page, live_server, "erin", seed.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Outcomes").click()
    page.wait_for_url(f"{live_server.url}/outcomes/executive/")
    assert page.get_by_role("heading", name="Revenue, reputation and cost").is_visible()
    tiles = page.locator("li.tile")
    assert tiles.count() == 3
    for name in ("Revenue won from social leads", "Net sentiment", "Cost avoided"):
        assert page.get_by_role("heading", name=name, exact=False).first.is_visible()
    # The trend charts are drawn by plotly served from this server, not a CDN.
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    assert page.locator(".js-plotly-plot").count() == 3
    # Each number opens the conversations behind it.
    cost = page.locator('li.tile[data-metric="cost.avoided"] a.value')
    assert "/care/?" in (cost.get_attribute("href") or "")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the executive report").click()
    download = info.value
    assert download.suggested_filename.startswith("executive-report-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)

    offline = browser.new_context()
    requested: list[str] = []

    def only_files(route: Any) -> None:
        requested.append(route.request.url)
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            route.abort()

    offline.route("**/*", only_files)
    report = offline.new_page()
    report.goto(saved.as_uri())
    assert report.get_by_role("heading", name="Lumen Telecom: executive report").is_visible()
    report.locator(".js-plotly-plot .main-svg").first.wait_for()
    assert report.locator(".js-plotly-plot").count() >= 3
    assert report.get_by_role("heading", name="How each number is computed").is_visible()
    assert [u for u in requested if not u.startswith("file:")] == []
    offline.close()
