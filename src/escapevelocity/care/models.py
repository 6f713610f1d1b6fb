"""Customer care: the posts customers write, the conversations they form, and the work on them.

A post is stored once per (channel, external id), with the payload it arrived in. Posts thread
into conversations by their reply links, else into the author's open conversation on the same
channel. A conversation sits in one unit's queue; its intent, sentiment, priority and status are
kept on it (denormalized from its posts) so that the inbox filters and sorts one table.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from escapevelocity.org.models import Unit


class Status(models.TextChoices):
    NEW = "new", "New"
    ASSIGNED = "assigned", "Assigned"
    WAITING = "waiting", "Waiting on customer"
    ESCALATED = "escalated", "Escalated"
    MONITOR = "monitor", "Monitor only"
    RESOLVED = "resolved", "Resolved"


OPEN_STATUSES = (Status.NEW, Status.ASSIGNED, Status.WAITING, Status.ESCALATED)
# Statuses whose SLA clock runs: waiting on the customer and monitor-only pause it.
TIMED_STATUSES = (Status.NEW, Status.ASSIGNED, Status.ESCALATED)


class Sentiment(models.TextChoices):
    NEGATIVE = "negative", "Negative"
    NEUTRAL = "neutral", "Neutral"
    POSITIVE = "positive", "Positive"


class Intent(models.TextChoices):
    COMPLAINT = "complaint", "Complaint"
    QUESTION = "question", "Question"
    FEEDBACK = "feedback", "Feedback"
    PURCHASE_INTENT = "purchase_intent", "Purchase intent"
    PRAISE = "praise", "Praise"
    CRISIS = "crisis", "Crisis"
    SPAM = "spam", "Spam"
    OTHER = "other", "Other"


class Direction(models.TextChoices):
    INBOUND = "in", "From a customer"
    OUTBOUND = "out", "From the company"


class Channel(models.Model):
    """A network or source, and the company account on it, that posts arrive through."""

    key = models.SlugField(max_length=64, unique=True, help_text="e.g. mastodon, x, import")
    name = models.CharField(max_length=200)
    account = models.CharField(max_length=200, blank=True, help_text="The company's handle")
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Author(models.Model):
    # No index of its own: the unique (channel, handle) index serves channel lookups.
    channel = models.ForeignKey(
        Channel, on_delete=models.CASCADE, related_name="authors", db_index=False
    )
    handle = models.CharField(max_length=200)
    reach = models.PositiveIntegerField(null=True, blank=True, help_text="Followers, if known")
    contact_count = models.PositiveIntegerField(default=0, help_text="Inbound posts received")
    first_contact_at = models.DateTimeField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "handle"], name="author_unique_handle"),
        ]

    def __str__(self) -> str:
        return self.handle


class Queue(models.Model):
    """A unit's queue and how it works: automatic assignment and business-hours SLA clocks."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="care_queue")
    auto_assign = models.BooleanField(
        default=False, help_text="Hand new conversations round-robin to available agents"
    )
    business_hours = models.BooleanField(
        default=False, help_text="SLA clocks run Monday to Friday, 09:00 to 17:00 only"
    )

    def __str__(self) -> str:
        return f"Queue of {self.unit}"


class SlaPolicy(models.Model):
    """Targets for one priority band: conversations at or above min_priority use the highest
    band they reach. Without rows, DEFAULT_SLA_BANDS in escapevelocity.care.sla applies."""

    name = models.CharField(max_length=64)
    min_priority = models.PositiveSmallIntegerField(unique=True)
    first_response_minutes = models.PositiveIntegerField()
    resolution_minutes = models.PositiveIntegerField()

    class Meta:
        ordering = ["-min_priority"]
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return f"{self.name} (priority ≥ {self.min_priority})"


