"""Service-level targets per priority band, and the clocks that run against them.

A band gives a first-response and a resolution target. A queue may count business hours only
(Monday to Friday, 09:00–17:00 in the installation's time zone); otherwise clocks run around
the clock. The SLA state of an open conversation is read from its next deadline (`due_at`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.utils import timezone

DUE_SOON = timedelta(minutes=30)
BUSINESS_START = time(9, 0)
BUSINESS_END = time(17, 0)


@dataclass(frozen=True)
class Band:
    name: str
    min_priority: int
    first_response_minutes: int
    resolution_minutes: int


DEFAULT_SLA_BANDS: tuple[Band, ...] = (
    Band("urgent", 80, 30, 4 * 60),
    Band("high", 60, 60, 8 * 60),
    Band("normal", 30, 4 * 60, 24 * 60),
    Band("low", 0, 24 * 60, 72 * 60),
)


class SlaState:
    BREACHED = "breached"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    NONE = "none"

    choices = (
        (BREACHED, "Breached"),
        (DUE_SOON, "Due soon"),
        (ON_TRACK, "On track"),
        (NONE, "No clock"),
    )


def bands() -> tuple[Band, ...]:
    """The bands in force: the SlaPolicy rows, or the defaults when there are none."""
    from escapevelocity.care.models import SlaPolicy

    rows = list(SlaPolicy.objects.order_by("-min_priority"))
    if not rows:
        return DEFAULT_SLA_BANDS
    return tuple(
        Band(r.name, r.min_priority, r.first_response_minutes, r.resolution_minutes) for r in rows
    )


def band_for(priority: int, in_force: tuple[Band, ...]) -> Band:
    for band in in_force:  # highest first
        if priority >= band.min_priority:
            return band
    return in_force[-1]


def add_minutes(start: datetime, minutes: int, *, business_hours: bool) -> datetime:
    """The moment `minutes` of clock time after `start` (business time only if asked)."""
    if not business_hours:
        return start + timedelta(minutes=minutes)
    tz = timezone.get_current_timezone()
    moment = timezone.localtime(start, tz)
    remaining = timedelta(minutes=minutes)
    while True:
        if moment.weekday() >= 5 or moment.time() >= BUSINESS_END:
            moment = _next_opening(moment)
            continue
        if moment.time() < BUSINESS_START:
            moment = moment.replace(
                hour=BUSINESS_START.hour, minute=BUSINESS_START.minute, second=0, microsecond=0
            )
        closing = moment.replace(hour=BUSINESS_END.hour, minute=0, second=0, microsecond=0)
        if moment + remaining <= closing:
            return moment + remaining
        remaining -= closing - moment
        moment = _next_opening(moment)


def _next_opening(moment: datetime) -> datetime:
    day = moment + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.replace(hour=BUSINESS_START.hour, minute=0, second=0, microsecond=0)


def deadlines(
    *, start: datetime, priority: int, business_hours: bool, in_force: tuple[Band, ...]
) -> tuple[datetime, datetime]:
    """First-response and resolution deadlines for a conversation opened at `start`."""
    band = band_for(priority, in_force)
    return (
        add_minutes(start, band.first_response_minutes, business_hours=business_hours),
        add_minutes(start, band.resolution_minutes, business_hours=business_hours),
    )


def state_of(due_at: datetime | None, now: datetime) -> str:
    if due_at is None:
        return SlaState.NONE
    if due_at < now:
        return SlaState.BREACHED
    if due_at < now + DUE_SOON:
        return SlaState.DUE_SOON
    return SlaState.ON_TRACK


def priority_band_name(priority: int) -> str:
    return band_for(priority, DEFAULT_SLA_BANDS).name
