"""Reads in customer care that have rules: who sees which queue, filters, keyset pages.

A person sees the conversations of the units escapevelocity.org.permissions lets them view
(a spoke its own queue, the hub every queue). Lists page by keyset (a cursor naming the last
row's sort key and id), so page 1,000 costs what page 1 costs.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Count, F, Q, QuerySet, Subquery
from django.db.models.fields.tuple_lookups import TupleGreaterThan, TupleLessThan
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from escapevelocity.care import sla
from escapevelocity.care.models import (
    OPEN_STATUSES,
    Conversation,
    Correction,
    CorrectionField,
    Decision,
    Intent,
    Post,
    Queue,
    Sentiment,
    Status,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit

PAGE_SIZE = 50
SORTS = {
    # name: (field, descending)
    "due": ("due_at", False),
    "newest": ("last_post_at", True),
    "priority": ("priority", True),
}
PRIORITY_BANDS = {b.name: b for b in sla.DEFAULT_SLA_BANDS}
# SLA filters that are a range on due_at (and so leave out conversations without a deadline).
DEADLINE_RANGES = (sla.SlaState.BREACHED, sla.SlaState.DUE_SOON, sla.SlaState.ON_TRACK)
STATUS_FILTERS = {"open": OPEN_STATUSES, **{s.value: (s.value,) for s in Status}}


@dataclass
class InboxFilters:
    unit: str = ""  # a unit key; "" = every queue the person may see
    status: str = "open"  # "open", "all", or one status
    intent: str = ""
    sentiment: str = ""
    priority: str = ""  # a band name: urgent, high, normal, low
    channel: str = ""
    sla: str = ""  # breached, due_soon, on_track, none
    assignee: str = ""  # "me", "none", or a username
    q: str = ""
    sort: str = "due"
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_params(cls, params: Any) -> InboxFilters:
        """Read filters from a QueryDict or dict; unknown values are reported, not guessed."""
        f = cls(
            unit=(params.get("unit") or "").strip(),
            status=(params.get("status") or "open").strip(),
            intent=(params.get("intent") or "").strip(),
            sentiment=(params.get("sentiment") or "").strip(),
            priority=(params.get("priority") or "").strip(),
            channel=(params.get("channel") or "").strip(),
            sla=(params.get("sla") or "").strip(),
            assignee=(params.get("assignee") or "").strip(),
            q=(params.get("q") or "").strip()[:200],
            sort=(params.get("sort") or "due").strip(),
        )
        checks = {
            "status": ("all", *STATUS_FILTERS),
            "intent": Intent.values,
            "sentiment": Sentiment.values,
            "priority": tuple(PRIORITY_BANDS),
            "sla": tuple(v for v, _ in sla.SlaState.choices),
            "sort": tuple(SORTS),
        }
        for name, allowed in checks.items():
            value = getattr(f, name)
            if value and value not in allowed:
                f.errors[name] = [f"'{value}' is not one of: {', '.join(allowed)}."]
        return f

    def as_query(self) -> dict[str, str]:
        keys = ("unit", "status", "intent", "sentiment", "priority", "channel", "sla")
        out = {k: getattr(self, k) for k in (*keys, "assignee", "q", "sort")}
        return {k: v for k, v in out.items() if v and not (k == "sort" and v == "due")}


@dataclass
class Page:
    items: list[Conversation]
    next_cursor: str | None


def visible_conversations(*, user: Any) -> QuerySet[Conversation]:
    """The conversations of the units this person may see. For someone who sees every unit
    (the hub) no unit condition is added, so the database may walk a sort index directly."""
    view_ids = permissions.scope_for(user).view_unit_ids
    if view_ids and not Unit.objects.exclude(id__in=view_ids).exists():
        return Conversation.objects.all()
    return Conversation.objects.filter(permissions.unit_filter(user, "unit"))


def filtered_conversations(
    *, user: Any, filters: InboxFilters, now: datetime | None = None
) -> QuerySet[Conversation]:
    if filters.errors:
        raise ValidationError(filters.errors)
    now = now or timezone.now()
    qs = visible_conversations(user=user)
    if filters.unit:
        # A subquery, not a join: the unit is then a value when the plan runs, so the database
        # reads (unit, sort key) in order for it instead of sorting what a join produced.
        unit_id = Unit.objects.filter(key=filters.unit).order_by().values("id")[:1]
        qs = qs.filter(unit_id=Subquery(unit_id))
    if filters.status != "all":
        qs = qs.filter(status__in=STATUS_FILTERS[filters.status])
    if filters.intent:
        qs = qs.filter(intent=filters.intent)
    if filters.sentiment:
        qs = qs.filter(sentiment=filters.sentiment)
    if filters.priority:
        bands = sla.DEFAULT_SLA_BANDS
        band = PRIORITY_BANDS[filters.priority]
        higher = [b.min_priority for b in bands if b.min_priority > band.min_priority]
        qs = qs.filter(priority__gte=band.min_priority)
        if higher:
            qs = qs.filter(priority__lt=min(higher))
    if filters.channel:
        qs = qs.filter(channel__key=filters.channel)
    if filters.sla == sla.SlaState.BREACHED:
        qs = qs.filter(due_at__lt=now)
    elif filters.sla == sla.SlaState.DUE_SOON:
        qs = qs.filter(due_at__gte=now, due_at__lt=now + sla.DUE_SOON)
    elif filters.sla == sla.SlaState.ON_TRACK:
        qs = qs.filter(due_at__gte=now + sla.DUE_SOON)
    elif filters.sla == sla.SlaState.NONE:
        qs = qs.filter(due_at=None)
    if filters.assignee == "me":
        qs = qs.filter(assignee_id=getattr(user, "pk", None))
    elif filters.assignee == "none":
        qs = qs.filter(assignee=None)
    elif filters.assignee:
        qs = qs.filter(assignee__username=filters.assignee)
    if filters.q:
        term = filters.q.lstrip("@")
        matching_posts = Post.objects.filter(text__icontains=filters.q).values("conversation_id")
        qs = qs.filter(
            Q(preview__icontains=filters.q)
            | Q(author__handle__iexact=term)
            | Q(id__in=matching_posts)
        )
    return qs


def encode_cursor(conv: Conversation, sort: str) -> str:
    name, _desc = SORTS[sort]
    value = getattr(conv, name)
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps([value, conv.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(pk, int):
            raise ValueError
        name, _desc = SORTS[sort]
        if name in ("due_at", "last_post_at") and value is not None:
            value = parse_datetime(value)
            if value is None:
                raise ValueError
        elif name == "priority" and not isinstance(value, int):
            raise ValueError
        return value, pk
    except (ValueError, TypeError, json.JSONDecodeError, UnicodeDecodeError):
        raise ValidationError({"cursor": ["Not a cursor this list gave out."]}) from None


def _after_cursor(name: str, desc: bool, value: Any, pk: int) -> list[Any]:
    """Conditions for the rows after a cursor in (`name`, id) order.

    Where the database has row values (PostgreSQL), one comparison, `(name, id) > (value, pk)`:
    the index walk starts at the cursor, and the planner estimates it as the plain range on
    `name` it is. Written as a range plus an OR settling ties, it is estimated as independent
    conditions (the product of their selectivities: a few dozen rows of tens of thousands), so
    the planner sorts every match instead of walking the index to the 51st. On SQLite Django
    writes the comparison out as that OR, so a plain range goes first to start the walk."""
    after = (TupleLessThan if desc else TupleGreaterThan)((F(name), F("id")), (value, pk))
    if getattr(connection.features, "supports_tuple_lookups", False):
        return [after]
    return [Q(**{f"{name}__{'lte' if desc else 'gte'}": value}), after]


def _keyset(qs: QuerySet[Conversation], sort: str, cursor: str | None) -> QuerySet[Conversation]:
    name, desc = SORTS[sort]
    if cursor:
        value, pk = _decode_cursor(cursor, sort)
        for condition in _after_cursor(name, desc, value, pk):
            qs = qs.filter(condition)
    return qs.order_by(f"-{name}", "-id") if desc else qs.order_by(name, "id")


def inbox_page(
    *,
    user: Any,
    filters: InboxFilters,
    cursor: str | None = None,
    size: int = PAGE_SIZE,
    now: datetime | None = None,
) -> Page:
    """One page of the conversations this person may see, in the chosen order.

    By due date: deadlines first, soonest first, then conversations with no clock running by
    id. The two parts are read separately (at most two queries), so each walks an index
    instead of sorting every open conversation to put the nulls last."""
    qs = filtered_conversations(user=user, filters=filters, now=now)
    qs_timed = qs
    if filters.status == "open":
        # A deadline runs only on open work, so the status condition adds nothing there, and
        # leaving it out lets the database read the deadline index in order.
        qs_timed = filtered_conversations(
            user=user, filters=dataclasses.replace(filters, status="all"), now=now
        )
    related = ("author", "channel", "unit", "assignee")
    if filters.sort != "due":
        rows = list(_keyset(qs, filters.sort, cursor or None).select_related(*related)[: size + 1])
    else:
        value, pk = _decode_cursor(cursor, "due") if cursor else (None, None)
        rows = []
        if not (cursor and value is None):
            timed = qs_timed
            if cursor and pk is not None:
                for condition in _after_cursor("due_at", False, value, pk):
                    timed = timed.filter(condition)
            elif filters.sla not in DEADLINE_RANGES:
                # Only where nothing else excludes the rows without a deadline: the planner
                # would multiply this by the range's selectivity (which already leaves out
                # nulls), expect a few rows, and sort all of them instead of walking the index.
                timed = timed.filter(due_at__isnull=False)
            rows = list(timed.order_by("due_at", "id").select_related(*related)[: size + 1])
        if len(rows) <= size:
            untimed = qs.filter(due_at=None)
            if cursor and value is None:
                untimed = untimed.filter(id__gt=pk)
            rows += list(untimed.order_by("id").select_related(*related)[: size + 1 - len(rows)])
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, encode_cursor(rows[-1], filters.sort) if more and rows else None)


def export_rows(
    *, user: Any, filters: InboxFilters, now: datetime | None = None, chunk: int = 2000
) -> Iterator[Conversation]:
    """Every conversation matching the filters, streamed in keyset chunks."""
    cursor: str | None = None
    while True:
        page = inbox_page(user=user, filters=filters, cursor=cursor, size=chunk, now=now)
        yield from page.items
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def queues_for(*, user: Any) -> list[dict[str, Any]]:
    """The queues this person may see, with open and breached counts (two grouped queries).

    Both counts are read from an index alone, never from the table: COUNT(*) (COUNT(id) would
    make PostgreSQL fetch every counted row to see that its id is not null), open conversations
    from the open statuses' part of the (status, unit) index, breached ones from the past part
    of each queue's (unit, due_at) range. On PostgreSQL an index-only scan skips the table for
    pages VACUUM has marked all-visible (autovacuum keeps them so); on a table never vacuumed
    it visits every counted row's page."""
    now = timezone.now()
    units = list(permissions.units_visible_to(user).filter(archived=False).order_by("kind", "name"))
    ids = [u.pk for u in units]
    # Counted over every unit, kept for the visible ones below: without a unit condition the
    # database reads only the open part of the (status, unit) index, never a queue's history.
    open_counts = _open_counts()
    # A unit condition here: (unit, due_at) then holds each queue's breached deadlines together,
    # where (due_at) alone would not have the unit without reading the table.
    breached = dict(
        Conversation.objects.filter(unit_id__in=ids, due_at__lt=now)
        .values("unit_id")
        .annotate(n=Count("*"))
        .values_list("unit_id", "n")
    )
    settings_by_unit = {q.unit_id: q for q in Queue.objects.filter(unit_id__in=ids)}
    return [
        {
            "unit": u,
            "open": open_counts.get(u.pk, 0),
            "breached": breached.get(u.pk, 0),
            "queue": settings_by_unit.get(u.pk),
        }
        for u in units
    ]


