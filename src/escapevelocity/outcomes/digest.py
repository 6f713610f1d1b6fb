"""The weekly executive digest: the three business numbers in the mail, the report attached."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.utils import timezone

from escapevelocity.org.models import Role
from escapevelocity.outcomes import dashboards, metrics, report, selectors
from escapevelocity.outcomes.models import OutcomeSettings


def digest_recipients() -> list[str]:
    """The digest addresses in settings, else every active executive with an email."""
    configured = OutcomeSettings.addresses(selectors.settings_get().digest_emails)
    if configured:
        return configured
    return sorted(
        set(
            get_user_model()
            .objects.filter(is_active=True, memberships__role=Role.EXECUTIVE)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def send_weekly_digest(
    *, recipients: list[str] | None = None, today: dt.date | None = None
) -> list[str]:
    """Send the digest for the 7 days up to yesterday; return the addresses it went to."""
    to = recipients or digest_recipients()
    if not to:
        return []
    today = today or timezone.localdate()
    period = dashboards.Period(today - dt.timedelta(days=7), today - dt.timedelta(days=1))
    tiles = dashboards.tiles(metrics.EXECUTIVE_KEYS, period)
    lines = [f"Escape Velocity: the week {period.label}", ""]
    for t in tiles:
        change = f" ({t.change})" if t.change else ""
        lines.append(f"- {t.metric.name}: {t.display}{change}")
    alerts = selectors.alerts_in(period.window()).count()
    lines += ["", f"Crisis alerts this week: {alerts}.", "", "The full report is attached."]
    message = EmailMultiAlternatives(
        subject=f"[Escape Velocity] Weekly outcomes, {period.label}",
        body="\n".join(lines),
        to=to,
    )
    message.attach(report.filename(period), report.render_report(period), "text/html")
    message.send()
    return to
