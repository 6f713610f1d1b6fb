"""Every write in customer care: one function per business action, keyword-only arguments.

`ingest_posts` is the one door for customer posts (imports, the API, webhooks, connectors):
one vectorized triage call per batch, one transaction, bulk inserts, idempotent on
(channel, external id). The actions people take on a conversation (assign, re-route, reply,
note, change status) check permission through escapevelocity.org.permissions, raise
ValidationError naming the field or PermissionDenied, and write in one transaction.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import Count
from django.utils import timezone

from escapevelocity.care import bulk, sla
from escapevelocity.care.bulk import Row
from escapevelocity.care.incoming import IncomingPost, Rejected, clean_post
from escapevelocity.care.models import (
    OPEN_STATUSES,
    AgentStatus,
    Assignment,
    Author,
    Channel,
    Conversation,
    Correction,
    CorrectionField,
    Decision,
    Intent,
    Note,
    Post,
    Queue,
    Reply,
    Status,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import Membership, Role, Unit, UnitKind

ASSIGNABLE_ROLES = (Role.AGENT, Role.SPOKE_LEAD, Role.HUB_MEMBER, Role.STRATEGIST)
AUTO_ASSIGN_ROLES = (Role.AGENT, Role.SPOKE_LEAD)
RECENT_CONTACT_WINDOW = timedelta(days=7)
MAX_BATCH = 5_000
_ASSIGN_LOCK = 0x45560001  # PostgreSQL advisory locks (this, unit id): one auto-assigner a unit


# ----------------------------------------------------------------------------------- ingest


@dataclass
class IngestResult:
    new: int = 0
    duplicate: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (index in batch, reason)
    conversations_created: int = 0
    threaded_by_reply: int = 0
    threaded_by_author: int = 0
    auto_assigned: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "new": self.new,
            "duplicate": self.duplicate,
            "rejected": [{"index": i, "reason": r} for i, r in self.rejected],
            "conversations_created": self.conversations_created,
            "threaded_by_reply": self.threaded_by_reply,
            "threaded_by_author": self.threaded_by_author,
            "auto_assigned": self.auto_assigned,
        }


def triager() -> Any:
    """The triage engine, with the company's own rules and learned router when present."""
    from escapevelocity.triage import Triager

    data_dir = Path(settings.DATA_DIR)
    rules = data_dir / "routing.yaml"
    router = data_dir / "models" / "router.joblib"
    return Triager.default(
        rules_path=rules if rules.exists() else None,
        router_path=router if router.exists() else None,
    )


def warm_up() -> None:
    """Make a process that will ingest for long ready: load the triage engine and put one post
    through every stage (some load on first use), then move everything loaded so far out of
    the garbage collector's scans (`gc.freeze`). The models and Django's own state live as long
    as the process; otherwise each full collection walks them again, which cost about a tenth
    of ingest's time. Call once, at start: workers (before the pool forks, which also keeps
    the pages shared), imports, listeners."""
    from escapevelocity.triage import Post as TriagePost

    triager().triage([TriagePost(external_id="warm-up", channel="warm-up", text="Warming up!")])
    gc.collect()
    gc.freeze()


def _as_mapping(item: Any) -> Mapping[str, Any]:
    """Accept the triage engine's Post dataclass as well as plain mappings."""
    if type(item) is dict:  # what imports, the API and connectors hand over
        return item
    if dataclasses.is_dataclass(item) and not isinstance(item, type):
        data = dataclasses.asdict(item)
        data["author"] = data.pop("author_handle", "")
        data.pop("author_contact_count", None)
        return data
    mapping: Mapping[str, Any] = item
    return mapping


class _Routes:
    """Resolves a triage route (a unit key or a unit function) to a unit, as TRIAGE_API says."""

    def __init__(self) -> None:
        units = list(Unit.objects.filter(archived=False).order_by("key"))
        if not units:
            raise ValidationError({"unit": ["The company has no units: create a hub first."]})
        self.by_key = {u.key: u for u in units}
        self.by_function: dict[str, Unit] = {}
        for u in units:
            if u.kind == UnitKind.SPOKE and u.function:
                self.by_function.setdefault(u.function, u)
        hubs = [u for u in units if u.kind == UnitKind.HUB]
        self.fallback = hubs[0] if hubs else units[0]

    def unit_for(self, route: str) -> Unit:
        return self.by_key.get(route) or self.by_function.get(route) or self.fallback


