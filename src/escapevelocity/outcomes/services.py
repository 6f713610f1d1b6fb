"""Every write in outcomes: settings, leads, daily snapshots, radar runs and their alerts."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import URLValidator, validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from escapevelocity import signing
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit
from escapevelocity.outcomes import metrics, selectors
from escapevelocity.outcomes.models import (
    Alert,
    ChecklistItem,
    CrisisChecklist,
    DailySnapshot,
    Lead,
    LeadStatus,
    OutcomeSettings,
)
from escapevelocity.triage import radar

log = logging.getLogger(__name__)

BUILT_IN_CHECKLIST = (
    "Name an incident lead and tell the strategist and corporate communications.",
    "Read the posts behind the alert and decide whether this is a crisis (level 1: negative "
    "mainstream coverage; 2: coverage and a significant change by the company; 3: short-term "
    "financial impact).",
    "Pause scheduled marketing posts on the affected accounts.",
    "Agree the facts and a holding statement with legal and communications.",
    "Post the holding statement where the conversation is, and answer the most reached authors.",
    "Brief customer care on what to say; route related posts to one queue.",
    "Watch the radar until volume and negative share are back to their baseline.",
    "Write down what happened and what to change, and close the checklist.",
)
WEBHOOK_SIGNATURE_HEADER = "X-EV-Signature"
WEBHOOK_TIMESTAMP_HEADER = "X-EV-Timestamp"


# --- settings ----------------------------------------------------------------------------------


SETTINGS_FIELDS = (
    "currency",
    "cost_per_phone_contact",
    "cost_per_email_contact",
    "cost_per_social_contact",
    "phone_share",
    "alert_emails",
    "webhook_url",
    "webhook_secret",
    "false_alarms_per_day",
    "digest_emails",
)


@transaction.atomic
def settings_update(*, actor: Any, **values: Any) -> OutcomeSettings:
    """Change the outcome settings (the hub only). Every field is checked before any is saved."""
    if not permissions.is_hub(actor):
        raise PermissionDenied("Only the hub changes outcome settings.")
    row = selectors.settings_get()
    errors: dict[str, list[str]] = {}
    for name, raw in values.items():
        if name not in SETTINGS_FIELDS:
            errors[name] = ["Not a setting."]
            continue
        try:
            setattr(row, name, _clean_setting(name, raw))
        except ValidationError as exc:
            errors[name] = exc.messages
    if errors:
        raise ValidationError(errors)
    row.save()
    return row


def _clean_setting(name: str, raw: Any) -> Any:
    text = "" if raw is None else str(raw).strip()
    if name.startswith("cost_per_") or name == "phone_share":
        try:
            value = Decimal(text)
        except InvalidOperation:
            raise ValidationError("Enter a number.") from None
        if value < 0 or (name == "phone_share" and value > 1) or value >= Decimal("1000000"):
            raise ValidationError(
                "Enter a share between 0 and 1." if name == "phone_share" else "Enter 0 or more."
            )
        return value.quantize(Decimal("0.001") if name == "phone_share" else Decimal("0.01"))
    if name == "false_alarms_per_day":
        try:
            rate = float(text)
        except ValueError:
            raise ValidationError("Enter a number.") from None
        if not 0 < rate <= 24:
            raise ValidationError("Enter a rate above 0 and at most 24 a day.")
        return rate
    if name == "currency":
        if len(text) != 3 or not text.isalpha():
            raise ValidationError("Enter a three-letter currency code.")
        return text.upper()
    if name in ("alert_emails", "digest_emails"):
        for address in OutcomeSettings.addresses(text):
            validate_email(address)
        return "\n".join(OutcomeSettings.addresses(text))
    if name == "webhook_url":
        if text:
            URLValidator(schemes=["http", "https"])(text)
        return text
    return text[:200]


# --- leads -------------------------------------------------------------------------------------


@transaction.atomic
def lead_record(
    *,
    actor: Any,
    conversation_id: int,
    unit: Unit,
    status: str,
    value: Decimal | str | None = None,
    summary: str = "",
    opened_at: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Lead:
    """Record (or update) the outcome of a lead that came from a conversation."""
    if not permissions.can_act_on_unit(actor, unit):
        raise PermissionDenied("You may not record leads for this unit.")
    errors: dict[str, list[str]] = {}
    if status not in LeadStatus.values:
        errors["status"] = [f"'{status}' is not one of: {', '.join(LeadStatus.values)}."]
    amount: Decimal | None = None
    if value not in (None, ""):
        try:
            amount = Decimal(str(value))
        except InvalidOperation:
            errors["value"] = ["Enter an amount."]
        else:
            if amount < 0 or amount >= Decimal("1e12"):
                errors["value"] = ["Enter an amount of 0 or more."]
    if status == LeadStatus.WON and amount is None and "value" not in errors:
        errors["value"] = ["A won lead needs its value."]
    if errors:
        raise ValidationError(errors)
    now = now or timezone.now()
    lead = Lead.objects.select_for_update().filter(conversation_id=conversation_id).first()
    if lead is None:
        lead = Lead(conversation_id=conversation_id, opened_at=opened_at or now)
    lead.unit = unit
    lead.status = status
    lead.value = amount
    lead.summary = summary[:280]
    lead.recorded_by = actor if getattr(actor, "pk", None) else None
    lead.closed_at = None if status == LeadStatus.OPEN else (lead.closed_at or now)
    lead.save()
    return lead


# --- snapshots ---------------------------------------------------------------------------------


def snapshot_day(
    *,
    day: dt.date,
    units: list[Unit] | None = None,
    include_point_in_time: bool | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Compute every metric for one day, company-wide and per unit, and store the values.

    Point-in-time metrics (backlog, risk, governance) describe the present, so they are
    stored only for today unless asked. Returns the number of values written."""
    now = now or timezone.now()
    if include_point_in_time is None:
        include_point_in_time = day == timezone.localdate(now)
    units = units if units is not None else list(Unit.objects.filter(archived=False))
    ctx = metrics.Context(selectors.settings_get())
    written = 0
    scopes: list[tuple[Unit | None, frozenset[int] | None]] = [(None, None)]
    scopes += [(u, frozenset({u.pk})) for u in units]
    with transaction.atomic():
        for unit, ids in scopes:
            w = selectors.day_window(day, ids)
            for metric in metrics.REGISTRY.values():
                if metric.point_in_time and not include_point_in_time:
                    continue
                if unit is not None and not metric.per_unit:
                    continue
                if metric.key == "reputation.net_sentiment_trend":
                    continue  # a difference of two snapshots: the chart computes it
                value = metric.measure(w, ctx).value
                DailySnapshot.objects.update_or_create(
                    day=day,
                    unit=unit,
                    metric=metric.key,
                    defaults={"value": value, "computed_at": now},
                )
                written += 1
    return written


