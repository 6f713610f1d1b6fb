"""Maturity assessments: the answers given, the live figures read, and the result they scored to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from escapevelocity.org.models import Company


class Verdict(models.TextChoices):
    ESCAPE_VELOCITY = "escape_velocity", "Escape velocity"
    HELP_DESK = "help_desk", "Heading for the Social Media Help Desk"
    UNDECIDED = "undecided", "At the tipping point"
    UNKNOWN = "unknown", "Not enough answers"


class Assessment(models.Model):
    """One assessment, kept whole: the result is stored as scored, so history never shifts when
    the scoring or the questionnaire changes later (the version says which one was used)."""

    company = models.ForeignKey(
        Company, on_delete=models.CASCADE, related_name="maturity_assessments"
    )
    title = models.CharField(max_length=200, blank=True)
    questionnaire_version = models.PositiveSmallIntegerField()
    answers = models.JSONField(help_text="{question: {value, evidence}}")
    declared_org_model = models.CharField(max_length=32, blank=True)
    signals = models.JSONField(default=dict, blank=True, help_text="Live figures used, 0..1")
    result = models.JSONField(help_text="planning.maturity.MaturityResult.to_dict()")
    stage = models.PositiveSmallIntegerField()
    overall = models.PositiveSmallIntegerField()
    verdict = models.CharField(max_length=32, choices=Verdict.choices)
    practiced_org_model = models.CharField(max_length=32, blank=True)
    taken_at = models.DateTimeField(default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="maturity_assessments",
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return self.title or f"Assessment of {self.taken_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("maturity:detail", args=[self.pk])
