"""Outcome pages: who may open which, what they show, and the self-contained report."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from escapevelocity.outcomes import services
from escapevelocity.outcomes.models import Alert, DailySnapshot, OutcomeSettings
from tests.conftest import Org
from tests.outcomes.conftest import conversation

NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def data(org: Org) -> Org:
    for i in range(3):
        conversation(
            org.care,
            opened_at=NOW - dt.timedelta(days=i + 1),
            first_responded_at=NOW - dt.timedelta(days=i + 1) + dt.timedelta(minutes=20),
            resolved_at=NOW - dt.timedelta(days=i + 1) + dt.timedelta(hours=3),
            status="resolved",
        )
    conversation(org.product, opened_at=NOW - dt.timedelta(days=2), intent="feedback")
    return org


def alert_for(unit: Any) -> Alert:
    alert = Alert.objects.create(
        series=f"unit:{unit.key}" if unit else "all",
        kind="volume",
        unit=unit,
        started_at=NOW - dt.timedelta(hours=3),
        detected_at=NOW - dt.timedelta(hours=2),
        ended_at=NOW - dt.timedelta(hours=1),
        peak_at=NOW - dt.timedelta(hours=3),
        observed=40,
        expected=5,
        total=40,
        share=0.5,
        baseline_share=0.2,
        p_value=1e-8,
        summary=f"Volume spike in {unit.key if unit else 'all posts'}",
        created=NOW - dt.timedelta(hours=2),
    )
    services.checklist_open(alert=alert)
    return alert


COMPANY_PAGES = ["outcomes:executive", "outcomes:strategist", "outcomes:report"]


@pytest.mark.parametrize("name", COMPANY_PAGES)
def test_it_shows_company_pages_to_the_hub_and_executives_only(
    name: str, data: Org, erin: Any, carla: Any
) -> None:
    url = reverse(name)
    assert data.client(data.alice).get(url).status_code == 200  # owner
    assert data.client(erin).get(url).status_code == 200  # executive
    assert data.client(carla).get(url).status_code == 403  # a spoke lead reads their unit
    assert data.client(data.bob).get(url).status_code == 403  # teammate (agent)
    assert data.client(data.charlie).get(url).status_code == 403  # outsider
    assert data.client(data.nobody).get(url).status_code == 403
    anonymous = data.client(data.alice)
    anonymous.logout()
    assert anonymous.get(url).status_code == 302


def test_it_shows_a_spoke_lead_their_own_unit_only(data: Org, erin: Any, carla: Any) -> None:
    care = reverse("outcomes:unit", args=["care"])
    product = reverse("outcomes:unit", args=["product"])
    assert data.client(carla).get(care).status_code == 200
    assert data.client(carla).get(product).status_code == 403
    assert data.client(data.alice).get(product).status_code == 200
    assert data.client(erin).get(product).status_code == 200
    assert data.client(data.bob).get(care).status_code == 403  # agents read no dashboards
    assert data.client(data.charlie).get(care).status_code == 403
    assert data.client(data.alice).get(reverse("outcomes:unit", args=["nope"])).status_code == 404


def test_it_sends_each_reader_to_their_view(data: Org, erin: Any, carla: Any) -> None:
    url = reverse("outcomes:index")
    assert data.client(erin).get(url)["Location"] == reverse("outcomes:executive")
    assert data.client(data.alice).get(url)["Location"] == reverse("outcomes:executive")
    assert data.client(carla).get(url)["Location"] == reverse("outcomes:unit", args=["care"])
    assert data.client(data.bob).get(url).status_code == 403
    assert data.client(data.nobody).get(url).status_code == 403


def test_it_shows_the_three_business_numbers_each_linked_to_what_is_behind_it(
    data: Org, erin: Any
) -> None:
    html = data.client(erin).get(reverse("outcomes:executive")).content.decode()
    for name in ("Revenue won from social leads", "Net sentiment", "Cost avoided"):
        assert name in html
    # 3 conversations resolved in social × 3.20 = 9.60
    assert 'href="/care/?status=resolved"' in html
    assert "USD 10" in html
    assert "/static/plotly/plotly.min.js" in html
    # Nothing is loaded from another host (a CDN or anything else): every script, stylesheet
    # and image is a path on this server.
    assert not re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?:https?:)?//', html)


def test_it_draws_trends_from_the_daily_snapshots(data: Org, erin: Any) -> None:
    for i in range(5):
        DailySnapshot.objects.create(
            day=NOW.date() - dt.timedelta(days=i),
            metric="cost.avoided",
            value=10.0 * i,
            computed_at=NOW,
        )
    html = data.client(erin).get(reverse("outcomes:executive")).content.decode()
    assert 'id="trend-cost-avoided"' in html
    assert "Plotly.newPlot" in html


def test_it_refuses_a_bad_period_naming_the_field(data: Org) -> None:
    client = data.client(data.alice)
    response = client.get(reverse("outcomes:executive"), {"days": "12"})
    assert response.status_code == 422
    assert "days: Choose one of: 7, 30, 90." in response.content.decode()
    response = client.get(reverse("outcomes:report_download"), {"start": "2026-03-10", "end": "x"})
    assert response.status_code == 422
    assert "end: Enter the last day" in response.content.decode()
    response = client.get(
        reverse("outcomes:report_download"), {"start": "2026-03-10", "end": "2026-03-01"}
    )
    assert response.status_code == 422


def test_it_lists_units_in_the_strategist_view_in_constant_queries(
    data: Org, django_assert_max_num_queries: Any
) -> None:
    client = data.client(data.alice)
    client.get(reverse("outcomes:strategist"))  # warm the session and scope
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as first_queries:
        first = client.get(reverse("outcomes:strategist"))
    count = len(first_queries)
    for i in range(4):
        from escapevelocity.org import permissions
        from escapevelocity.org import services as org_services

        org_services.unit_create(
            actor=permissions.system_actor(),
            key=f"extra{i}",
            name=f"Extra {i}",
            kind="spoke",
            function="marketing",
        )
    with django_assert_max_num_queries(count):
        second = client.get(reverse("outcomes:strategist"))
    assert first.status_code == second.status_code == 200
    assert "Extra 3" in second.content.decode()


def test_it_downloads_a_self_contained_report(data: Org, erin: Any) -> None:
    DailySnapshot.objects.create(
        day=NOW.date() - dt.timedelta(days=1), metric="cost.avoided", value=3.2, computed_at=NOW
    )
    response = data.client(erin).get(
        reverse("outcomes:report_download"), {"start": "2026-03-01", "end": "2026-03-20"}
    )
    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="executive-report-2026-03-01-to-2026-03-20.html"'
    )
    html = response.content.decode()
    assert html.startswith("<!doctype html>")
    assert "Plotly.newPlot" in html
    assert len(html) > 3_000_000  # plotly's own script is inlined
    # Nothing is fetched: no external scripts, styles or images.
    assert not re.search(r"<script[^>]+src=", html)
    assert not re.search(r"<link[^>]+href=", html)
    assert "How each number is computed" in html
    assert "Test Co: executive report" in html


def test_it_shows_alerts_to_dashboard_readers_within_their_units(
    data: Org, erin: Any, carla: Any
) -> None:
    own = alert_for(data.care)
    other = alert_for(data.product)
    company = alert_for(None)
    page = data.client(carla).get(reverse("outcomes:alerts")).content.decode()
    assert own.summary in page
    assert other.summary not in page
    assert company.summary not in page
    assert data.client(carla).get(reverse("outcomes:alert", args=[own.pk])).status_code == 200
    assert data.client(carla).get(reverse("outcomes:alert", args=[other.pk])).status_code == 404
    for user in (data.alice, erin):
        assert data.client(user).get(reverse("outcomes:alert", args=[other.pk])).status_code == 200
    for user in (data.bob, data.charlie, data.nobody):
        assert data.client(user).get(reverse("outcomes:alerts")).status_code == 403
        assert data.client(user).get(reverse("outcomes:alert", args=[own.pk])).status_code == 403


def test_it_lets_the_hub_and_the_unit_work_the_checklist_but_not_an_executive(
    data: Org, erin: Any, carla: Any
) -> None:
    alert = alert_for(data.care)
    first, *rest = list(alert.checklist.items.all())
    url = reverse("outcomes:checklist_item", args=[alert.pk, first.pk])
    assert data.client(erin).post(url, {"done": "1"}).status_code == 403
    assert data.client(data.bob).post(url, {"done": "1"}).status_code == 403
    assert data.client(carla).post(url, {"done": "1"}).status_code == 302
    first.refresh_from_db()
    assert first.done_at is not None
    for item in rest:
        assert (
            data.client(data.alice)
            .post(reverse("outcomes:checklist_item", args=[alert.pk, item.pk]), {"done": "1"})
            .status_code
            == 302
        )
    alert.checklist.refresh_from_db()
    assert alert.checklist.closed_at is not None
    assert data.client(data.alice).get(url).status_code == 405


def test_it_lets_only_the_hub_change_settings(data: Org, erin: Any, carla: Any) -> None:
    url = reverse("outcomes:settings")
    for user in (erin, carla, data.bob, data.charlie):
        assert data.client(user).get(url).status_code == 403
    client = data.client(data.alice)
    assert client.get(url).status_code == 200
    good = {
        "currency": "eur",
        "cost_per_phone_contact": "7.5",
        "cost_per_email_contact": "3",
        "cost_per_social_contact": "1",
        "phone_share": "0.5",
        "alert_emails": "ops@example.com\ncomms@example.com",
        "webhook_url": "https://hooks.example.com/ev",
        "webhook_secret": "s3cret",
        "false_alarms_per_day": "0.2",
        "digest_emails": "",
    }
    assert client.post(url, good).status_code == 302
    row = OutcomeSettings.objects.get()
    assert row.currency == "EUR"
    assert row.webhook_secret == "s3cret"
    bad = {**good, "phone_share": "1.5", "alert_emails": "not an address", "webhook_secret": ""}
    response = client.post(url, bad)
    assert response.status_code == 422
    body = response.content.decode()
    assert "Enter a share between 0 and 1." in body
    assert "Enter a valid email address." in body
    row.refresh_from_db()
    assert row.phone_share == 0.5  # nothing half-written
    assert row.alert_emails == "ops@example.com\ncomms@example.com"
    assert row.webhook_secret == "s3cret"


def test_it_lists_metric_definitions_for_dashboard_readers(data: Org, carla: Any) -> None:
    url = reverse("outcomes:definitions")
    assert "Cost avoided by resolving in social" in data.client(carla).get(url).content.decode()
    assert data.client(data.bob).get(url).status_code == 403


def test_it_sums_a_period_from_snapshots_once_the_posts_are_gone(data: Org) -> None:
    from escapevelocity.care.models import Conversation
    from escapevelocity.outcomes import dashboards, metrics, selectors

    period = dashboards.Period(NOW.date() - dt.timedelta(days=6), NOW.date())
    ctx = metrics.Context(selectors.settings_get())
    volume = metrics.get("care.volume")
    live = dashboards.period_measure(volume, period, ctx)
    assert live.value == 4
    services.snapshot_range(start=period.start, end=NOW.date() - dt.timedelta(days=1))
    Conversation.objects.all().delete()
    kept = dashboards.period_measure(volume, period, ctx)
    assert kept.value == 4
    assert kept.note == "6 of 7 days from daily snapshots"
    # Per unit, the same: care had three, product one.
    rows = dashboards.unit_table([data.care, data.product], period, ctx=ctx)
    assert [r["cells"][0]["value"] for r in rows] == [3, 1]


def test_it_falls_back_to_daily_snapshots_for_ratios_once_the_posts_are_gone(org: Org) -> None:
    from escapevelocity.outcomes import dashboards, metrics, selectors

    period = dashboards.Period(NOW.date() - dt.timedelta(days=6), NOW.date())
    for i, value in enumerate((10.0, 20.0, None)):
        DailySnapshot.objects.create(
            day=period.start + dt.timedelta(days=i),
            metric="reputation.net_sentiment",
            value=value,
            computed_at=NOW,
        )
    DailySnapshot.objects.create(
        day=period.start - dt.timedelta(days=3),
        metric="reputation.net_sentiment",
        value=-5.0,
        computed_at=NOW,
    )
    ctx = metrics.Context(selectors.settings_get())
    net = dashboards.period_measure(metrics.get("reputation.net_sentiment"), period, ctx)
    assert net.value == 15
    assert net.note == "mean of 2 daily snapshots"
    change = dashboards.period_measure(metrics.get("reputation.net_sentiment_trend"), period, ctx)
    assert change.value == 20
    # With posts in the period, the live figure wins.
    conversation(org.care, opened_at=NOW - dt.timedelta(hours=2), sentiment="positive")
    fresh = metrics.Context(selectors.settings_get())
    live = dashboards.period_measure(metrics.get("reputation.net_sentiment"), period, fresh)
    assert live.value == 100