def snapshot_range(
    *,
    start: dt.date,
    end: dt.date,
    now: dt.datetime | None = None,
    log_progress: Callable[[str], None] = lambda _m: None,
) -> int:
    """Recompute snapshots for every day in [start, end]."""
    if end < start:
        raise ValidationError({"end": ["The end is before the start."]})
    total = 0
    units = list(Unit.objects.filter(archived=False))
    day = start
    while day <= end:
        n = snapshot_day(day=day, units=units, now=now)
        log_progress(f"{day}: {n} values")
        total += n
        day += dt.timedelta(days=1)
    return total


# --- the radar and its alerts ------------------------------------------------------------------


def radar_events(*, start: dt.datetime, end: dt.datetime) -> list[radar.Event]:
    rows = selectors.radar_events(start=start, end=end)
    if rows is None:
        return []
    return [
        radar.Event(at=at, negative=sentiment == "negative", topic=intent, unit=unit_key)
        for at, sentiment, intent, unit_key in rows
    ]


def radar_run(
    *,
    now: dt.datetime | None = None,
    history_days: int | None = None,
    notify: bool = True,
    post: Callable[..., Any] | None = None,
) -> list[Alert]:
    """Scan the recent posts; record each new spike as an alert, open its checklist and send
    it by email and webhook. Spikes already recorded are not recorded or sent again."""
    now = now or timezone.now()
    cfg = selectors.settings_get()
    config = radar.RadarConfig(
        false_alarms_per_day=cfg.false_alarms_per_day,
        history_days=history_days or radar.RadarConfig().history_days,
        tz=timezone.get_current_timezone(),
    )
    end = radar.bucket_start(now)  # closed hours only
    start = end - dt.timedelta(days=config.history_days)
    report = radar.scan(radar_events(start=start, end=end), start=start, end=end, config=config)
    units = {u.key: u for u in Unit.objects.all()}
    created: list[Alert] = []
    for spike in report.spikes:
        alert = _alert_from_spike(spike, units, now)
        if alert is not None:
            created.append(alert)
    if notify:
        for alert in created:
            alert_notify(alert=alert, post=post)
    return created


def _alert_from_spike(spike: radar.Spike, units: dict[str, Unit], now: dt.datetime) -> Alert | None:
    unit = units.get(spike.series.split(":", 1)[1]) if spike.series.startswith("unit:") else None
    fields = {
        "unit": unit,
        "detected_at": spike.detected_at,
        "ended_at": spike.end,
        "peak_at": spike.peak_at,
        "observed": spike.observed,
        "expected": spike.expected,
        "total": spike.total,
        "share": spike.share,
        "baseline_share": spike.baseline_share,
        "p_value": spike.p_value,
        "summary": spike.describe()[:500],
    }
    existing = Alert.objects.filter(
        series=spike.series, kind=spike.kind, started_at=spike.start
    ).first()
    if existing is not None:
        # A spike still running grows: keep its end and peak current, send nothing again.
        Alert.objects.filter(pk=existing.pk).update(**fields)
        return None
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                series=spike.series, kind=spike.kind, started_at=spike.start, created=now, **fields
            )
            checklist_open(alert=alert, now=now)
    except IntegrityError:  # another worker recorded it first
        return None
    return alert