class _RoundRobin:
    """Hands conversations to available agents of a unit in turn, within each one's capacity."""

    def __init__(self, unit_ids: Iterable[int], now: datetime) -> None:
        self.now = now
        unit_ids = set(unit_ids)
        self.agents: dict[int, list[list[Any]]] = defaultdict(list)
        self.touched: dict[int, datetime] = {}
        self.load: dict[int, int] = {}
        if not unit_ids:
            return
        if connection.vendor == "postgresql":
            # Loads and turns are read and written by one batch at a time per unit.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(%s, u) FROM unnest(%s::int[]) AS u ORDER BY u",
                    [_ASSIGN_LOCK, sorted(unit_ids)],
                )
        members = list(
            Membership.objects.filter(
                unit_id__in=unit_ids, role__in=AUTO_ASSIGN_ROLES, user__is_active=True
            ).values_list("unit_id", "user_id")
        )
        user_ids = {u for _unit, u in members}
        statuses = {s.user_id: s for s in AgentStatus.objects.filter(user_id__in=user_ids)}
        load = dict(
            Conversation.objects.filter(assignee_id__in=user_ids, status__in=OPEN_STATUSES)
            .values("assignee_id")
            .annotate(n=Count("id"))
            .values_list("assignee_id", "n")
        )
        self.load = {u: load.get(u, 0) for u in user_ids}
        epoch = datetime.min.replace(tzinfo=now.tzinfo)
        for unit_id, user_id in members:
            status = statuses.get(user_id)
            if status is not None and not status.available:
                continue
            capacity = status.capacity if status is not None else AgentStatus().capacity
            last = (
                status.last_assigned_at if status is not None and status.last_assigned_at else epoch
            )
            self.agents[unit_id].append([last, user_id, capacity])

    def pick(self, unit_id: int) -> int | None:
        candidates = [a for a in self.agents.get(unit_id, []) if self.load[a[1]] < a[2]]
        if not candidates:
            return None
        chosen = min(candidates, key=lambda a: (a[0], a[1]))
        self.now += timedelta(microseconds=1)  # keeps the turn order strict within a batch
        for agents in self.agents.values():
            for a in agents:
                if a[1] == chosen[1]:
                    a[0] = self.now
        self.load[chosen[1]] += 1
        self.touched[chosen[1]] = self.now
        return int(chosen[1])

    def save(self) -> None:
        for user_id, moment in self.touched.items():
            updated = AgentStatus.objects.filter(user_id=user_id).update(last_assigned_at=moment)
            if not updated:
                AgentStatus.objects.create(user_id=user_id, last_assigned_at=moment)


def ingest_posts(
    batch: Sequence[Mapping[str, Any] | Any],
    *,
    default_channel: str = "",
    now: datetime | None = None,
) -> IngestResult:
    """Store a batch of customer posts (mappings in the schema of docs/import.md, or triage
    Posts): triage the new ones in one call, thread them, place them in their unit's queue.
    Idempotent: a post already stored (same channel and external id) is counted as duplicate
    and changes nothing. Bad posts are rejected with their index and reason; the rest is kept.

    Concurrent batches (several workers, an import beside a connector) triage in parallel and
    serialize only where they meet: the write transaction locks the batch's authors (and, on
    PostgreSQL, the conversations it joins and the queues it assigns in), always in the same
    order. A deadlock the database still reports is retried here."""
    if len(batch) > MAX_BATCH:
        raise ValidationError({"posts": [f"At most {MAX_BATCH} posts per batch."]})
    now = now or timezone.now()
    result = IngestResult()
    cleaned: list[tuple[int, IncomingPost]] = []
    for index, item in enumerate(batch):
        try:
            cleaned.append(
                (index, clean_post(_as_mapping(item), default_channel=default_channel, now=now))
            )
        except Rejected as exc:
            result.rejected.append((index, str(exc)))
    if not cleaned:
        return result
    prepared = _prepare(cleaned, now)
    for attempt in range(DEADLOCK_RETRIES + 1):
        outcome = dataclasses.replace(result, rejected=list(result.rejected))
        try:
            with transaction.atomic():
                _store(prepared, outcome, now)
        except OperationalError as exc:
            if attempt == DEADLOCK_RETRIES or not _is_deadlock(exc):
                raise
            # The attempt changed the rows it read: read them again under the next one's locks.
            prepared.data_version = None
            continue
        outcome.rejected.sort()
        return outcome
    raise AssertionError("unreachable")  # pragma: no cover


DEADLOCK_RETRIES = 3


def _is_deadlock(exc: OperationalError) -> bool:
    code = getattr(exc.__cause__, "sqlstate", None)
    return code in ("40P01", "40001")  # deadlock_detected, serialization_failure


@dataclass
class _Prepared:
    """A batch after the reads that need no lock: the posts that look new (their channels
    created, each post carrying its channel's id), their authors as last seen, and the triage
    decisions of the inbound ones."""

    cleaned: list[tuple[int, IncomingPost]]
    candidates: list[tuple[int, IncomingPost]]
    reply_ids: dict[int, set[str]]
    decisions: dict[tuple[int, str], Any]
    # SQLite: the reads above, and the database's version when they began (see _store).
    data_version: int | None
    stored: set[tuple[int, str]]
    reply_target: dict[tuple[int, str], int]
    authors: dict[tuple[int, str], Row]


