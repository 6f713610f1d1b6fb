"""Connectors in customer care: configure one, listen with it (`ev listen NAME`), and send inbox
replies through it.

Reading: the pure adapter (escapevelocity.connectors) yields batches; each batch's posts go
through `services.ingest_posts` and its cursor is saved in the same transaction, so a listener
killed at any point resumes exactly where the database says it was.

Replying: a reply logged in the inbox (`services.reply_add`) is picked up here when its
conversation's channel has a connector able to reply with credentials; the person who wrote it
must still be allowed to act on the conversation's unit and, when Governance registers the
account, to speak for it (`governance.selectors.may_speak_for`: a current certification). The
result is recorded in the conversation: the sent reply is stored as the company's post in the
thread, a refusal or a final failure as a note. Transient failures are retried with backoff.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from escapevelocity import connectors as pure
from escapevelocity.care import services
from escapevelocity.care.models import Direction, Post, Reply
from escapevelocity.care.models_connectors import (
    Connector,
    ConnectorKind,
    DeliveryStatus,
    ReplyDelivery,
)
from escapevelocity.connectors.bluesky import BlueskyClient, JetstreamMentions
from escapevelocity.connectors.credentials import CredentialBox, CredentialError
from escapevelocity.connectors.feeds import FeedSource
from escapevelocity.connectors.mastodon import (
    MastodonClient,
    MastodonMentions,
    MastodonStream,
    MastodonTimeline,
)
from escapevelocity.org import permissions

logger = logging.getLogger(__name__)

MASTODON_KINDS = (
    ConnectorKind.MASTODON_MENTIONS,
    ConnectorKind.MASTODON_STREAM,
    ConnectorKind.MASTODON_TIMELINE,
)
DEFAULT_CHANNEL = {
    **{kind.value: "mastodon" for kind in MASTODON_KINDS},
    ConnectorKind.BLUESKY.value: "bluesky",
    ConnectorKind.FEED.value: "feed",
}
NETWORK = {**{kind.value: "mastodon" for kind in MASTODON_KINDS}, "bluesky": "bluesky"}
# Credentials each kind needs to read; Bluesky reads the public Jetstream without any, and
# needs identifier + app_password only to reply.
READ_CREDENTIALS = {**{kind.value: ("access_token",) for kind in MASTODON_KINDS}}
REPLY_CREDENTIALS = {
    **{kind.value: ("access_token",) for kind in MASTODON_KINDS},
    ConnectorKind.BLUESKY.value: ("identifier", "app_password"),
}
POLL_DEFAULTS = {
    ConnectorKind.MASTODON_MENTIONS.value: 30.0,
    ConnectorKind.MASTODON_TIMELINE.value: 60.0,
    ConnectorKind.FEED.value: 900.0,
}
MAX_DELIVERY_ATTEMPTS = 8
CLAIM_TIMEOUT = timedelta(minutes=10)


def credential_box() -> CredentialBox:
    """The box that seals connector credentials, keyed from SECRET_KEY (and its fallbacks)."""
    return CredentialBox(
        settings.SECRET_KEY, fallbacks=list(getattr(settings, "SECRET_KEY_FALLBACKS", []))
    )


def _credentials(connector: Connector) -> dict[str, str]:
    if not connector.credentials:
        return {}
    try:
        opened = credential_box().open(connector.credentials)
    except CredentialError as exc:
        raise pure.PermanentError(f"{connector.name}: {exc}") from exc
    return {name: secret.reveal() for name, secret in opened.items()}


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple):
        return [str(v).strip() for v in value if str(v).strip()]
    return []


def _float(value: Any, default: float) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number > 0 else default


def build(connector: Connector, *, credentials: Mapping[str, str] | None = None) -> Any:
    """Return the pure adapter a stored connector describes; raise PermanentError if it cannot."""
    options = connector.options or {}
    secrets = dict(credentials) if credentials is not None else _credentials(connector)
    kind = connector.kind
    if kind in MASTODON_KINDS:
        client = _mastodon_client(connector, options, secrets)
        if kind == ConnectorKind.MASTODON_MENTIONS:
            return MastodonMentions(client, poll_seconds=_float(options.get("poll_seconds"), 30.0))
        if kind == ConnectorKind.MASTODON_STREAM:
            return MastodonStream(client, streaming_url=options.get("streaming_url") or None)
        return MastodonTimeline(
            client,
            hashtag=options.get("hashtag") or None,
            keywords=_list(options.get("keywords")),
            local_only=bool(options.get("local_only", False)),
            poll_seconds=_float(options.get("poll_seconds"), 60.0),
        )
    if kind == ConnectorKind.BLUESKY:
        accounts = options.get("accounts") or {}
        if not isinstance(accounts, dict):
            raise pure.PermanentError("accounts must map each company DID to its handle")
        return JetstreamMentions(
            accounts={str(k): str(v) for k, v in accounts.items()},
            url=options.get("jetstream_url") or "wss://jetstream2.us-east.bsky.network/subscribe",
            keywords=_list(options.get("keywords")),
            wanted_dids=_list(options.get("wanted_dids")),
        )
    if kind == ConnectorKind.FEED:
        return FeedSource(
            url=str(options.get("url") or ""),
            channel=connector.channel,
            account=connector.account or None,
            poll_seconds=_float(options.get("poll_seconds"), 900.0),
        )
    raise pure.PermanentError(f"unknown connector kind {kind!r}")


def _mastodon_client(
    connector: Connector, options: Mapping[str, Any], secrets: Mapping[str, str]
) -> MastodonClient:
    token = secrets.get("access_token", "")
    if not token:
        raise pure.PermanentError(f"{connector.name}: no access token stored")
    return MastodonClient(
        base_url=str(options.get("base_url") or ""),
        access_token=token,
        account=connector.account or None,
    )


def reply_client(connector: Connector) -> MastodonClient | BlueskyClient | None:
    """Return the client that replies through this connector, or None when it cannot."""
    secrets = _credentials(connector)
    needed = REPLY_CREDENTIALS.get(connector.kind, ())
    if not needed or not all(secrets.get(name) for name in needed):
        return None
    options = connector.options or {}
    if connector.kind == ConnectorKind.BLUESKY:
        return BlueskyClient(
            identifier=secrets["identifier"],
            app_password=secrets["app_password"],
            service=str(options.get("service") or "https://bsky.social"),
        )
    return _mastodon_client(connector, options, secrets)


# ----------------------------------------------------------------------------- configuring


def connector_save(
    *,
    actor: Any,
    name: str,
    kind: str,
    options: Mapping[str, Any],
    account: str = "",
    channel: str = "",
    credentials: Mapping[str, str] | None = None,
    enabled: bool = True,
) -> Connector:
    """Create or change a connector. Credentials are sealed before they are stored; passing
    None keeps the stored ones. Only the strategist (or the console) may do this."""
    if not permissions.can_manage_org(actor):
        raise PermissionDenied("Only the strategist configures connectors.")
    if not name or slugify(name) != name:
        raise ValidationError({"name": ["Use lower-case letters, digits and hyphens."]})
    if kind not in ConnectorKind.values:
        raise ValidationError({"kind": [f"One of: {', '.join(ConnectorKind.values)}."]})
    channel = channel or DEFAULT_CHANNEL[kind]
    if slugify(channel) != channel:
        raise ValidationError({"channel": ["Use lower-case letters, digits and hyphens."]})
    existing = Connector.objects.filter(name=name).first()
    sealed = existing.credentials if existing else ""
    if credentials is not None:
        cleaned = {k: v.strip() for k, v in credentials.items() if v and v.strip()}
        sealed = credential_box().seal(cleaned) if cleaned else ""
    candidate = Connector(
        name=name,
        kind=kind,
        channel=channel,
        account=account.strip(),
        options=dict(options),
        credentials=sealed,
        enabled=enabled,
    )
    missing = [n for n in READ_CREDENTIALS.get(kind, ()) if not _credentials(candidate).get(n)]
    if missing:
        raise ValidationError({"credentials": [f"Needed: {', '.join(missing)}."]})
    try:
        adapter = build(candidate)
    except pure.PermanentError as exc:
        raise ValidationError({"options": [str(exc)]}) from None
    close = getattr(adapter, "close", None) or getattr(
        getattr(adapter, "client", None), "close", None
    )
    if close is not None:
        close()
    fields = {
        "kind": kind,
        "channel": channel,
        "account": candidate.account,
        "options": candidate.options,
        "credentials": sealed,
        "enabled": enabled,
    }
    connector, created = Connector.objects.update_or_create(name=name, defaults=fields)
    if not created and existing is not None and existing.kind != kind:
        Connector.objects.filter(pk=connector.pk).update(cursor=None)
    return connector


# ------------------------------------------------------------------------------- listening


def store_batch(*, connector: Connector, batch: pure.Batch) -> services.IngestResult:
    """Store a batch's posts and then its cursor, in one transaction.

    In distributed mode (EV_BROKER_URL) the posts are published to the ingest workers before
    the cursor moves: a crash in between re-reads the batch, which the workers count as
    duplicates. The result then has no per-post counts."""
    from escapevelocity.celery import ingest_or_publish

    result = services.IngestResult()
    with transaction.atomic():
        if batch.posts:
            dispatched = ingest_or_publish(list(batch.posts), default_channel=connector.channel)
            if isinstance(dispatched.result, services.IngestResult):
                result = dispatched.result
        Connector.objects.filter(pk=connector.pk).update(cursor=batch.cursor)
    for problem in batch.problems:
        logger.warning("%s: skipped a bad event: %s", connector.name, problem.message)
    for index, reason in result.rejected:
        logger.warning("%s: Care refused post %s: %s", connector.name, index, reason)
    return result


class _HealthWriter:
    """Writes a listener's health to its row: the process's counts on top of the stored ones."""

    def __init__(self, connector: Connector) -> None:
        self.pk = connector.pk
        self.base = (connector.posts_read, connector.problems, connector.errors)
        self.rejected = 0

    def __call__(self, health: pure.Health) -> None:
        Connector.objects.filter(pk=self.pk).update(
            state=health.state,
            heartbeat_at=timezone.now(),
            last_event_at=health.last_event_at or F("last_event_at"),
            last_success_at=health.last_success_at or F("last_success_at"),
            lag_seconds=health.lag_seconds if health.lag_seconds is not None else F("lag_seconds"),
            posts_read=self.base[0] + health.posts,
            problems=self.base[1] + health.problems + self.rejected,
            last_problem=health.last_problem[:500] or F("last_problem"),
            errors=self.base[2] + health.errors,
            consecutive_errors=health.consecutive_errors,
            last_error=health.last_error[:500] or F("last_error"),
            last_error_at=health.last_error_at or F("last_error_at"),
        )


def run_listener(
    *,
    connector: Connector,
    stop: threading.Event,
    max_rounds: int | None = None,
    backoff: pure.Backoff | None = None,
) -> None:
    """Listen with one connector until `stop` is set (or `max_rounds` rounds have run)."""
    writer = _HealthWriter(connector)

    def on_batch(batch: pure.Batch) -> None:
        result = store_batch(connector=connector, batch=batch)
        writer.rejected += len(result.rejected)

    try:
        adapter = build(connector)
    except pure.PermanentError as exc:
        Connector.objects.filter(pk=connector.pk).update(
            state="failing",
            last_error=str(exc)[:500],
            last_error_at=timezone.now(),
            errors=F("errors") + 1,
        )
        raise
    try:
        pure.listen(
            adapter,
            cursor=Connector.objects.values_list("cursor", flat=True).get(pk=connector.pk),
            on_batch=on_batch,
            stop=stop,
            on_health=writer,
            backoff=backoff,
            max_rounds=max_rounds,
        )
    except Exception as exc:
        # Storing failed (the database, Care's set-up): the cursor stayed with the last batch
        # stored. Say so in the health view before the process ends.
        message = "; ".join(exc.messages) if isinstance(exc, ValidationError) else repr(exc)
        Connector.objects.filter(pk=connector.pk).update(
            state="failed",
            last_error=f"storing failed: {message}"[:500],
            last_error_at=timezone.now(),
            errors=F("errors") + 1,
            consecutive_errors=F("consecutive_errors") + 1,
        )
        raise


# -------------------------------------------------------------------------------- replying


def _connector_for(reply: Reply) -> tuple[Connector | None, Post | None]:
    conversation = reply.conversation
    post = (
        Post.objects.filter(conversation=conversation, direction=Direction.INBOUND)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )
    candidates = [
        c
        for c in Connector.objects.filter(
            channel=conversation.channel.key, enabled=True, kind__in=list(REPLY_CREDENTIALS)
        )
        if c.has_credentials
    ]
    if post is not None and post.account:
        for connector in candidates:
            if connector.account and connector.account.lower() == post.account.lower():
                return connector, post
    return (candidates[0] if candidates else None), post


def _may_send(reply: Reply, connector: Connector) -> str | None:
    """Return why the reply's author may not send it through this connector, or None."""
    author = reply.author
    if author is None or not author.is_active:
        return "its author is no longer an active user"
    if not permissions.can_act_on_unit(author, reply.conversation.unit_id):
        return f"{author.get_username()} may not act on this conversation's unit"
    from escapevelocity.governance import selectors as governance

    network = NETWORK.get(connector.kind, "")
    registered = (
        governance.account_by_handle(network, connector.account) if connector.account else None
    )
    if registered is not None and not governance.may_speak_for(
        user=author, account_or_network_handle=registered, right="reply"
    ):
        return (
            f"{author.get_username()} has no current certification and reply right "
            f"on {connector.account}"
        )
    return None


