"""The company's social accounts, who may speak on them, their training, and the audit trail.

No passwords, tokens or other credentials are stored here: the registry says what exists and who
answers for it, never how to log in.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models


class Network(models.TextChoices):
    X = "x", "X (Twitter)"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    LINKEDIN = "linkedin", "LinkedIn"
    YOUTUBE = "youtube", "YouTube"
    TIKTOK = "tiktok", "TikTok"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    REDDIT = "reddit", "Reddit"
    THREADS = "threads", "Threads"
    PINTEREST = "pinterest", "Pinterest"
    BLOG = "blog", "Blog"
    OTHER = "other", "Other"


NETWORK_ALIASES = {
    "twitter": "x",
    "x.com": "x",
    "fb": "facebook",
    "ig": "instagram",
    "bsky": "bluesky",
}


def clean_network(value: str) -> str:
    """The network's code for a name as people write it (`Twitter` → `x`)."""
    v = value.strip().lower()
    return NETWORK_ALIASES.get(v, v)


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DORMANT = "dormant", "Dormant"
    UNAPPROVED = "unapproved", "Unapproved (found, not reviewed)"
    RETIRING = "retiring", "Retiring"
    RETIRED = "retired", "Retired"


class DiscoverySource(models.TextChoices):
    REGISTERED = "", "Registered by the hub"
    CSV = "csv", "Imported list of found accounts"
    POSTS = "posts", "Detected in ingested posts"


class Account(models.Model):
    network = models.CharField(max_length=16, choices=Network.choices)
    handle = models.CharField(max_length=100)
    handle_key = models.CharField(max_length=100, editable=False, help_text="lower-cased handle")
    url = models.URLField(max_length=500, blank=True)
    unit = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="social_accounts",
        help_text="The owning unit; empty only while unapproved",
    )
    region = models.ForeignKey(
        "org.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="regional_social_accounts",
    )
    purpose = models.CharField(max_length=300, blank=True)
    audience = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_social_accounts",
    )
    backup = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="backup_social_accounts",
    )
    status = models.CharField(
        max_length=16, choices=AccountStatus.choices, default=AccountStatus.ACTIVE
    )
    created_on = models.DateField(null=True, blank=True, help_text="Opened on the network")
    last_activity_at = models.DateTimeField(null=True, blank=True)
    follower_count = models.PositiveIntegerField(null=True, blank=True)
    discovered_via = models.CharField(
        max_length=8, choices=DiscoverySource.choices, blank=True, default=""
    )
    evidence = models.TextField(blank=True)
    match_reason = models.CharField(max_length=300, blank=True)
    discovered_at = models.DateTimeField(null=True, blank=True)
    registered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["network", "handle_key"]
        constraints = [
            models.UniqueConstraint(fields=["network", "handle_key"], name="account_unique_handle"),
        ]
        indexes = [models.Index(fields=["status", "last_activity_at"])]

    def __str__(self) -> str:
        return f"{self.get_network_display()} @{self.handle}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("governance:account", args=[self.pk])


class IgnoredHandle(models.Model):
    """A found handle the hub reviewed and judged not the company's: discovery skips it."""

    network = models.CharField(max_length=16, choices=Network.choices)
    handle_key = models.CharField(max_length=100)
    reason = models.CharField(max_length=300)
    decided_by = models.CharField(max_length=150)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "handle_key"], name="ignored_unique_handle"),
        ]

    def __str__(self) -> str:
        return f"{self.network} @{self.handle_key} (ignored)"


class GovernanceSettings(models.Model):
    """One row: the company's names and marks, and when an account counts as dormant."""

    marks = models.TextField(
        blank=True,
        help_text="Names and marks, one per line; empty: from the company name",
    )
    dormant_after_days = models.PositiveIntegerField(default=90)
    last_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "governance settings"

    def __str__(self) -> str:
        return "Governance settings"


class Right(models.TextChoices):
    REPLY = "reply", "Reply"
    PUBLISH = "publish", "Publish"


class AccountGrant(models.Model):
    """A person may reply on, or publish to, an account. Given only with a current certification."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="grants")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_grants"
    )
    right = models.CharField(max_length=8, choices=Right.choices)
    granted_by = models.CharField(max_length=150)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "user", "right"], name="grant_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} may {self.right} on {self.account}"


class ModuleKind(models.TextChoices):
    POLICY = "policy", "The hub's social media policy"
    CRISIS = "crisis", "Crisis procedure"
    PLATFORM = "platform", "Platform basics"
    OTHER = "other", "Other"


class TrainingModule(models.Model):
    key = models.SlugField(max_length=64, unique=True)
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=ModuleKind.choices)
    description = models.TextField(blank=True)
    valid_days = models.PositiveIntegerField(default=365, help_text="A completion expires after")
    required = models.BooleanField(default=True, help_text="Needed to speak for the company")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


class TrainingCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    module = models.ForeignKey(TrainingModule, on_delete=models.CASCADE, related_name="completions")
    completed_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    recorded_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-completed_at"]
        indexes = [models.Index(fields=["user", "module", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user} completed {self.module}"


class Policy(models.Model):
    """A published version of the hub's social media policy; the newest is in force."""

    version = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=200)
    body = models.TextField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.CharField(max_length=150)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "policies"

    def __str__(self) -> str:
        return f"{self.title} v{self.version}"


class PolicyAcceptance(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="policy_acceptances"
    )
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="acceptances")
    accepted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "policy"], name="accept_policy_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} accepted {self.policy}"


class ConsolidationStatus(models.TextChoices):
    OPEN = "open", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Consolidation(models.Model):
    """Merging one account (source) into another (target)."""

    source = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="merged_away")
    target = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="merged_into")
    status = models.CharField(
        max_length=16, choices=ConsolidationStatus.choices, default=ConsolidationStatus.OPEN
    )
    note = models.TextField(blank=True)
    started_by = models.CharField(max_length=150)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"Merge {self.source} into {self.target}"


class StepKind(models.TextChoices):
    ANNOUNCE = "announce", "Announce the move to followers"
    REDIRECT = "redirect", "Point the profile and links at the surviving account"
    ARCHIVE = "archive", "Archive the content"
    RETIRE = "retire", "Retire the account"


STEP_ORDER = [StepKind.ANNOUNCE, StepKind.REDIRECT, StepKind.ARCHIVE, StepKind.RETIRE]


class ConsolidationStep(models.Model):
    consolidation = models.ForeignKey(Consolidation, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=16, choices=StepKind.choices)
    position = models.PositiveSmallIntegerField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.CharField(max_length=150, blank=True)

    class Meta:
        ordering = ["consolidation", "position"]
        constraints = [
            models.UniqueConstraint(fields=["consolidation", "kind"], name="one_step_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.consolidation})"


class AuditRefused(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise AuditRefused("The governance audit log is append-only: entries cannot be changed.")

    def delete(self) -> NoReturn:
        raise AuditRefused("The governance audit log is append-only: entries cannot be deleted.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditRefused("The governance audit log is append-only: entries cannot be changed.")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditRefused("The governance audit log is append-only: entries cannot be changed.")


AuditManager = models.Manager.from_queryset(AuditQuerySet)


class AuditEntry(models.Model):
    """One governance change: who, when, what, before and after. Append-only at every layer:
    this model, its queryset, the admin, the API, and a database trigger (see migration 0002).

    Actors are kept by id and name without a foreign key, so that removing a person never
    touches the log."""

    at = models.DateTimeField(db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)

    objects = AuditManager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise AuditRefused(
                "The governance audit log is append-only: entries cannot be changed."
            )
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise AuditRefused("The governance audit log is append-only: entries cannot be deleted.")