def _data_version() -> int | None:
    """SQLite's count of commits by other connections (`PRAGMA data_version`); None elsewhere."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA data_version")
        return int(cursor.fetchone()[0])


def _channels(keys: set[str]) -> dict[str, Channel]:
    channels = {c.key: c for c in Channel.objects.filter(key__in=keys)}
    missing = [Channel(key=k, name=k.replace("-", " ").title()) for k in keys - set(channels)]
    if missing:
        Channel.objects.bulk_create(missing, ignore_conflicts=True)  # another batch may race
        channels = {c.key: c for c in Channel.objects.filter(key__in=keys)}
    return channels


def _posts_stored(
    ids: Mapping[int, set[str]], reply_ids: Mapping[int, set[str]]
) -> tuple[set[tuple[int, str]], dict[tuple[int, str], int]]:
    """One read for both: which of `ids` are stored, and the conversation each of `reply_ids`
    belongs to (per channel id)."""
    stored: set[tuple[int, str]] = set()
    reply_target: dict[tuple[int, str], int] = {}
    # One query per channel, equality on it: both columns of the unique index bound, whatever
    # the planner's statistics say (two IN lists let PostgreSQL scan the whole channel).
    for channel_id in ids.keys() | reply_ids.keys():
        own, replies = ids.get(channel_id, set()), reply_ids.get(channel_id, set())
        for ext, conv_id in bulk.select(
            Post,
            ("external_id", "conversation_id"),
            where={"channel_id": channel_id},
            among=("external_id", own | replies),
        ):
            if ext in own:
                stored.add((channel_id, ext))
            if ext in replies:
                reply_target[(channel_id, ext)] = conv_id
    return stored, reply_target


def _prepare(cleaned: list[tuple[int, IncomingPost]], now: datetime) -> _Prepared:
    from escapevelocity.triage import Post as TriagePost

    channels = _channels({p.channel for _i, p in cleaned})
    version = _data_version()
    ids: dict[int, set[str]] = defaultdict(set)
    reply_ids: dict[int, set[str]] = defaultdict(set)
    channel_ids = {key: c.pk for key, c in channels.items()}
    for _i, p in cleaned:
        p.channel_id = channel_id = channel_ids[p.channel]
        ids[channel_id].add(p.external_id)
        if p.reply_to_id:
            reply_ids[channel_id].add(p.reply_to_id)
    stored, reply_target = _posts_stored(ids, reply_ids)
    candidates: list[tuple[int, IncomingPost]] = []
    seen: set[tuple[int, str]] = set()
    for index, p in cleaned:
        key = (p.channel_id, p.external_id)
        if key not in stored and key not in seen:
            seen.add(key)
            candidates.append((index, p))
    # Replay in the order the customers wrote, so a reply inside the batch finds its parent.
    candidates.sort(key=lambda item: (item[1].created_at, item[0]))

    # The authors as last seen, with their recent contacts (repeat contact raises priority).
    inbound = [(i, p) for i, p in candidates if p.inbound]
    authors = _read_authors({(p.channel_id, p.author) for _i, p in candidates})
    known = {key: (a.pk, a.reach) for key, a in authors.items() if a.contact_count}
    recent: dict[int, int] = defaultdict(int)
    if known:
        recent.update(
            bulk.select(
                Post,
                ("author_id",),
                among=("author_id", [pk for pk, _reach in known.values()]),
                where={"direction": "in"},
                since=("created_at", now - RECENT_CONTACT_WINDOW),
                count=True,
            )
        )

    # One triage call for every inbound post that looks new.
    triage_posts = []
    batch_contacts: dict[tuple[int, str], int] = defaultdict(int)
    for _i, p in inbound:
        channel = channels[p.channel]
        key = (p.channel_id, p.author)
        pk, reach = known.get(key, (0, None))
        triage_posts.append(
            TriagePost(
                external_id=p.external_id,
                channel=p.channel,
                text=p.text,
                author_handle=p.author,
                author_reach=p.author_reach if p.author_reach is not None else reach,
                created_at=p.created_at,
                language=p.language or None,
                reply_to_id=p.reply_to_id or None,
                url=p.url or None,
                account=p.account or channel.account or None,
                author_contact_count=recent[pk] + batch_contacts[key],
            )
        )
        batch_contacts[key] += 1
    decisions = triager().triage(triage_posts, now=now) if triage_posts else []
    return _Prepared(
        cleaned=cleaned,
        candidates=candidates,
        reply_ids=reply_ids,
        data_version=version,
        stored=stored,
        reply_target=reply_target,
        authors=authors,
        decisions={
            (p.channel_id, p.external_id): d for (_i, p), d in zip(inbound, decisions, strict=True)
        },
    )


_AUTHOR_COLUMNS = (
    "id",
    "channel_id",
    "handle",
    "reach",
    "contact_count",
    "first_contact_at",
    "last_contact_at",
)


def _read_authors(keys: set[tuple[int, str]]) -> dict[tuple[int, str], Row]:
    authors: dict[tuple[int, str], Row] = {}
    by_channel: dict[int, set[str]] = defaultdict(set)
    for channel_id, handle in keys:
        by_channel[channel_id].add(handle)
    for channel_id, handles in by_channel.items():  # one per channel, as in _posts_stored
        for values in bulk.select(
            Author, _AUTHOR_COLUMNS, where={"channel_id": channel_id}, among=("handle", handles)
        ):
            a = Row(**dict(zip(_AUTHOR_COLUMNS, values, strict=True)))
            authors[(a.channel_id, a.handle)] = a
    return authors


def _lock_authors(
    keys: set[tuple[int, str]], seen: dict[tuple[int, str], Row] | None
) -> dict[tuple[int, str], Row]:
    """The batch's authors, created where new and locked until the transaction ends: every
    batch that writes an author's posts and conversations holds that author's row, taken in
    (channel, handle) order. SQLite's write transaction locks the whole database already;
    there `seen` (the rows read before it began, when still current) spares a second read."""
    if connection.vendor == "postgresql":
        rows = bulk.upsert_returning(
            Author,
            [{"channel_id": c, "handle": h, "contact_count": 0} for c, h in sorted(keys)],
            conflict=("channel_id", "handle"),
            returning=_AUTHOR_COLUMNS,
        )
        return {(r.channel_id, r.handle): r for r in rows}
    # `seen`'s rows are taken as they are and changed in place: a failed attempt invalidates
    # them (ingest_posts).
    authors = _read_authors(keys) if seen is None else {k: seen[k] for k in keys if k in seen}
    new_authors = [
        Row(
            id=0,
            channel_id=c,
            handle=h,
            reach=None,
            contact_count=0,
            first_contact_at=None,
            last_contact_at=None,
        )
        for c, h in sorted(keys - authors.keys())
    ]
    if new_authors:
        new_ids = bulk.insert_values(Author, [a.__dict__ for a in new_authors])
        for a, pk in zip(new_authors, new_ids, strict=True):
            a.id = pk
            authors[(a.channel_id, a.handle)] = a
    return authors


def _store(prepared: _Prepared, result: IngestResult, now: datetime) -> None:
    # Nothing committed since the reads before the transaction (SQLite, where this transaction
    # now holds the only write lock): they are still true.
    current = prepared.data_version is not None and _data_version() == prepared.data_version
    authors = _lock_authors(
        {(p.channel_id, p.author) for _i, p in prepared.candidates},
        prepared.authors if current else None,
    )
    # Now that no other batch can write these authors' posts: what is stored, for certain.
    if current:
        stored, reply_target = prepared.stored, prepared.reply_target
    else:
        ids: dict[int, set[str]] = defaultdict(set)
        for _i, p in prepared.candidates:
            ids[p.channel_id].add(p.external_id)
        stored, reply_target = _posts_stored(ids, prepared.reply_ids)
    fresh = [(i, p) for i, p in prepared.candidates if (p.channel_id, p.external_id) not in stored]
    result.duplicate += len(prepared.cleaned) - len(fresh)
    if not fresh:
        return
    decision_of = {
        id(p): prepared.decisions[(p.channel_id, p.external_id)] for _i, p in fresh if p.inbound
    }

    routes = _Routes()
    in_force = sla.bands()
    queues = {q.unit_id: q for q in Queue.objects.all()}
    open_by_author: dict[int, Row] = {}
    author_ids = [a.pk for a in authors.values() if a.contact_count]
    linked_ids = set(reply_target.values())
    existing: dict[int, Row] = {}
    indexed_before: dict[int, tuple[Any, ...]] = {}
    if author_ids or linked_ids:
        # The ids first, each read through its own index; then the rows by primary key.
        wanted = set(linked_ids)
        if author_ids:
            wanted.update(
                pk
                for (pk,) in bulk.select(
                    Conversation,
                    ("id",),
                    among=("author_id", author_ids),
                    where={"status": _JOINABLE},
                )
            )
        # A reply joins another author's conversation: lock what this batch changes, in id
        # order, after the authors (on PostgreSQL; SQLite's write transaction locks everything).
        rows = [
            Row(**dict(zip(_CONVERSATION_COLUMNS, values, strict=True)))
            for values in bulk.select(
                Conversation, _CONVERSATION_COLUMNS, among=("id", sorted(wanted)), lock=True
            )
        ]
        rows.sort(key=lambda row: (row.last_post_at, row.id))
        for row in rows:
            existing[row.pk] = row
            indexed_before[row.pk] = _conversation_indexed(row)
            if row.status in _JOINABLE:
                open_by_author[row.author_id] = row
    new_convs: list[Row] = []
    changed: set[int] = set()
    posts: list[dict[str, Any]] = []
    post_decisions: list[tuple[dict[str, Any], Any, Unit]] = []
    batch_target: dict[tuple[int, str], Row] = {}
    round_robin = (
        _RoundRobin([q.unit_id for q in queues.values() if q.auto_assign], now)
        if any(q.auto_assign for q in queues.values())
        else None
    )

    for index, p in fresh:
        channel_id = p.channel_id
        author = authors[(channel_id, p.author)]
        decision = decision_of.get(id(p))
        conv: Row | None = None
        if p.reply_to_id:
            conv = batch_target.get((channel_id, p.reply_to_id))
            if conv is None and (channel_id, p.reply_to_id) in reply_target:
                conv = existing.get(reply_target[(channel_id, p.reply_to_id)])
            if conv is not None:
                result.threaded_by_reply += 1
        if conv is None and p.inbound:
            conv = open_by_author.get(author.pk)
            if conv is not None:
                result.threaded_by_author += 1
        if conv is None and not p.inbound:
            result.rejected.append(
                (index, "reply_to_id: a company post must reply to a stored customer post")
            )
            continue
        start = min(p.created_at, now)
        if conv is None:
            assert decision is not None
            unit = routes.unit_for(decision.route)
            queue = queues.get(unit.pk)
            monitor = decision.response == "monitor"
            first_due, resolution_due = sla.deadlines(
                start=start,
                priority=decision.priority,
                business_hours=bool(queue and queue.business_hours),
                in_force=in_force,
            )
            conv = Row(
                id=0,
                channel_id=channel_id,
                author_id=author.pk,
                unit_id=unit.pk,
                status=Status.MONITOR if monitor else Status.NEW,
                intent=decision.intent,
                sentiment=decision.sentiment,
                priority=decision.priority,
                response=decision.response,
                language=decision.language[:16],
                preview=p.text[:280],
                post_count=1,
                opened_at=p.created_at,
                last_post_at=p.created_at,
                first_response_due=first_due,
                resolution_due=resolution_due,
                due_at=None if monitor else first_due,
                assignee_id=None,
                first_responded_at=None,
                resolved_at=None,
                updated=now,
            )
            if round_robin is not None and not monitor and queue and queue.auto_assign:
                assignee = round_robin.pick(unit.pk)
                if assignee is not None:
                    conv.assignee_id = assignee
                    conv.status = Status.ASSIGNED
                    result.auto_assigned += 1
            new_convs.append(conv)
            result.conversations_created += 1
        else:
            _absorb(conv, p, decision, start, in_force, queues)
            if conv.pk:
                changed.add(conv.pk)
        if p.inbound:
            author.contact_count += 1
            author.first_contact_at = min(author.first_contact_at or p.created_at, p.created_at)
            author.last_contact_at = max(author.last_contact_at or p.created_at, p.created_at)
            open_by_author[author.pk] = conv
            if p.author_reach is not None:
                author.reach = p.author_reach
        post: dict[str, Any] = {
            "channel_id": channel_id,
            "external_id": p.external_id,
            "conversation": conv,
            "author_id": author.pk,
            "direction": "in" if p.inbound else "out",
            "text": p.text,
            "created_at": p.created_at,
            "received_at": now,
            "language": (decision.language if decision else p.language)[:16],
            "reply_to_external_id": p.reply_to_id,
            "url": p.url,
            "account": p.account,
            "raw": p.raw,
        }
        posts.append(post)
        batch_target[(channel_id, p.external_id)] = conv
        if decision is not None:
            post_decisions.append((post, decision, routes.unit_for(decision.route)))

    if new_convs:
        new_ids = bulk.insert_values(Conversation, [c.__dict__ for c in new_convs])
        for conv, pk in zip(new_convs, new_ids, strict=True):
            conv.id = pk
    for post in posts:
        post["conversation_id"] = post.pop("conversation").pk
    for post, pk in zip(posts, bulk.insert_values(Post, posts), strict=True):
        post["id"] = pk
    result.new = len(posts)
    bulk.insert_values(
        Decision,
        [
            {
                "post_id": post["id"],
                "language": d.language[:16],
                "sentiment": d.sentiment,
                "sentiment_score": float(d.sentiment_score),
                "intent": d.intent,
                "intent_probability": float(d.intent_probability),
                "intent_probabilities": d.intent_probabilities,
                "priority": max(0, min(100, int(d.priority))),
                "route": d.route[:64],
                "route_source": d.route_source,
                "route_rule": (d.route_rule or "")[:200],
                "unit_id": unit.pk,
                "response": d.response,
                "reasons": d.reasons,
            }
            for post, d, unit in post_decisions
        ],
        returning=False,
    )
    # Each conversation sets what it changed of the indexed columns and the rest whole: SQLite
    # rewrites the entries of every index whose column an UPDATE sets, changed or not.
    by_columns: dict[tuple[str, ...], list[Row]] = defaultdict(list)
    for pk in sorted(changed):  # in key order: neighbouring pages
        row = existing[pk]
        row.updated = now
        columns = tuple(
            name
            for name, before, after in zip(
                _CONVERSATION_INDEXED, indexed_before[pk], _conversation_indexed(row), strict=True
            )
            if before != after
        )
        by_columns[columns].append(row)
    for columns, rows in by_columns.items():
        bulk.update_rows(Conversation, [*_CONVERSATION_UPDATED, *columns], rows)
    bulk.update_rows(
        Author,
        ["reach", "contact_count", "first_contact_at", "last_contact_at"],
        sorted({a.pk: a for a in authors.values()}.values(), key=attrgetter("id")),
    )
    auto = [c for c in new_convs if c.assignee_id]
    if auto:
        bulk.insert_values(
            Assignment,
            [
                {
                    "conversation_id": c.pk,
                    "assignee_id": c.assignee_id,
                    "automatic": True,
                    "created": now,
                }
                for c in auto
            ],
            returning=False,
        )
    if round_robin is not None:
        round_robin.save()


_JOINABLE = tuple(s.value for s in (*OPEN_STATUSES, Status.MONITOR))
# What a post joining a conversation may change, apart from the columns the table's indexes hold.
_CONVERSATION_UPDATED = [
    "updated",
    "intent",
    "sentiment",
    "response",
    "preview",
    "post_count",
    "first_response_due",
    "first_responded_at",
    "resolution_due",
    "resolved_at",
]
_CONVERSATION_INDEXED = ("status", "priority", "last_post_at", "due_at")
_conversation_indexed = attrgetter(*_CONVERSATION_INDEXED)
_CONVERSATION_COLUMNS = tuple(f.attname for f in Conversation._meta.concrete_fields)


def _absorb(
    conv: Row,
    p: IncomingPost,
    decision: Any,
    start: datetime,
    in_force: tuple[sla.Band, ...],
    queues: dict[int, Queue],
) -> None:
    """A new post joins an existing conversation: the conversation takes what is new."""
    conv.post_count += 1
    latest = p.created_at >= conv.last_post_at
    conv.last_post_at = max(conv.last_post_at, p.created_at)
    queue = queues.get(conv.unit_id)
    business = bool(queue and queue.business_hours)
    if not p.inbound:
        # The company answered elsewhere (a brand reply in an export): first response is met.
        if conv.first_responded_at is None:
            conv.first_responded_at = p.created_at
        if conv.status in (Status.NEW, Status.ASSIGNED):
            conv.status = Status.WAITING
        conv.due_at = None if conv.status == Status.WAITING else conv.resolution_due
        return
    if latest:
        conv.preview = p.text[:280]
    if decision is None:
        return
    if latest:
        conv.sentiment = decision.sentiment
    if decision.priority >= conv.priority:
        conv.priority = decision.priority
        conv.intent = decision.intent
        conv.response = decision.response
    next_due, _ = sla.deadlines(
        start=start, priority=conv.priority, business_hours=business, in_force=in_force
    )
    if conv.status == Status.RESOLVED or (
        conv.status == Status.MONITOR and decision.response != "monitor"
    ):
        # The customer came back (or a watched thread turned into work): the clock restarts.
        conv.status = Status.ASSIGNED if conv.assignee_id else Status.NEW
        conv.resolved_at = None
        conv.first_responded_at = None
        conv.first_response_due, conv.resolution_due = sla.deadlines(
            start=start, priority=conv.priority, business_hours=business, in_force=in_force
        )
        conv.due_at = conv.first_response_due
    elif conv.status == Status.WAITING:
        conv.status = Status.ASSIGNED if conv.assignee_id else Status.NEW
        conv.due_at = min(next_due, conv.resolution_due or next_due)
    elif conv.status in OPEN_STATUSES and conv.first_responded_at is not None:
        conv.due_at = min(next_due, conv.resolution_due or next_due)


# ----------------------------------------------------------------------------------- import


@dataclass
class ImportSummary:
    rows: int = 0
    new: int = 0
    duplicate: int = 0
    rejected: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)  # (line, reason), the first ones
    conversations_created: int = 0
    threaded_by_reply: int = 0
    threaded_by_author: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "new": self.new,
            "duplicate": self.duplicate,
            "rejected": self.rejected,
            "errors": [{"line": line, "reason": reason} for line, reason in self.errors],
            "conversations_created": self.conversations_created,
            "threaded_by_reply": self.threaded_by_reply,
            "threaded_by_author": self.threaded_by_author,
        }


def import_posts(
    *,
    actor: Any,
    binary: IO[bytes],
    fmt: str,
    mapping: dict[str, str] | None = None,
    default_channel: str = "import",
    batch_size: int = 1000,
    max_errors: int = 1000,
    progress: Callable[[ImportSummary], None] | None = None,
) -> ImportSummary:
    """Stream posts from a CSV or JSON Lines file into `ingest_posts`, `batch_size` rows per
    transaction. Memory stays constant whatever the file's size: one batch and the first
    `max_errors` bad rows are held. A re-run stores nothing twice (posts are idempotent)."""
    from escapevelocity.care.importing import read_rows

    if not permissions.is_hub(actor):
        raise PermissionDenied("Only the hub imports posts.")
    if not 1 <= batch_size <= MAX_BATCH:
        raise ValidationError({"batch_size": [f"Between 1 and {MAX_BATCH}."]})
    summary = ImportSummary()

    def bad(line: int, reason: str) -> None:
        summary.rejected += 1
        if len(summary.errors) < max_errors:
            summary.errors.append((line, reason))

    def flush(rows: list[dict[str, Any]], lines: list[int]) -> None:
        result = ingest_posts(rows, default_channel=default_channel)
        summary.new += result.new
        summary.duplicate += result.duplicate
        summary.conversations_created += result.conversations_created
        summary.threaded_by_reply += result.threaded_by_reply
        summary.threaded_by_author += result.threaded_by_author
        for index, reason in result.rejected:
            bad(lines[index], reason)
        if progress is not None:
            progress(summary)

    rows: list[dict[str, Any]] = []
    lines: list[int] = []
    for line, item in read_rows(binary, fmt=fmt, mapping=mapping or {}):
        summary.rows += 1
        if isinstance(item, str):
            bad(line, item)
            continue
        rows.append(item)
        lines.append(line)
        if len(rows) >= batch_size:
            flush(rows, lines)
            rows, lines = [], []
    if rows:
        flush(rows, lines)
    summary.errors.sort()
    return summary


# ---------------------------------------------------------------------- actions on a conversation


def _require_act(actor: Any, conversation: Conversation) -> None:
    if not permissions.can_act_on_unit(actor, conversation.unit_id):
        raise PermissionDenied("You may not act on this unit's conversations.")


def _lock(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _end_assignment(conv: Conversation, now: datetime) -> None:
    Assignment.objects.filter(conversation=conv, ended=None).update(ended=now)


def _set_clock(conv: Conversation) -> None:
    if conv.status in (Status.RESOLVED, Status.MONITOR, Status.WAITING):
        conv.due_at = None
    elif conv.first_responded_at is None:
        conv.due_at = conv.first_response_due
    else:
        conv.due_at = conv.resolution_due


@transaction.atomic
def conversation_assign(
    *, actor: Any, conversation: Conversation, assignee: Any | None
) -> Conversation:
    """Give the conversation to a person who may act on its unit (None: unassign)."""
    _require_act(actor, conversation)
    conv = _lock(conversation)
    if assignee is not None and (
        not assignee.is_active or not permissions.can_act_on_unit(assignee, conv.unit_id)
    ):
        raise ValidationError(
            {"assignee": [f"{assignee.get_username()} does not work in {conv.unit.name}."]}
        )
    now = timezone.now()
    if (assignee.pk if assignee else None) == conv.assignee_id:
        return conv
    _end_assignment(conv, now)
    conv.assignee = assignee
    if assignee is not None:
        Assignment.objects.create(
            conversation=conv, assignee=assignee, assigned_by=_real(actor), created=now
        )
        if conv.status == Status.NEW:
            conv.status = Status.ASSIGNED
    elif conv.status == Status.ASSIGNED:
        conv.status = Status.NEW
    conv.save()
    return conv


def _real(actor: Any) -> Any | None:
    return actor if getattr(actor, "pk", None) else None


@transaction.atomic
def conversation_reroute(
    *, actor: Any, conversation: Conversation, unit: Unit, reason: str = ""
) -> Conversation:
    """Move the conversation to another unit's queue and record the Correction."""
    _require_act(actor, conversation)
    conv = _lock(conversation)
    if unit.archived:
        raise ValidationError({"unit": [f"{unit.name} is archived."]})
    if unit.pk == conv.unit_id:
        raise ValidationError({"unit": [f"The conversation is in {unit.name}'s queue already."]})
    now = timezone.now()
    old = conv.unit
    first = conv.posts.filter(direction="in").order_by("created_at", "id").first()
    Correction.objects.create(
        conversation=conv,
        post=first,
        field=CorrectionField.ROUTE,
        old_value=old.key,
        new_value=unit.key,
        text=first.text if first else conv.preview,
        reason=reason.strip()[:500],
        author=_real(actor),
        created=now,
    )
    conv.unit = unit
    if conv.assignee is not None and not permissions.can_act_on_unit(conv.assignee, unit):
        _end_assignment(conv, now)
        conv.assignee = None
        if conv.status == Status.ASSIGNED:
            conv.status = Status.NEW
    conv.save()
    return conv


