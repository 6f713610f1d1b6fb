"""Care endpoints under /api/care/: queues, conversations and the actions on them, ingestion.

Visibility follows escapevelocity.org.permissions: a conversation outside the person's units is
404; one they may see but not act on is 403. Lists page by keyset (`cursor`).
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema
from ninja import Status as Answer
from ninja.files import UploadedFile
from pydantic import ConfigDict
from pydantic import ValidationError as PydanticValidationError

from escapevelocity import signing
from escapevelocity.care import selectors, services
from escapevelocity.care.importing import ImportFormatError, guess_format, parse_mapping
from escapevelocity.care.models import Conversation, Intent, Status, WebhookDelivery
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit

router = Router()

WEBHOOK_TOLERANCE = timedelta(minutes=5)


class StrictIn(Schema):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ConversationOut(Schema):
    id: int
    unit: str
    status: str
    intent: str
    sentiment: str
    priority: int
    response: str
    channel: str
    author: str
    assignee: str | None
    preview: str
    post_count: int
    opened_at: datetime
    last_post_at: datetime
    due_at: datetime | None
    sla_state: str
    first_responded_at: datetime | None
    resolved_at: datetime | None


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str | None


class DecisionOut(Schema):
    language: str
    sentiment: str
    sentiment_score: float
    intent: str
    intent_probability: float
    priority: int
    route: str
    route_source: str
    route_rule: str
    unit: str
    response: str
    reasons: dict[str, list[str]]


class PostOut(Schema):
    external_id: str
    direction: str
    author: str
    text: str
    created_at: datetime
    reply_to_id: str
    url: str
    decision: DecisionOut | None


class NoteOut(Schema):
    id: int
    author: str | None
    text: str
    created: datetime


class ReplyOut(NoteOut):
    sent: bool


class CorrectionOut(Schema):
    field: str
    old_value: str
    new_value: str
    reason: str
    author: str | None
    created: datetime


class ConversationDetail(ConversationOut):
    posts: list[PostOut]
    notes: list[NoteOut]
    replies: list[ReplyOut]
    corrections: list[CorrectionOut]
    author_history: list[ConversationOut]


class QueueOut(Schema):
    unit: str
    name: str
    open: int
    breached: int
    auto_assign: bool
    business_hours: bool
    can_act: bool


class FiltersIn(Schema):
    unit: str = ""
    status: Literal[
        "open", "all", "new", "assigned", "waiting", "escalated", "monitor", "resolved"
    ] = "open"
    intent: Intent | Literal[""] = ""
    sentiment: Literal["", "negative", "neutral", "positive"] = ""
    priority: Literal["", "urgent", "high", "normal", "low"] = ""
    channel: str = ""
    sla: Literal["", "breached", "due_soon", "on_track", "none"] = ""
    assignee: str = Field("", description="me, none, or a username")
    q: str = Field("", max_length=200)
    sort: Literal["due", "newest", "priority"] = "due"
    cursor: str = ""
    limit: int = Field(50, ge=1, le=200)


class AssignIn(StrictIn):
    assignee: str | None = Field(description="a username, or null to unassign")


class RerouteIn(StrictIn):
    unit: str = Field(min_length=1, max_length=64)
    reason: str = Field("", max_length=500)


class IntentIn(StrictIn):
    intent: Intent


class StatusIn(StrictIn):
    status: Status


class TextIn(StrictIn):
    text: str = Field(min_length=1, max_length=5000)


class BulkIn(StrictIn):
    ids: list[int] = Field(min_length=1, max_length=500)
    action: Literal["assign", "unassign", "status", "reroute"]
    assignee: str | None = None
    unit: str | None = None
    status: Status | None = None


class BulkOut(Schema):
    changed: int


class PostsIn(Schema):
    posts: list[dict[str, Any]] = Field(max_length=services.MAX_BATCH)


class RejectedOut(Schema):
    index: int
    reason: str


class IngestOut(Schema):
    new: int
    duplicate: int
    rejected: list[RejectedOut]
    conversations_created: int
    threaded_by_reply: int
    threaded_by_author: int
    auto_assigned: int


class LineError(Schema):
    line: int
    reason: str


class ImportOut(Schema):
    rows: int
    new: int
    duplicate: int
    rejected: int
    errors: list[LineError]
    conversations_created: int
    threaded_by_reply: int
    threaded_by_author: int


def _conv_out(conv: Conversation, now: datetime) -> dict[str, Any]:
    return {
        "id": conv.pk,
        "unit": conv.unit.key,
        "status": conv.status,
        "intent": conv.intent,
        "sentiment": conv.sentiment,
        "priority": conv.priority,
        "response": conv.response,
        "channel": conv.channel.key,
        "author": conv.author.handle,
        "assignee": conv.assignee.get_username() if conv.assignee else None,
        "preview": conv.preview,
        "post_count": conv.post_count,
        "opened_at": conv.opened_at,
        "last_post_at": conv.last_post_at,
        "due_at": conv.due_at,
        "sla_state": selectors.sla_label(conv, now),
        "first_responded_at": conv.first_responded_at,
        "resolved_at": conv.resolved_at,
    }


def _detail(request: HttpRequest, conv: Conversation) -> dict[str, Any]:
    now = timezone.now()
    thread = selectors.conversation_thread(user=request.user, conversation=conv)
    out = _conv_out(conv, now)
    posts = []
    for p in thread.posts:
        d = thread.decisions.get(p.pk)
        posts.append(
            {
                "external_id": p.external_id,
                "direction": p.direction,
                "author": p.author.handle,
                "text": p.text,
                "created_at": p.created_at,
                "reply_to_id": p.reply_to_external_id,
                "url": p.url,
                "decision": None
                if d is None
                else {
                    "language": d.language,
                    "sentiment": d.sentiment,
                    "sentiment_score": d.sentiment_score,
                    "intent": d.intent,
                    "intent_probability": d.intent_probability,
                    "priority": d.priority,
                    "route": d.route,
                    "route_source": d.route_source,
                    "route_rule": d.route_rule,
                    "unit": d.unit.key,
                    "response": d.response,
                    "reasons": d.reasons,
                },
            }
        )
    out["posts"] = posts
    out["notes"] = [
        {"id": n.pk, "author": _name(n.author), "text": n.text, "created": n.created}
        for n in thread.notes
    ]
    out["replies"] = [
        {
            "id": r.pk,
            "author": _name(r.author),
            "text": r.text,
            "created": r.created,
            "sent": r.sent,
        }
        for r in thread.replies
    ]
    out["corrections"] = [
        {
            "field": c.field,
            "old_value": c.old_value,
            "new_value": c.new_value,
            "reason": c.reason,
            "author": _name(c.author),
            "created": c.created,
        }
        for c in thread.corrections
    ]
    for other in thread.history:
        other.author = conv.author
        other.channel = conv.channel
    out["author_history"] = [_conv_out(c, now) for c in thread.history]
    return out


def _name(user: Any) -> str | None:
    return user.get_username() if user is not None else None


def _visible(request: HttpRequest, conversation_id: int) -> Conversation:
    permissions.require_member(request.user)
    return selectors.conversation_get(user=request.user, pk=conversation_id)


def _unit(key: str) -> Unit:
    unit = Unit.objects.filter(key=key).first()
    if unit is None:
        raise ValidationError({"unit": [f"No unit with key '{key}'."]})
    return unit


@router.get("/queues", response=list[QueueOut])
def queues(request: HttpRequest) -> list[dict[str, Any]]:
    permissions.require_member(request.user)
    return [
        {
            "unit": q["unit"].key,
            "name": q["unit"].name,
            "open": q["open"],
            "breached": q["breached"],
            "auto_assign": bool(q["queue"] and q["queue"].auto_assign),
            "business_hours": bool(q["queue"] and q["queue"].business_hours),
            "can_act": permissions.can_act_on_unit(request.user, q["unit"]),
        }
        for q in selectors.queues_for(user=request.user)
    ]


@router.get("/conversations", response=ConversationPage)
def conversations(request: HttpRequest, filters: Query[FiltersIn]) -> dict[str, Any]:
    permissions.require_member(request.user)
    params = filters.dict()
    f = selectors.InboxFilters.from_params(params)
    now = timezone.now()
    page = selectors.inbox_page(
        user=request.user, filters=f, cursor=params["cursor"], size=params["limit"], now=now
    )
    return {"items": [_conv_out(c, now) for c in page.items], "next_cursor": page.next_cursor}


@router.get("/conversations/{conversation_id}", response=ConversationDetail)
def conversation(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    return _detail(request, _visible(request, conversation_id))


@router.post("/conversations/{conversation_id}/assign", response=ConversationOut)
def assign(request: HttpRequest, conversation_id: int, payload: AssignIn) -> dict[str, Any]:
    conv = _visible(request, conversation_id)
    assignee = services.user_by_username(payload.assignee) if payload.assignee else None
    conv = services.conversation_assign(actor=request.user, conversation=conv, assignee=assignee)
    return _conv_out(selectors.conversation_get(user=request.user, pk=conv.pk), timezone.now())


@router.post("/conversations/{conversation_id}/reroute", response=ConversationOut)
def reroute(request: HttpRequest, conversation_id: int, payload: RerouteIn) -> dict[str, Any]:
    conv = _visible(request, conversation_id)
    conv = services.conversation_reroute(
        actor=request.user, conversation=conv, unit=_unit(payload.unit), reason=payload.reason
    )
    conv = Conversation.objects.select_related("unit", "channel", "author", "assignee").get(
        pk=conv.pk
    )
    return _conv_out(conv, timezone.now())


@router.post("/conversations/{conversation_id}/intent", response=ConversationOut)
def set_intent(request: HttpRequest, conversation_id: int, payload: IntentIn) -> dict[str, Any]:
    conv = _visible(request, conversation_id)
    services.conversation_set_intent(actor=request.user, conversation=conv, intent=payload.intent)
    return _conv_out(selectors.conversation_get(user=request.user, pk=conv.pk), timezone.now())


@router.post("/conversations/{conversation_id}/status", response=ConversationOut)
def set_status(request: HttpRequest, conversation_id: int, payload: StatusIn) -> dict[str, Any]:
    conv = _visible(request, conversation_id)
    services.conversation_set_status(actor=request.user, conversation=conv, status=payload.status)
    return _conv_out(selectors.conversation_get(user=request.user, pk=conv.pk), timezone.now())


@router.post("/conversations/{conversation_id}/notes", response={201: NoteOut})
def add_note(request: HttpRequest, conversation_id: int, payload: TextIn) -> Answer[dict[str, Any]]:
    conv = _visible(request, conversation_id)
    note = services.note_add(actor=request.user, conversation=conv, text=payload.text)
    return Answer(
        201,
        {
            "id": note.pk,
            "author": _name(note.author),
            "text": note.text,
            "created": note.created,
        },
    )


@router.post("/conversations/{conversation_id}/replies", response={201: ReplyOut})
def add_reply(
    request: HttpRequest, conversation_id: int, payload: TextIn
) -> Answer[dict[str, Any]]:
    """Log a reply. It is not sent to the network: no connector delivers replies yet."""
    conv = _visible(request, conversation_id)
    reply = services.reply_add(actor=request.user, conversation=conv, text=payload.text)
    return Answer(
        201,
        {
            "id": reply.pk,
            "author": _name(reply.author),
            "text": reply.text,
            "created": reply.created,
            "sent": reply.sent,
        },
    )


@router.post("/bulk", response=BulkOut)
def bulk(request: HttpRequest, payload: BulkIn) -> dict[str, Any]:
    permissions.require_member(request.user)
    convs = list(selectors.visible_conversations(user=request.user).filter(id__in=payload.ids))
    missing = set(payload.ids) - {c.pk for c in convs}
    if missing:
        raise ValidationError(
            {"ids": [f"No such conversation: {', '.join(map(str, sorted(missing)))}."]}
        )
    changed = services.conversations_bulk(
        actor=request.user,
        conversations=convs,
        action=payload.action,
        assignee=services.user_by_username(payload.assignee) if payload.assignee else None,
        unit=_unit(payload.unit) if payload.unit else None,
        status=payload.status or "",
    )
    return {"changed": changed}


class QueueSettingsIn(StrictIn):
    auto_assign: bool
    business_hours: bool


class AvailabilityIn(StrictIn):
    available: bool
    capacity: int | None = Field(None, ge=0, le=500)


class AvailabilityOut(Schema):
    username: str
    available: bool
    capacity: int


class AssignedOut(Schema):
    assigned: int


@router.put("/queues/{unit_key}", response=QueueOut)
def queue_settings(request: HttpRequest, unit_key: str, payload: QueueSettingsIn) -> dict[str, Any]:
    """Turn round-robin assignment and business-hours SLA clocks on or off for a queue."""
    permissions.require_member(request.user)
    unit = Unit.objects.filter(key=unit_key).first()
    if unit is None or not permissions.can_view_unit(request.user, unit):
        raise Http404("No such queue.")
    services.queue_update(
        actor=request.user,
        unit=unit,
        auto_assign=payload.auto_assign,
        business_hours=payload.business_hours,
    )
    return next(q for q in queues(request) if q["unit"] == unit.key)


@router.post("/queues/{unit_key}/auto-assign", response=AssignedOut)
def queue_auto_assign(request: HttpRequest, unit_key: str) -> dict[str, Any]:
    """Hand the queue's unassigned open conversations round-robin to its available agents."""
    permissions.require_member(request.user)
    unit = Unit.objects.filter(key=unit_key).first()
    if unit is None or not permissions.can_view_unit(request.user, unit):
        raise Http404("No such queue.")
    return {"assigned": services.auto_assign_backlog(actor=request.user, unit=unit)}