def _open_counts() -> dict[int, int]:
    """Open conversations per unit. SQLite's planner, knowing only that `status` has a few
    values, would rather walk a queue index in unit order (to group without sorting) through
    the whole history; told to use (status, unit), it reads just the open rows. PostgreSQL
    keeps per-value statistics and finds that index itself."""
    if connection.vendor == "sqlite":
        table = Conversation._meta.db_table
        marks = ", ".join(["%s"] * len(OPEN_STATUSES))
        sql = (
            f"SELECT unit_id, COUNT(*) FROM {table} INDEXED BY care_conv_status_queue "  # noqa: S608
            f"WHERE status IN ({marks}) GROUP BY unit_id"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [str(s) for s in OPEN_STATUSES])
            return dict(cursor.fetchall())
    return dict(
        Conversation.objects.filter(status__in=OPEN_STATUSES)
        .values("unit_id")
        .annotate(n=Count("*"))
        .values_list("unit_id", "n")
    )


def conversation_get(*, user: Any, pk: int) -> Conversation:
    """A conversation this person may see, or 404 (not 403: its existence is not shown)."""
    conv = (
        Conversation.objects.select_related("author", "channel", "unit", "assignee")
        .filter(pk=pk)
        .first()
    )
    if conv is None or not permissions.can_view_unit(user, conv.unit_id):
        raise Http404("No such conversation.")
    return conv