@transaction.atomic
def conversation_set_intent(*, actor: Any, conversation: Conversation, intent: str) -> Conversation:
    _require_act(actor, conversation)
    if intent not in Intent.values:
        raise ValidationError(
            {"intent": [f"'{intent}' is not one of: {', '.join(Intent.values)}."]}
        )
    conv = _lock(conversation)
    if intent == conv.intent:
        return conv
    first = conv.posts.filter(direction="in").order_by("created_at", "id").first()
    Correction.objects.create(
        conversation=conv,
        post=first,
        field=CorrectionField.INTENT,
        old_value=conv.intent,
        new_value=intent,
        text=first.text if first else conv.preview,
        author=_real(actor),
        created=timezone.now(),
    )
    conv.intent = intent
    conv.save()
    return conv


@transaction.atomic
def conversation_set_status(*, actor: Any, conversation: Conversation, status: str) -> Conversation:
    """Resolve, reopen, escalate, wait on the customer or only monitor a conversation."""
    _require_act(actor, conversation)
    if status not in Status.values:
        raise ValidationError(
            {"status": [f"'{status}' is not one of: {', '.join(Status.values)}."]}
        )
    conv = _lock(conversation)
    if status == Status.ASSIGNED and conv.assignee_id is None:
        raise ValidationError({"status": ["Assign the conversation to someone first."]})
    if status == Status.NEW and conv.assignee_id is not None:
        status = Status.ASSIGNED
    now = timezone.now()
    conv.status = status
    conv.resolved_at = now if status == Status.RESOLVED else None
    _set_clock(conv)
    conv.save()
    return conv