def replying_connectors() -> QuerySet[Connector]:
    """The enabled connectors that hold credentials to send replies on their channel."""
    return Connector.objects.filter(enabled=True, kind__in=list(REPLY_CREDENTIALS)).exclude(
        credentials=""
    )


def channel_sends_replies(channel_key: str) -> bool:
    """Do inbox replies on this channel go out through a connector?"""
    return replying_connectors().filter(channel=channel_key).exists()


def replies_enqueue(*, now: datetime | None = None, limit: int = 200) -> int:
    """Create a delivery for each unsent inbox reply on a channel a connector can reply on."""
    now = now or timezone.now()
    channels = set(replying_connectors().values_list("channel", flat=True))
    if not channels:
        return 0
    made = 0
    pending = (
        Reply.objects.filter(
            sent=False, delivery__isnull=True, conversation__channel__key__in=channels
        )
        .select_related("conversation__channel", "author")
        .order_by("id")[:limit]
    )
    for reply in pending:
        connector, post = _connector_for(reply)
        if connector is None:
            continue
        refusal = _may_send(reply, connector)
        if post is None:
            refusal = "the conversation has no customer post to answer"
        delivery = ReplyDelivery(
            reply=reply,
            connector=connector,
            in_reply_to=post.external_id if post else "",
            created=now,
            next_attempt_at=now,
        )
        if refusal:
            delivery.status = DeliveryStatus.FAILED
            delivery.last_error = f"Not sent: {refusal}."[:500]
        with transaction.atomic():
            delivery.save()
            if refusal:
                _note(reply, f"Reply not sent through {connector.name}: {refusal}.")
        made += 1
    return made