@router.put("/availability/{username}", response=AvailabilityOut)
def availability(request: HttpRequest, username: str, payload: AvailabilityIn) -> dict[str, Any]:
    """Whether a person takes round-robin assignments, and their cap of open conversations."""
    permissions.require_member(request.user)
    person = get_user_model().objects.filter(username=username, is_active=True).first()
    if person is None:
        raise Http404("No such person.")
    status = services.agent_status_update(
        actor=request.user, user=person, available=payload.available, capacity=payload.capacity
    )
    return {"username": username, "available": status.available, "capacity": status.capacity}


def _require_ingest(request: HttpRequest) -> None:
    if not permissions.is_hub(request.user):
        raise PermissionDenied("Only the hub ingests posts.")


@router.post("/posts", response=IngestOut)
def ingest(request: HttpRequest, payload: PostsIn) -> dict[str, Any]:
    """Store a batch of posts (the schema of docs/import.md): idempotent, per-post rejections."""
    _require_ingest(request)
    return services.ingest_posts(payload.posts).as_dict()


@router.post("/import", response=ImportOut)
def import_file(
    request: HttpRequest,
    file: File[UploadedFile],
    format: Form[Literal["", "csv", "jsonl"]] = "",
    map: Form[str] = "",
    channel: Form[str] = "import",
) -> dict[str, Any]:
    _require_ingest(request)
    try:
        fmt = format or guess_format(file.name or "")
        mapping = parse_mapping(map)
    except ImportFormatError as exc:
        raise ValidationError({"format" if "format" in str(exc) else "map": [str(exc)]}) from None
    try:
        summary = services.import_posts(
            actor=request.user,
            binary=file.open("rb"),
            fmt=fmt,
            mapping=mapping,
            default_channel=channel,
        )
    except ImportFormatError as exc:
        raise ValidationError({"file": [str(exc)]}) from None
    return summary.as_dict()