@dataclass
class Thread:
    conversation: Conversation
    posts: list[Post]
    decisions: dict[int, Decision]
    latest_decision: Decision | None
    notes: list[Any]
    replies: list[Any]
    corrections: list[Any]
    assignments: list[Any]
    history: list[Conversation]
    timeline: list[tuple[datetime, str, Any]]
    log: list[tuple[datetime, str, Any]]


def conversation_thread(*, user: Any, conversation: Conversation, history: int = 10) -> Thread:
    """Everything on one conversation: posts with triage decisions, notes, replies,
    corrections, assignments, and the author's other conversations this person may see."""
    conv = conversation
    posts = list(conv.posts.select_related("author").order_by("created_at", "id"))
    decisions = {
        d.post_id: d
        for d in Decision.objects.filter(post__conversation=conv).select_related("unit")
    }
    latest = None
    for p in reversed(posts):
        if p.pk in decisions:
            latest = decisions[p.pk]
            break
    notes = list(conv.notes.select_related("author").order_by("created"))
    replies = list(conv.replies.select_related("author", "delivery").order_by("created"))
    corrections = list(conv.corrections.select_related("author").order_by("created"))
    assignments = list(
        conv.assignments.select_related("assignee", "assigned_by").order_by("created")
    )
    others = list(
        visible_conversations(user=user)
        .filter(author_id=conv.author_id)
        .exclude(pk=conv.pk)
        .select_related("unit")
        .order_by("-last_post_at")[:history]
    )
    timeline: list[tuple[datetime, str, Any]] = [(p.created_at, "post", p) for p in posts]
    timeline += [(n.created, "note", n) for n in notes]
    timeline += [(r.created, "reply", r) for r in replies]
    timeline.sort(key=lambda item: item[0])
    log: list[tuple[datetime, str, Any]] = [(a.created, "assignment", a) for a in assignments]
    log += [(c.created, "correction", c) for c in corrections]
    log.sort(key=lambda item: item[0])
    return Thread(
        conv,
        posts,
        decisions,
        latest,
        notes,
        replies,
        corrections,
        assignments,
        others,
        timeline,
        log,
    )