def _note(reply: Reply, text: str) -> None:
    services.note_add(actor=permissions.system_actor(), conversation=reply.conversation, text=text)


def _retry_wait(attempts: int) -> timedelta:
    ceiling = min(3600.0, 30.0 * 2 ** (attempts - 1))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


def replies_deliver(
    *, now: datetime | None = None, connector: Connector | None = None, limit: int = 50
) -> dict[str, int]:
    """Send the deliveries that are due; return how many were sent, retried and failed."""
    now = now or timezone.now()
    due = ReplyDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
    if connector is not None:
        due = due.filter(connector=connector)
    counts = {"sent": 0, "retry": 0, "failed": 0}
    clients: dict[int, Any] = {}
    for delivery in due.select_related("connector", "reply__conversation__channel").order_by(
        "next_attempt_at", "id"
    )[:limit]:
        claimed = (
            ReplyDelivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.PENDING)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT))
            .update(claimed_at=now)
        )
        if not claimed:
            continue
        counts[_deliver(delivery, clients, now)] += 1
    for client in clients.values():
        if client is not None:
            client.close()
    return counts


def _deliver(delivery: ReplyDelivery, clients: dict[int, Any], now: datetime) -> str:
    reply, connector = delivery.reply, delivery.connector
    attempts = delivery.attempts + 1
    try:
        if connector is None:
            raise pure.PermanentError("its connector was removed")
        if connector.pk not in clients:
            clients[connector.pk] = reply_client(connector)
        client = clients[connector.pk]
        if client is None:
            raise pure.PermanentError(f"{connector.name} has no credentials to reply with")
        key = f"escapevelocity-reply-{reply.pk}"
        if isinstance(client, BlueskyClient):
            sent = client.reply(
                in_reply_to=delivery.in_reply_to,
                text=reply.text,
                idempotency_key=key,
                created_at=reply.created,
            )
        else:
            author = (
                Post.objects.filter(
                    channel__key=connector.channel, external_id=delivery.in_reply_to
                )
                .values_list("author__handle", flat=True)
                .first()
            )
            sent = client.reply(
                in_reply_to=delivery.in_reply_to,
                text=reply.text,
                idempotency_key=key,
                mention=author,
            )
    except pure.TransientError as exc:
        if attempts < MAX_DELIVERY_ATTEMPTS:
            ReplyDelivery.objects.filter(pk=delivery.pk).update(
                attempts=attempts,
                last_error=str(exc)[:500],
                next_attempt_at=now + _retry_wait(attempts),
                claimed_at=None,
            )
            return "retry"
        return _fail(delivery, attempts, f"{exc} (gave up after {attempts} attempts)")
    except pure.ConnectorError as exc:
        return _fail(delivery, attempts, str(exc))
    with transaction.atomic():
        ReplyDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENT,
            attempts=attempts,
            external_id=sent.external_id[:200],
            url=(sent.url or "")[:500],
            sent_at=now,
            last_error="",
            claimed_at=None,
        )
        Reply.objects.filter(pk=reply.pk).update(sent=True)
        # The reply joins the thread as the company's post, linked to the post it answers.
        services.ingest_posts(
            [
                {
                    "external_id": sent.external_id,
                    "channel": connector.channel,
                    "text": reply.text,
                    "author": connector.account or connector.name,
                    "direction": "out",
                    "reply_to_id": delivery.in_reply_to,
                    "created_at": now.isoformat(),
                    "url": sent.url or "",
                    "account": connector.account,
                }
            ],
            now=now,
        )
    return "sent"


