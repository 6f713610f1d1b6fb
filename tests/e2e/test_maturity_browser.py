"""The strategist takes the maturity assessment in a real browser and reads the result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from escapevelocity.demo import seed
from escapevelocity.maturity import demo_data
from escapevelocity.planning.maturity import load_questionnaire
from tests.e2e.conftest import login

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "answers.yaml"


def test_it_lets_the_strategist_complete_the_questionnaire_and_open_the_report(
    live_server: Any, page: Any
) -> None:
    seed.seed_org()
    answers = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["answers"]
    login(page, live_server, "sam", seed.DEMO_PASSWORD)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Maturity").click()
    page.wait_for_url(f"{live_server.url}/maturity/")
    assert page.get_by_text("No assessment yet.").is_visible()
    page.get_by_role("link", name="Take the assessment").click()
    page.wait_for_url(f"{live_server.url}/maturity/assess/")

    page.get_by_label("Title of this assessment").fill("Spring review")
    # Questions are labelled by their text; the first is chosen the way a person would.
    page.get_by_label(
        "How does the company listen to what customers say about it on social networks?"
    ).select_option(label="Listening runs continuously and findings are shared")
    for q in load_questionnaire().questions:
        given = answers.get(q.id)
        if given is None or q.id == "listening":
            continue
        value = given["value"] if isinstance(given, dict) else given
        value = {True: "yes", False: "no"}.get(value, value) if isinstance(value, bool) else value
        field = page.locator(f"#q-{q.id}")
        if q.kind == "number":
            field.fill(str(value))
        else:
            field.select_option(str(value))
    page.locator("#q-executive_sponsor-evidence").fill(
        "The COO backs us; the budget is marketing's"
    )

    # One answer left out: refused, the question named, the rest kept.
    page.locator("#q-crisis_plan").select_option("")
    page.get_by_role("button", name="Score the assessment").click()
    alert = page.get_by_role("alert")
    assert alert.get_by_role(
        "link", name="Do you have a crisis plan for social media?"
    ).is_visible()
    assert page.locator("#q-triage").input_value() == "informal"
    page.locator("#q-crisis_plan").select_option("draft")
    page.get_by_role("button", name="Score the assessment").click()
    page.wait_for_url(f"{live_server.url}/maturity/*/")

    assert page.get_by_role("heading", name="Stage 3 of 6: Engagement").is_visible()
    assert page.get_by_role(
        "heading", name="Verdict: Heading for the Social Media Help Desk"
    ).is_visible()
    assert page.get_by_role("heading", name="Benchmarks").is_visible()
    assert page.get_by_role(
        "cell",
        name="23% have a formalized program with long-term direction; your program does not yet.",
    ).is_visible()
    roadmap = page.locator("ol.mt-roadmap")
    sponsor = roadmap.get_by_role("link", name="Appoint an executive sponsor")
    assert sponsor.get_attribute("href") == "/org/"
    assert (
        roadmap.get_by_role(
            "link", name="Publish requirements for business units before they ask"
        ).get_attribute("href")
        == "/demand/"
    )
    assert page.get_by_text("The COO backs us; the budget is marketing's").count() >= 1

    page.get_by_role("link", name="Open the report").click()
    page.wait_for_url(f"{live_server.url}/maturity/*/report/")
    assert page.get_by_text("Social business maturity report").is_visible()
    assert page.get_by_role("heading", name="Lumen Telecom", level=1).is_visible()
    assert page.get_by_role("heading", name="Stage 3 of 6: Engagement").is_visible()
    assert page.get_by_role("button", name="Print or save as PDF").is_visible()
    pdf = page.pdf()
    assert pdf[:4] == b"%PDF"


def test_it_charts_the_demo_company_s_progress_and_compares_two_assessments(
    live_server: Any, page: Any
) -> None:
    seed.seed_org()
    demo_data.seed()
    login(page, live_server, "sam", seed.DEMO_PASSWORD)
    page.goto(f"{live_server.url}/maturity/")
    chart = page.locator("#maturity-chart[data-drawn='true']")
    chart.wait_for()
    assert chart.locator("svg").count() >= 1
    assert page.get_by_role("cell", name="Mid-year review").is_visible()
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url(f"{live_server.url}/maturity/compare/*")
    assert page.get_by_text("2 Presence").is_visible()
    assert page.get_by_text("3 Engagement").is_visible()
    # The report of the latest carries the chart inline, drawn without any network.
    page.goto(f"{live_server.url}/maturity/")
    report_url = page.get_by_role("link", name="Report").get_attribute("href")
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(f"{live_server.url}{report_url}")
    page.locator("#maturity-chart[data-drawn='true']").wait_for()
    assert fetched == [f"{live_server.url}{report_url}"]


def test_it_shows_an_agent_no_maturity_results(live_server: Any, page: Any) -> None:
    seed.seed_org()
    login(page, live_server, "ali", seed.DEMO_PASSWORD)
    response = page.goto(f"{live_server.url}/maturity/")
    assert response.status == 403