def assignable_people(*, unit: Unit) -> list[Any]:
    """People who may act on this unit's conversations: its own members and the hub's."""
    from django.contrib.auth import get_user_model

    from escapevelocity.org.models import HUB_ROLES, Membership, Role

    unit_ids = {unit.pk}
    if unit.region_id:
        unit_ids.add(unit.region_id)
    rows = Membership.objects.filter(
        Q(unit_id__in=unit_ids, role__in=(Role.AGENT, Role.SPOKE_LEAD))
        | Q(role__in=HUB_ROLES, unit__kind="hub")
    ).values_list("user_id", flat=True)
    return list(get_user_model().objects.filter(id__in=rows, is_active=True).order_by("username"))


def is_available(*, user: Any) -> bool:
    from escapevelocity.care.models import AgentStatus

    status = AgentStatus.objects.filter(user_id=getattr(user, "pk", None) or 0).first()
    return status is None or status.available


def channels_seen() -> list[tuple[str, str]]:
    from escapevelocity.care.models import Channel

    return list(Channel.objects.order_by("key").values_list("key", "name"))


def routing_training_examples(*, limit: int = 50_000) -> list[tuple[str, str]]:
    """(text, unit key) pairs for `ev triage train --corrections`: every route correction (the
    latest per conversation wins), then conversations a person worked to resolution without
    re-routing them, most recent first, up to `limit` pairs in all."""
    examples: list[tuple[str, str]] = []
    corrected: set[int] = set()
    rows = (
        Correction.objects.filter(field=CorrectionField.ROUTE)
        .order_by("conversation_id", "-created", "-id")
        .values_list("conversation_id", "text", "new_value")
    )
    for conv_id, text, unit_key in rows:
        if conv_id in corrected:
            continue
        corrected.add(conv_id)
        if text.strip():
            examples.append((text, unit_key))
    room = limit - len(examples)
    if room > 0:
        confirmed = (
            Post.objects.filter(
                direction="in",
                conversation__status=Status.RESOLVED,
                conversation__first_responded_at__isnull=False,
            )
            .exclude(conversation_id__in=corrected)
            .order_by("-conversation__resolved_at", "conversation_id", "created_at")
            .values_list("conversation_id", "text", "conversation__unit__key")
        )
        seen: set[int] = set()
        for conv_id, text, unit_key in confirmed.iterator(chunk_size=2000):
            if conv_id in seen:
                continue
            seen.add(conv_id)
            examples.append((text, unit_key))
            if len(examples) >= limit:
                break
    return examples[:limit]


def sla_label(conv: Conversation, now: datetime) -> str:
    return sla.state_of(conv.due_at if conv.status in OPEN_STATUSES else None, now)


def minutes_left(conv: Conversation, now: datetime) -> int | None:
    if conv.due_at is None:
        return None
    return int((conv.due_at - now) / timedelta(minutes=1))