@transaction.atomic
def note_add(*, actor: Any, conversation: Conversation, text: str) -> Note:
    _require_act(actor, conversation)
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["Write the note first."]})
    if len(text) > 5000:
        raise ValidationError({"text": ["At most 5,000 characters."]})
    return Note.objects.create(
        conversation=conversation, author=_real(actor), text=text, created=timezone.now()
    )


@transaction.atomic
def reply_add(*, actor: Any, conversation: Conversation, text: str) -> Reply:
    """Log a reply to the customer. It is not sent: no connector delivers replies yet. A reply
    meets the first-response target; the conversation then waits on the customer."""
    _require_act(actor, conversation)
    text = text.strip()
    if not text:
        raise ValidationError({"text": ["Write the reply first."]})
    if len(text) > 5000:
        raise ValidationError({"text": ["At most 5,000 characters."]})
    conv = _lock(conversation)
    now = timezone.now()
    reply = Reply.objects.create(conversation=conv, author=_real(actor), text=text, created=now)
    if conv.first_responded_at is None:
        conv.first_responded_at = now
    if (
        conv.assignee_id is None
        and getattr(actor, "pk", None)
        and permissions.can_act_on_unit(actor, conv.unit_id)
    ):
        Assignment.objects.create(conversation=conv, assignee=actor, assigned_by=actor, created=now)
        conv.assignee = actor
    if conv.status in (Status.NEW, Status.ASSIGNED):
        conv.status = Status.WAITING
    _set_clock(conv)
    conv.save()
    return reply