class AgentStatus(models.Model):
    """Whether a person takes automatic assignments, and how many open conversations at most."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="care_status"
    )
    available = models.BooleanField(default=True)
    capacity = models.PositiveSmallIntegerField(default=15)
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "agent statuses"

    def __str__(self) -> str:
        return f"{self.user} ({'available' if self.available else 'away'}, cap {self.capacity})"


class Conversation(models.Model):
    channel = models.ForeignKey(Channel, on_delete=models.PROTECT, related_name="conversations")
    # Covered by the composite indexes below, which lead with these columns.
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, related_name="conversations", db_index=False
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="care_conversations", db_index=False
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.NEW)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="care_conversations",
    )
    intent = models.CharField(max_length=32, choices=Intent.choices, default=Intent.OTHER)
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices)
    priority = models.PositiveSmallIntegerField(default=0)
    response = models.CharField(max_length=16, blank=True, help_text="Advised response")
    language = models.CharField(max_length=16, blank=True)
    preview = models.CharField(max_length=280, help_text="The latest customer post, shortened")
    post_count = models.PositiveIntegerField(default=0)
    opened_at = models.DateTimeField()
    last_post_at = models.DateTimeField()
    first_response_due = models.DateTimeField(null=True, blank=True)
    resolution_due = models.DateTimeField(null=True, blank=True)
    # The next deadline on the clock (first response, then resolution); null when none runs.
    due_at = models.DateTimeField(null=True, blank=True)
    first_responded_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        # The inbox reads one index in order for each of its sorts: a deadline is set only
        # while a clock runs (open work), so "due soonest" walks (due_at, id) for the hub and
        # (unit, due_at, id) for one queue without sorting the backlog.
        indexes = [
            models.Index(fields=["unit", "due_at", "id"], name="care_conv_queue_due"),
            models.Index(fields=["due_at", "id"], name="care_conv_due"),
            # Open counts per queue read only the open statuses' part of this index.
            models.Index(fields=["status", "unit"], name="care_conv_status_queue"),
            models.Index(fields=["last_post_at", "id"], name="care_conv_recent"),
            models.Index(fields=["priority", "id"], name="care_conv_priority"),
            models.Index(fields=["author", "status"], name="care_conv_author_open"),
        ]

    def __str__(self) -> str:
        return f"Conversation {self.pk} with {self.author_id}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("care:conversation", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class Post(models.Model):
    # Both covered by composite indexes that lead with them (the unique key, the thread).
    channel = models.ForeignKey(
        Channel, on_delete=models.PROTECT, related_name="posts", db_index=False
    )
    external_id = models.CharField(max_length=200)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="posts", db_index=False
    )
    # Covered by care_post_author_recent, which leads with it.
    author = models.ForeignKey(
        Author, on_delete=models.PROTECT, related_name="posts", db_index=False
    )
    direction = models.CharField(max_length=3, choices=Direction.choices, default=Direction.INBOUND)
    text = models.TextField()
    created_at = models.DateTimeField()
    received_at = models.DateTimeField()
    language = models.CharField(max_length=16, blank=True)
    reply_to_external_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    account = models.CharField(max_length=200, blank=True)
    raw = models.JSONField(default=dict, help_text="The payload as it arrived")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "external_id"], name="post_unique_external"),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="care_post_thread"),
            # Ingest counts each author's recent inbound posts (repeat contact) from the index
            # alone, without reading the posts.
            models.Index(
                fields=["author", "direction", "created_at"], name="care_post_author_recent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"


class Decision(models.Model):
    """What the triage engine decided about one inbound post, and why."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, primary_key=True)
    language = models.CharField(max_length=16)
    sentiment = models.CharField(max_length=16, choices=Sentiment.choices)
    sentiment_score = models.FloatField()
    intent = models.CharField(max_length=32, choices=Intent.choices)
    intent_probability = models.FloatField()
    intent_probabilities = models.JSONField(default=dict)
    priority = models.PositiveSmallIntegerField()
    route = models.CharField(max_length=64)
    route_source = models.CharField(max_length=16)
    route_rule = models.CharField(max_length=200, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    response = models.CharField(max_length=16)
    reasons = models.JSONField(default=dict)

    def __str__(self) -> str:
        return f"{self.intent} → {self.route}"


class Assignment(models.Model):
    """Who held a conversation, from when until when, and who handed it to them."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="assignments"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    automatic = models.BooleanField(default=False)
    created = models.DateTimeField()
    ended = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation"], condition=Q(ended=None), name="one_current_assignment"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.conversation_id} → {self.assignee_id}"


class Note(models.Model):
    """An internal note: seen by the team, never by the customer."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created = models.DateTimeField()

    def __str__(self) -> str:
        return f"Note on {self.conversation_id}"


class Reply(models.Model):
    """A reply written to the customer. Logged here; a connector that can reply on the
    conversation's channel sends it (see care/listen.py, ReplyDelivery) and sets `sent`."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField()
    created = models.DateTimeField()
    sent = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "replies"

    def __str__(self) -> str:
        return f"Reply on {self.conversation_id}"


class CorrectionField(models.TextChoices):
    ROUTE = "route", "Route (unit)"
    INTENT = "intent", "Intent"


class Correction(models.Model):
    """A person changed what triage decided. Kept as training data for the learned router."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="corrections"
    )
    post = models.ForeignKey(Post, null=True, on_delete=models.SET_NULL, related_name="+")
    field = models.CharField(max_length=16, choices=CorrectionField.choices)
    old_value = models.CharField(max_length=64)
    new_value = models.CharField(max_length=64)
    text = models.TextField(help_text="The customer's words the correction is about")
    reason = models.CharField(max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"


class WebhookDelivery(models.Model):
    """Signatures already accepted, so a replayed webhook request is refused."""

    signature = models.CharField(max_length=64, unique=True)
    timestamp = models.BigIntegerField()
    received = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.signature[:12]


from escapevelocity.care.models_connectors import *  # noqa: E402, F403  (connectors: care/listen.py)