def webhook_secret() -> str:
    return str(
        getattr(settings, "CARE_WEBHOOK_SECRET", "") or os.environ.get("EV_CARE_WEBHOOK_SECRET", "")
    )


@router.post("/webhook", auth=None, response={200: IngestOut, 401: dict, 422: dict, 503: dict})
def webhook(request: HttpRequest) -> Any:
    """Posts from a system holding the shared secret: HMAC-SHA256 over "{timestamp}.{body}",
    within five minutes of the server's clock, each signature accepted once. The body is the
    one /posts takes; it is read only after the signature holds."""
    secret = webhook_secret()
    if not secret:
        return Answer(
            503, {"detail": "The webhook is not configured (set EV_CARE_WEBHOOK_SECRET)."}
        )
    timestamp = request.headers.get("X-EV-Timestamp", "")
    signature = request.headers.get("X-EV-Signature", "")
    if not timestamp.isdigit() or not signature:
        return Answer(401, {"detail": "Send X-EV-Timestamp and X-EV-Signature."})
    if abs(time.time() - int(timestamp)) > WEBHOOK_TOLERANCE.total_seconds():
        return Answer(401, {"detail": "The timestamp is too old or in the future."})
    if not signing.verify(secret, timestamp, request.body, signature):
        return Answer(401, {"detail": "The signature does not match."})
    try:
        payload = PostsIn.model_validate_json(request.body)
    except PydanticValidationError as exc:
        detail = [
            {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"], "type": e["type"]}
            for e in exc.errors(include_url=False, include_context=False, include_input=False)
        ]
        return Answer(422, {"detail": detail})
    now = timezone.now()
    try:
        with transaction.atomic():
            WebhookDelivery.objects.create(
                signature=services.signature_digest(signature),
                timestamp=int(timestamp),
                received=now,
            )
            result = services.ingest_posts(payload.posts)
    except IntegrityError:
        return Answer(401, {"detail": "This request was received before (a replay)."})
    WebhookDelivery.objects.filter(received__lt=now - 2 * WEBHOOK_TOLERANCE).delete()
    return Answer(200, result.as_dict())