def checklist_open(*, alert: Alert, now: dt.datetime | None = None) -> CrisisChecklist:
    """Open the crisis checklist for an alert: governance's procedure, else the built-in one."""
    now = now or timezone.now()
    procedure = selectors.crisis_procedure()
    if procedure is not None:
        source, steps = f"Crisis procedure: {procedure[0]}", procedure[1]
    else:
        source, steps = "Built-in checklist", list(BUILT_IN_CHECKLIST)
    checklist = CrisisChecklist.objects.create(alert=alert, source=source[:200], opened_at=now)
    ChecklistItem.objects.bulk_create(
        ChecklistItem(checklist=checklist, position=i, text=text[:500])
        for i, text in enumerate(steps, start=1)
    )
    return checklist


@transaction.atomic
def checklist_item_toggle(*, actor: Any, item: ChecklistItem, done: bool) -> ChecklistItem:
    """Tick or untick a step; the checklist closes when every step is done."""
    alert = item.checklist.alert
    if not (
        permissions.is_hub(actor)
        or (alert.unit_id and permissions.can_act_on_unit(actor, alert.unit_id))
    ):
        raise PermissionDenied("Only the hub or the alert's unit works its checklist.")
    now = timezone.now()
    item.done_at = now if done else None
    item.done_by = actor if done and getattr(actor, "pk", None) else None
    item.save(update_fields=["done_at", "done_by"])
    checklist = item.checklist
    open_left = checklist.items.filter(done_at=None).exists()
    checklist.closed_at = None if open_left else now
    checklist.save(update_fields=["closed_at"])
    return item


def alert_payload(alert: Alert) -> dict[str, Any]:
    from django.conf import settings

    return {
        "event": "crisis_radar.alert",
        "id": alert.pk,
        "series": alert.series,
        "kind": alert.kind,
        "unit": alert.unit.key if alert.unit else None,
        "started_at": alert.started_at.isoformat(),
        "detected_at": alert.detected_at.isoformat(),
        "observed": alert.observed,
        "expected": round(alert.expected, 2),
        "share": round(alert.share, 4),
        "baseline_share": round(alert.baseline_share, 4),
        "p_value": alert.p_value,
        "summary": alert.summary,
        "url": f"{settings.SITE_URL.rstrip('/')}{alert.get_absolute_url()}",
    }


def alert_notify(
    *, alert: Alert, post: Callable[..., Any] | None = None, now: dt.datetime | None = None
) -> None:
    """Send an alert by email and signed webhook, as configured. A failing webhook is
    recorded on the alert, never raised: the email still goes and the next alert still sends."""
    cfg = selectors.settings_get()
    now = now or timezone.now()
    payload = alert_payload(alert)
    recipients = OutcomeSettings.addresses(cfg.alert_emails)
    if recipients:
        kind = alert.kind.replace("_", " ")
        body = (
            f"{alert.summary}\n\nSeries: {alert.series}\nStarted: {alert.started_at:%Y-%m-%d %H:%M}"
            f" UTC\nDetected: {alert.detected_at:%Y-%m-%d %H:%M} UTC\n\nCrisis checklist and the "
            f"posts behind it: {payload['url']}\n"
        )
        send_mail(
            subject=f"[Escape Velocity] Crisis radar: {alert.series} {kind}",
            message=body,
            from_email=None,
            recipient_list=recipients,
        )
        alert.email_sent_at = now
    if cfg.webhook_url:
        body_bytes = json.dumps(payload, sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            WEBHOOK_TIMESTAMP_HEADER: str(timestamp),
        }
        if cfg.webhook_secret:
            headers[WEBHOOK_SIGNATURE_HEADER] = signing.signature(
                cfg.webhook_secret, timestamp, body_bytes
            )
        try:
            if post is None:
                import httpx

                post = httpx.post
            response = post(cfg.webhook_url, content=body_bytes, headers=headers, timeout=10)
            status = getattr(response, "status_code", 200)
            if status >= 300:
                alert.webhook_error = f"HTTP {status}"
            else:
                alert.webhook_sent_at = now
                alert.webhook_error = ""
        except Exception as exc:  # a network failure is the alert's note, not a crash
            alert.webhook_error = f"{type(exc).__name__}: {exc}"[:500]
    alert.save(update_fields=["email_sent_at", "webhook_sent_at", "webhook_error"])
