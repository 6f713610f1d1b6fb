"""Outcomes: what the program is worth in the three numbers executives read — revenue,
reputation and cost — kept day by day so the trend outlives the posts behind it.

- OutcomeSettings: the costs of a contact by channel and where radar alerts go;
- Lead: a purchase-intent conversation routed to sales, and whether it was won, for how much;
- DailySnapshot: one metric's value for one day, company-wide or for one unit;
- Alert: a spike the crisis radar found; CrisisChecklist and its items: what it opened.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from escapevelocity.org.models import Unit


class OutcomeSettings(models.Model):
    """One row: the figures the cost metrics use and where alerts are sent.

    The contact costs are the company's own; the defaults are placeholders to change, not
    published figures."""

    currency = models.CharField(max_length=3, default="USD")
    cost_per_phone_contact = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("6.00")
    )
    cost_per_email_contact = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("4.00")
    )
    cost_per_social_contact = models.DecimalField(
        max_digits=8, decimal_places=2, default=Decimal("2.00")
    )
    phone_share = models.DecimalField(
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.600"),
        help_text="Share of social resolutions that would otherwise have phoned",
    )
    alert_emails = models.TextField(blank=True, help_text="Addresses for radar alerts, one a line")
    webhook_url = models.URLField(max_length=500, blank=True)
    webhook_secret = models.CharField(
        max_length=200, blank=True, help_text="Signs each webhook body (HMAC-SHA256)"
    )
    false_alarms_per_day = models.FloatField(
        default=0.1, help_text="The radar's bound on false alarms per day, across every series"
    )
    digest_emails = models.TextField(
        blank=True, help_text="Addresses for the weekly executive digest, one a line"
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "outcome settings"

    def __str__(self) -> str:
        return "Outcome settings"

    @property
    def avoided_cost_per_contact(self) -> Decimal:
        """What one contact resolved in social saves: the blended phone/email cost it replaces
        minus what handling it in social cost."""
        replaced = (
            self.phone_share * self.cost_per_phone_contact
            + (1 - self.phone_share) * self.cost_per_email_contact
        )
        return replaced - self.cost_per_social_contact

    @staticmethod
    def addresses(text: str) -> list[str]:
        return [a.strip() for a in text.replace(",", "\n").splitlines() if a.strip()]


class LeadStatus(models.TextChoices):
    OPEN = "open", "Open"
    WON = "won", "Won"
    LOST = "lost", "Lost"


class Lead(models.Model):
    """A sales lead that came from a social conversation. The conversation is care's; this row
    only points at it by id, so outcomes keeps its figures if care's data is purged."""

    conversation_id = models.BigIntegerField(unique=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="leads")
    summary = models.CharField(max_length=280, blank=True)
    status = models.CharField(max_length=8, choices=LeadStatus.choices, default=LeadStatus.OPEN)
    value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["status", "closed_at"], name="outcomes_lead_closed")]

    def __str__(self) -> str:
        return f"Lead from conversation {self.conversation_id} ({self.status})"


class DailySnapshot(models.Model):
    """One metric's value over one day (00:00 to 24:00 in the installation's time zone)."""

    day = models.DateField()
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.CASCADE, related_name="snapshots"
    )
    metric = models.CharField(max_length=64)
    value = models.FloatField(null=True, help_text="Empty when there was no data to compute it")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "unit", "metric"],
                name="snapshot_unique_unit_day",
            ),
            models.UniqueConstraint(
                fields=["day", "metric"],
                condition=models.Q(unit=None),
                name="snapshot_unique_company_day",
            ),
        ]
        indexes = [models.Index(fields=["metric", "unit", "day"], name="outcomes_snap_series")]

    def __str__(self) -> str:
        return f"{self.metric} on {self.day}: {self.value}"


class Alert(models.Model):
    """A spike the crisis radar found in one series."""

    series = models.CharField(max_length=200)
    kind = models.CharField(max_length=16)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )
    started_at = models.DateTimeField()
    detected_at = models.DateTimeField(help_text="End of the first flagged hour")
    ended_at = models.DateTimeField()
    peak_at = models.DateTimeField()
    observed = models.PositiveIntegerField()
    expected = models.FloatField()
    total = models.PositiveIntegerField()
    share = models.FloatField()
    baseline_share = models.FloatField()
    p_value = models.FloatField()
    summary = models.CharField(max_length=500)
    created = models.DateTimeField(help_text="When the radar run that found it recorded it")
    email_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_sent_at = models.DateTimeField(null=True, blank=True)
    webhook_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["series", "kind", "started_at"], name="alert_unique_spike"
            ),
        ]

    def __str__(self) -> str:
        return self.summary

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("outcomes:alert", args=[self.pk])

    @property
    def topic(self) -> str:
        return self.series.split(":", 1)[1] if self.series.startswith("topic:") else ""


class CrisisChecklist(models.Model):
    """The steps an alert opened: the company's crisis procedure (from governance's training
    module of kind "crisis") when there is one, else the built-in checklist."""

    alert = models.OneToOneField(Alert, on_delete=models.CASCADE, related_name="checklist")
    source = models.CharField(max_length=200)
    opened_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Crisis checklist for alert {self.alert_id}"


class ChecklistItem(models.Model):
    checklist = models.ForeignKey(CrisisChecklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=500)
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["position"]

    def __str__(self) -> str:
        return self.text
