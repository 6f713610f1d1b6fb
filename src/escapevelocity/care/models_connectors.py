"""Connectors as the care app stores them: settings, sealed credentials, cursor, health, and the
delivery of replies through them. The reading and writing itself is in escapevelocity.connectors
(pure); the service functions are in care/listen.py; `ev listen NAME` runs one."""

from __future__ import annotations

from django.db import models

__all__ = ["Connector", "ConnectorKind", "DeliveryStatus", "ReplyDelivery"]


class ConnectorKind(models.TextChoices):
    MASTODON_MENTIONS = "mastodon_mentions", "Mastodon mentions (polling)"
    MASTODON_STREAM = "mastodon_stream", "Mastodon mentions (live stream)"
    MASTODON_TIMELINE = "mastodon_timeline", "Mastodon hashtag or keywords"
    BLUESKY = "bluesky", "Bluesky mentions (Jetstream)"
    FEED = "feed", "RSS or Atom feed"


class Connector(models.Model):
    """One source of posts (and, for Mastodon and Bluesky, the way replies go back out)."""

    name = models.SlugField(max_length=64, unique=True, help_text="`ev listen NAME` runs it")
    kind = models.CharField(max_length=32, choices=ConnectorKind.choices)
    channel = models.SlugField(max_length=64, help_text="The Care channel its posts arrive on")
    account = models.CharField(
        max_length=200, blank=True, help_text="The company's handle on the network"
    )
    options = models.JSONField(default=dict, help_text="Addresses, hashtags, keywords, DIDs")
    # A Fernet token (escapevelocity.connectors.credentials); never rendered, never returned.
    credentials = models.TextField(blank=True, editable=False)
    enabled = models.BooleanField(default=True)
    cursor = models.JSONField(null=True, blank=True, editable=False)
    state = models.CharField(max_length=16, default="never run", editable=False)
    heartbeat_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    lag_seconds = models.FloatField(null=True, blank=True, editable=False)
    posts_read = models.PositiveBigIntegerField(default=0, editable=False)
    problems = models.PositiveBigIntegerField(default=0, editable=False)
    last_problem = models.CharField(max_length=500, blank=True, editable=False)
    errors = models.PositiveBigIntegerField(default=0, editable=False)
    consecutive_errors = models.PositiveIntegerField(default=0, editable=False)
    last_error = models.CharField(max_length=500, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)

    # Declared: django-stubs adds managers only to models defined in an app's models.py.
    objects: models.Manager[Connector] = models.Manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_credentials(self) -> bool:
        return bool(self.credentials)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not sent"


class ReplyDelivery(models.Model):
    """Sending one inbox reply through a connector: attempts, result, and why it failed."""

    reply = models.OneToOneField("care.Reply", on_delete=models.CASCADE, related_name="delivery")
    connector = models.ForeignKey(
        Connector, null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    in_reply_to = models.CharField(max_length=200, blank=True)
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    external_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField()

    objects: models.Manager[ReplyDelivery] = models.Manager()

    class Meta:
        verbose_name_plural = "reply deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="care_delivery_due")]

    def __str__(self) -> str:
        return f"Reply {self.reply_id}: {self.status}"