def _fail(delivery: ReplyDelivery, attempts: int, reason: str) -> str:
    with transaction.atomic():
        ReplyDelivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.FAILED,
            attempts=attempts,
            last_error=reason[:500],
            claimed_at=None,
        )
        _note(delivery.reply, f"Reply not sent: {reason}")
    return "failed"


def delivery_retry(*, actor: Any, delivery: ReplyDelivery) -> ReplyDelivery:
    """Put a failed delivery back in line (after its cause was fixed)."""
    if not permissions.can_act_on_unit(actor, delivery.reply.conversation.unit_id):
        raise PermissionDenied("You may not act on this conversation.")
    if delivery.status != DeliveryStatus.FAILED:
        raise ValidationError({"status": ["Only a failed delivery can be retried."]})
    ReplyDelivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.PENDING, next_attempt_at=timezone.now(), claimed_at=None
    )
    delivery.refresh_from_db()
    return delivery


# ---------------------------------------------------------------------------------- health


def connectors_health(*, user: Any) -> list[dict[str, Any]]:
    """What the health view shows: per connector, state, last event, lag, errors, deliveries.
    Hub members only; never credentials, only whether they are set."""
    if not permissions.is_hub(user):
        raise PermissionDenied("Connector health is for the hub.")
    rows = []
    now = timezone.now()
    for connector in Connector.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=DeliveryStatus.FAILED)),
    ).order_by("name"):
        # A poller reports once per round: allow two of its intervals before calling it silent.
        poll = _float(
            (connector.options or {}).get("poll_seconds"), POLL_DEFAULTS.get(connector.kind, 60.0)
        )
        allowance = timedelta(seconds=max(300.0, 2 * poll + 60))
        silent = connector.heartbeat_at is None or now - connector.heartbeat_at > allowance
        rows.append(
            {
                "connector": connector,
                "credentials": "set" if connector.has_credentials else "not set",
                "running": connector.state != "stopped" and not silent,
                "pending": connector.pending,
                "failed": connector.failed,
            }
        )
    return rows
