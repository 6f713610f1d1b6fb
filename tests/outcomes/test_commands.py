"""`ev snapshot`, `ev radar` and `ev outcomes_digest`."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.core import mail
from django.core.management import CommandError, call_command

from escapevelocity.outcomes.models import DailySnapshot, OutcomeSettings
from tests.conftest import Org
from tests.outcomes.conftest import conversation

NOW = dt.datetime(2026, 3, 20, 12, tzinfo=dt.UTC)


def run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command(*args, stdout=out)
    return out.getvalue()


def test_it_snapshots_yesterday_and_today_by_default(org: Org) -> None:
    conversation(org.care, opened_at=NOW - dt.timedelta(days=1))
    out = run("snapshot")
    assert "for 2 day(s), 2026-03-19 to 2026-03-20" in out
    assert DailySnapshot.objects.get(day="2026-03-19", unit=None, metric="care.volume").value == 1
    # Point-in-time figures are taken for today only.
    assert DailySnapshot.objects.filter(day="2026-03-20", metric="program.request_backlog").exists()
    assert not DailySnapshot.objects.filter(
        day="2026-03-19", metric="program.request_backlog"
    ).exists()


def test_it_recomputes_a_range(org: Org) -> None:
    run("snapshot", "--from", "2026-03-01", "--to", "2026-03-03")
    days = set(DailySnapshot.objects.filter(unit=None).values_list("day", flat=True))
    assert days == {dt.date(2026, 3, 1), dt.date(2026, 3, 2), dt.date(2026, 3, 3)}


@pytest.mark.parametrize(
    "args",
    [("--day", "yesterday"), ("--day", "2026-04-01"), ("--days", "0")],
)
def test_it_refuses_bad_days(org: Org, args: tuple[str, ...]) -> None:
    with pytest.raises(CommandError):
        run("snapshot", *args)


def test_it_runs_the_radar_and_says_when_nothing_is_new(org: Org) -> None:
    assert "0 new alert(s)." in run("radar", "--no-notify")


def test_it_emails_the_weekly_digest_with_the_report_attached(org: Org, erin: Any) -> None:
    conversation(
        org.care,
        opened_at=NOW - dt.timedelta(days=2),
        first_responded_at=NOW - dt.timedelta(days=2, minutes=-5),
        resolved_at=NOW - dt.timedelta(days=2, minutes=-50),
        status="resolved",
    )
    out = run("outcomes_digest")
    assert "Digest sent to erin@example.com." in out
    message = mail.outbox[0]
    assert message.to == ["erin@example.com"]
    assert "2026-03-13" not in message.subject
    assert "Cost avoided by resolving in social: USD 3" in message.body
    name, content, mimetype = message.attachments[0]
    assert name == "executive-report-2026-03-13-to-2026-03-19.html"
    assert mimetype == "text/html"
    assert "Plotly.newPlot" in content or "executive report" in content


def test_it_sends_the_digest_to_the_configured_addresses(org: Org, erin: Any) -> None:
    OutcomeSettings.objects.create(digest_emails="board@example.com")
    run("outcomes_digest")
    assert mail.outbox[0].to == ["board@example.com"]


def test_it_says_so_when_nobody_gets_the_digest(org: Org) -> None:
    assert "No recipients" in run("outcomes_digest")
    assert mail.outbox == []
