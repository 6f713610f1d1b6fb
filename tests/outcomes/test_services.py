"""Outcome writes: leads, snapshots, the radar run, its alerts and their checklists."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from decimal import Decimal
from typing import Any

import numpy as np
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from escapevelocity import signing
from escapevelocity.outcomes import services
from escapevelocity.outcomes.models import Alert, DailySnapshot, Lead, OutcomeSettings
from tests.conftest import Org
from tests.outcomes.conftest import conversation

NOW = dt.datetime(2026, 3, 20, 12, 5, tzinfo=dt.UTC)


def test_it_records_a_won_lead_with_its_value(org: Org) -> None:
    lead = services.lead_record(
        actor=org.bob, conversation_id=7, unit=org.care, status="won", value="1500.50", now=NOW
    )
    assert lead.value == Decimal("1500.50")
    assert lead.closed_at == NOW
    again = services.lead_record(
        actor=org.alice, conversation_id=7, unit=org.care, status="open", value=None
    )
    assert again.pk == lead.pk
    assert again.closed_at is None


def test_it_refuses_a_lead_from_someone_outside_the_unit(org: Org) -> None:
    with pytest.raises(PermissionDenied):
        services.lead_record(
            actor=org.charlie, conversation_id=7, unit=org.care, status="won", value="1"
        )
    assert not Lead.objects.exists()


def test_it_names_the_field_of_a_bad_lead(org: Org) -> None:
    with pytest.raises(ValidationError) as exc:
        services.lead_record(actor=org.alice, conversation_id=7, unit=org.care, status="won")
    assert exc.value.message_dict == {"value": ["A won lead needs its value."]}
    with pytest.raises(ValidationError) as exc:
        services.lead_record(
            actor=org.alice, conversation_id=7, unit=org.care, status="maybe", value="-3"
        )
    assert set(exc.value.message_dict) == {"status", "value"}
    assert not Lead.objects.exists()


def test_it_refuses_settings_changes_from_outside_the_hub(org: Org) -> None:
    with pytest.raises(PermissionDenied):
        services.settings_update(actor=org.bob, currency="EUR")
    with pytest.raises(ValidationError) as exc:
        services.settings_update(actor=org.alice, currency="EURO", webhook_url="ftp://x")
    assert set(exc.value.message_dict) == {"currency", "webhook_url"}
    assert not OutcomeSettings.objects.filter(currency="EURO").exists()


def test_it_snapshots_a_day_and_recomputes_it_in_place(org: Org) -> None:
    day = dt.date(2026, 3, 18)
    opened = dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC)
    conversation(org.care, opened_at=opened)
    with time_machine.travel(NOW, tick=False):
        written = services.snapshot_day(day=day)
        assert written > 0
        volume = DailySnapshot.objects.get(day=day, unit=None, metric="care.volume")
        assert volume.value == 1
        care = DailySnapshot.objects.get(day=day, unit=org.care, metric="care.volume")
        assert care.value == 1
        assert DailySnapshot.objects.get(day=day, unit=org.product, metric="care.volume").value == 0
        # A past day gets no point-in-time figures: they describe today, not then.
        assert not DailySnapshot.objects.filter(day=day, metric="program.request_backlog").exists()
        conversation(org.care, opened_at=opened + dt.timedelta(hours=1))
        services.snapshot_day(day=day)
    volume.refresh_from_db()
    assert volume.value == 2
    assert DailySnapshot.objects.filter(day=day, unit=None, metric="care.volume").count() == 1


def test_it_keeps_snapshots_after_the_posts_are_gone(org: Org) -> None:
    from escapevelocity.care.models import Conversation

    day = dt.date(2026, 3, 18)
    conversation(org.care, opened_at=dt.datetime(2026, 3, 18, 9, tzinfo=dt.UTC))
    with time_machine.travel(NOW, tick=False):
        services.snapshot_range(start=day, end=day)
    Conversation.objects.all().delete()
    assert DailySnapshot.objects.get(day=day, unit=None, metric="care.volume").value == 1


def test_it_refuses_a_backwards_range(org: Org) -> None:
    with pytest.raises(ValidationError):
        services.snapshot_range(start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1))


def _quiet_then_spike(org: Org) -> None:
    """Three weeks of a few posts an hour in care, then an hour with sixty negative ones."""
    rng = np.random.default_rng(11)
    start = NOW.replace(minute=0) - dt.timedelta(days=21)
    hours = int((NOW.replace(minute=0) - start) / dt.timedelta(hours=1))
    for h in range(hours - 1):
        for _ in range(int(rng.poisson(1.0))):
            at = start + dt.timedelta(hours=h, minutes=float(rng.uniform(0, 59)))
            conversation(org.care, opened_at=at, sentiment="neutral", intent="question")
    spike = NOW.replace(minute=0) - dt.timedelta(hours=1)
    for i in range(60):
        conversation(org.care, opened_at=spike + dt.timedelta(seconds=50 * i), intent="complaint")


@pytest.fixture
def spike(org: Org) -> Org:
    _quiet_then_spike(org)
    return org


def test_it_alerts_on_a_spike_by_email_and_signed_webhook_once(spike: Org) -> None:
    OutcomeSettings.objects.create(
        alert_emails="ops@example.com",
        webhook_url="https://hooks.example.com/ev",
        webhook_secret="shh",
    )
    calls: list[dict[str, Any]] = []

    class Response:
        status_code = 204

    def post(url: str, *, content: bytes, headers: dict[str, str], timeout: float) -> Response:
        calls.append({"url": url, "content": content, "headers": headers})
        return Response()

    with time_machine.travel(NOW, tick=False):
        alerts = services.radar_run(post=post)
    series = {(a.series, a.kind) for a in alerts}
    assert ("all", "volume") in series
    assert ("unit:care", "negative_share") in series
    care_alert = next(a for a in alerts if a.series == "unit:care" and a.kind == "volume")
    assert care_alert.unit == spike.care
    assert care_alert.created == NOW
    assert care_alert.checklist.items.count() == len(services.BUILT_IN_CHECKLIST)
    assert care_alert.checklist.source == "Built-in checklist"

    assert len(mail.outbox) == len(alerts)
    assert mail.outbox[0].to == ["ops@example.com"]
    assert "Crisis radar" in mail.outbox[0].subject
    assert len(calls) == len(alerts)
    call = calls[0]
    timestamp = call["headers"]["X-EV-Timestamp"]
    expected = hmac.new(
        b"shh", timestamp.encode() + b"." + call["content"], hashlib.sha256
    ).hexdigest()
    assert call["headers"]["X-EV-Signature"] == f"sha256={expected}"
    payload = json.loads(call["content"])
    assert payload["event"] == "crisis_radar.alert"
    assert payload["url"].endswith(f"/outcomes/alerts/{payload['id']}/")
    assert Alert.objects.filter(webhook_sent_at__isnull=False).count() == len(alerts)

    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False):
        assert services.radar_run(post=post) == []
    assert len(calls) == len(alerts)
    assert len(mail.outbox) == len(alerts)


def test_it_notes_a_failing_webhook_and_still_sends_the_email(spike: Org) -> None:
    OutcomeSettings.objects.create(alert_emails="ops@example.com", webhook_url="https://x.test/")

    def post(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("refused")

    with time_machine.travel(NOW, tick=False):
        alerts = services.radar_run(post=post)
    assert alerts
    alert = Alert.objects.get(pk=alerts[0].pk)
    assert alert.webhook_error == "ConnectionError: refused"
    assert alert.webhook_sent_at is None
    assert alert.email_sent_at is not None
    assert len(mail.outbox) == len(alerts)


def test_it_stays_quiet_on_an_ordinary_day(org: Org) -> None:
    rng = np.random.default_rng(5)
    start = NOW.replace(minute=0) - dt.timedelta(days=14)
    for h in range(14 * 24):
        for _ in range(int(rng.poisson(1.5))):
            conversation(
                org.care,
                opened_at=start + dt.timedelta(hours=h, minutes=float(rng.uniform(0, 59))),
                sentiment=str(rng.choice(["negative", "neutral", "positive"])),
            )
    with time_machine.travel(NOW, tick=False):
        assert services.radar_run(notify=False) == []


def test_it_opens_governance_s_crisis_procedure_when_there_is_one(spike: Org) -> None:
    from escapevelocity.governance.models import ModuleKind, TrainingModule

    TrainingModule.objects.create(
        key="crisis",
        title="Lumen crisis procedure",
        kind=ModuleKind.CRISIS,
        description="1. Call the duty officer\n2. Freeze scheduled posts\n\n- Draft a statement",
    )
    with time_machine.travel(NOW, tick=False):
        alerts = services.radar_run(notify=False)
    checklist = alerts[0].checklist
    assert checklist.source == "Crisis procedure: Lumen crisis procedure"
    assert [i.text for i in checklist.items.all()] == [
        "Call the duty officer",
        "Freeze scheduled posts",
        "Draft a statement",
    ]


def test_it_signs_webhooks_as_documented() -> None:
    body = b'{"a":1}'
    assert (
        signing.signature("k", 10, body)
        == "sha256=" + hmac.new(b"k", b'10.{"a":1}', hashlib.sha256).hexdigest()
    )
