"""Business units' requests to the hub, the requirements published before they ask, playbooks."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse

from escapevelocity.org.models import Unit


class KindKey(models.TextChoices):
    NEW_ACCOUNT = "new_account", "New social account"
    CAMPAIGN = "campaign", "Campaign support"
    CONTENT = "content", "Content production"
    LISTENING = "listening", "Listening report"
    TRAINING = "training", "Training"
    CRISIS = "crisis", "Crisis support"
    TOOL = "tool", "Tool or vendor evaluation"
    OTHER = "other", "Other"


class RequestKind(models.Model):
    key = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=100)
    summary = models.CharField(max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class RequirementSet(models.Model):
    """One published version of a kind's requirements. Editing publishes the next version."""

    kind = models.ForeignKey(RequestKind, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    intro = models.TextField(blank=True, help_text="Markdown shown above the checklist")
    # [{"key": "exit_plan", "label": "Exit plan", "help": "…"}], in order.
    items = models.JSONField(default=list)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    published = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="requirement_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.kind} v{self.version}"


class Playbook(models.Model):
    """A self-service guide or template: how a unit does it without the hub."""

    slug = models.SlugField(max_length=80, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(max_length=300, blank=True)
    body = models.TextField(help_text="Markdown")
    kinds = models.ManyToManyField(RequestKind, blank=True, related_name="playbooks")
    updated = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("demand:playbook", args=[self.slug])


class ProgramGoal(models.Model):
    """A goal of the social program, set by the hub; requests are scored on serving one."""

    title = models.CharField(max_length=200)
    weight = models.PositiveSmallIntegerField(
        default=2, help_text="1 supports the program, 2 matters, 3 is core"
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-weight", "title"]

    def __str__(self) -> str:
        return self.title


class DemandSettings(models.Model):
    """The hub's capacity assumptions. One row per installation."""

    planned_share = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.40"),
        help_text="Share of hub hours reserved for planned program work",
    )
    overload_at = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0.85"))
    default_request_hours = models.DecimalField(
        max_digits=6, decimal_places=1, default=Decimal("8")
    )
    hours_per_escalation = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("0.5")
    )

    class Meta:
        verbose_name_plural = "demand settings"

    def __str__(self) -> str:
        return "Demand settings"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Incoming"
    UNDER_REVIEW = "under_review", "Under review"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    DEFERRED = "deferred", "Deferred"
    DECLINED = "declined", "Declined"
    REDIRECTED = "redirected", "Redirected to a playbook"


OPEN_STATUSES = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.SCHEDULED, Status.IN_PROGRESS)
BOARD_COLUMNS = (
    Status.SUBMITTED,
    Status.UNDER_REVIEW,
    Status.SCHEDULED,
    Status.IN_PROGRESS,
    Status.DONE,
)
CLOSED_STATUSES = (Status.DEFERRED, Status.DECLINED, Status.REDIRECTED)


class DemandRequest(models.Model):
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="demand_requests")
    kind = models.ForeignKey(RequestKind, on_delete=models.PROTECT, related_name="requests")
    title = models.CharField(max_length=200)
    business_goal = models.TextField(blank=True)
    outcome_metric = models.CharField(max_length=200, blank=True)
    expected_value = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    effort_hours = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    goal = models.ForeignKey(ProgramGoal, null=True, blank=True, on_delete=models.SET_NULL)
    legal_risk = models.BooleanField(default=False)
    brand_risk = models.BooleanField(default=False)
    checklist = models.JSONField(default=dict, blank=True)
    links = models.TextField(blank=True, help_text="One address a line")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    requirement_version = models.PositiveIntegerField(null=True, blank=True)
    priority = models.PositiveSmallIntegerField(default=0)
    priority_band = models.CharField(max_length=8, blank=True)
    score_reasons = models.JSONField(default=list, blank=True)
    scheduled_for = models.DateField(null=True, blank=True)
    deferred_until = models.DateField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    playbook = models.ForeignKey(
        Playbook, null=True, blank=True, on_delete=models.SET_NULL, related_name="redirects"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="demand_requests",
    )
    created = models.DateTimeField(auto_now_add=True)
    submitted = models.DateTimeField(null=True, blank=True, db_index=True)
    decided = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-priority", "submitted", "id"]
        indexes = [models.Index(fields=["status", "unit"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("demand:request", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    STATUS = "status", "Status changed"
    COMMENT = "comment", "Comment"


class RequestEvent(models.Model):
    """The audit trail and the conversation on a request: never edited, never deleted."""

    request = models.ForeignKey(DemandRequest, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    kind = models.CharField(max_length=12, choices=EventKind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    text = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.request_id}"
