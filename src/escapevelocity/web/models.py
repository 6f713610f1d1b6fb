"""Scheduled jobs: one row per job holds its next due time; a runner takes an interval by a
conditional update of that row, so however many schedulers run, each interval runs once."""

from __future__ import annotations

from django.db import models


class RunStatus(models.TextChoices):
    RUNNING = "running", "Running"
    OK = "ok", "Succeeded"
    FAILED = "failed", "Failed"


class ScheduledJob(models.Model):
    name = models.CharField(max_length=100, unique=True)
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=10, choices=RunStatus.choices, blank=True)
    last_runner = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JobRun(models.Model):
    job = models.ForeignKey(ScheduledJob, on_delete=models.CASCADE, related_name="runs")
    # The start of the interval this run covers: at most one run per job and interval.
    slot = models.DateTimeField()
    runner = models.CharField(max_length=200)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.RUNNING)
    error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "slot"], name="web_jobrun_once_per_slot"),
        ]
        indexes = [models.Index(fields=["started_at"], name="web_jobrun_started")]

    def __str__(self) -> str:
        return f"{self.job.name} @ {self.slot:%Y-%m-%d %H:%M:%S}"