@transaction.atomic
def conversations_bulk(
    *,
    actor: Any,
    conversations: Sequence[Conversation],
    action: str,
    assignee: Any | None = None,
    unit: Unit | None = None,
    status: str = "",
) -> int:
    """Apply one action to many conversations; all or nothing. Returns how many changed."""
    if not conversations:
        raise ValidationError({"ids": ["Select at least one conversation."]})
    if action not in ("assign", "unassign", "status", "reroute"):
        raise ValidationError({"action": ["Use assign, unassign, status or reroute."]})
    for conv in conversations:
        _require_act(actor, conv)
    for conv in conversations:
        if action == "assign":
            if assignee is None:
                raise ValidationError({"assignee": ["Choose who to assign to."]})
            conversation_assign(actor=actor, conversation=conv, assignee=assignee)
        elif action == "unassign":
            conversation_assign(actor=actor, conversation=conv, assignee=None)
        elif action == "status":
            conversation_set_status(actor=actor, conversation=conv, status=status)
        else:
            if unit is None:
                raise ValidationError({"unit": ["Choose the unit to move them to."]})
            if conv.unit_id != unit.pk:
                conversation_reroute(actor=actor, conversation=conv, unit=unit)
    return len(conversations)


# ---------------------------------------------------------------------- queues and agents


@transaction.atomic
def queue_update(*, actor: Any, unit: Unit, auto_assign: bool, business_hours: bool) -> Queue:
    if not permissions.can_act_on_unit(actor, unit) or not permissions.has_role(
        actor, Role.STRATEGIST, Role.HUB_MEMBER, Role.SPOKE_LEAD
    ):
        raise PermissionDenied("Only the hub or the unit's lead sets how its queue works.")
    queue, _ = Queue.objects.update_or_create(
        unit=unit, defaults={"auto_assign": auto_assign, "business_hours": business_hours}
    )
    return queue


@transaction.atomic
def agent_status_update(
    *, actor: Any, user: Any, available: bool, capacity: int | None = None
) -> AgentStatus:
    """A person sets their own availability; a lead or the hub may set anyone's in their units."""
    if actor.pk != user.pk:
        units = Membership.objects.filter(user=user).values_list("unit_id", flat=True)
        if not any(permissions.can_act_on_unit(actor, u) for u in units) or not (
            permissions.has_role(actor, Role.STRATEGIST, Role.HUB_MEMBER, Role.SPOKE_LEAD)
        ):
            raise PermissionDenied("You may not change this person's availability.")
    if capacity is not None and not 0 <= capacity <= 500:
        raise ValidationError({"capacity": ["Between 0 and 500 open conversations."]})
    status, _ = AgentStatus.objects.get_or_create(user=user)
    status.available = available
    if capacity is not None:
        status.capacity = capacity
    status.save()
    return status


@transaction.atomic
def auto_assign_backlog(*, actor: Any, unit: Unit, limit: int = 500) -> int:
    """Hand the unit's unassigned open conversations round-robin, most urgent first."""
    if not permissions.can_act_on_unit(actor, unit):
        raise PermissionDenied("You may not act on this unit's conversations.")
    now = timezone.now()
    robin = _RoundRobin([unit.pk], now)
    convs = list(
        Conversation.objects.select_for_update()
        .filter(unit=unit, status=Status.NEW, assignee=None)
        .order_by("due_at", "id")[:limit]
    )
    done: list[Conversation] = []
    for conv in convs:
        user_id = robin.pick(unit.pk)
        if user_id is None:
            break
        conv.assignee_id = user_id
        conv.status = Status.ASSIGNED
        done.append(conv)
    Conversation.objects.bulk_update(done, ["assignee", "status"])
    Assignment.objects.bulk_create(
        [
            Assignment(
                conversation=c,
                assignee_id=c.assignee_id or 0,
                assigned_by=_real(actor),
                automatic=True,
                created=now,
            )
            for c in done
        ]
    )
    robin.save()
    return len(done)


def user_by_username(username: str) -> Any:
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError({"assignee": [f"No active person with username '{username}'."]})
    return user


def signature_digest(signature: str) -> str:
    return hashlib.sha256(signature.encode()).hexdigest()
