"""Inbox reads: keyset pages through ties in every sort, queue counts, for the hub and a spoke."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from escapevelocity.care import selectors, services
from escapevelocity.care.models import Conversation, Status
from escapevelocity.care.selectors import InboxFilters
from tests.care.conftest import FakeTriager, post

T = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def backlog(org: Any, fake_triage: FakeTriager) -> list[Conversation]:
    """Eleven care conversations and two product ones whose sort keys tie in runs: equal
    deadlines (some past, some none), equal priorities, equal last posts."""
    services.ingest_posts([post(i, f"Is {i} late?", author=f"p{i}") for i in range(11)])
    services.ingest_posts([post(f"f{i}", "A feature idea", author=f"f{i}") for i in range(2)])
    convs = list(Conversation.objects.order_by("id"))
    dues = [T, T, T, None, T - timedelta(hours=2), T - timedelta(hours=2), None, T, None, T, T]
    dues += [T, None]
    for i, conv in enumerate(convs):
        Conversation.objects.filter(pk=conv.pk).update(
            due_at=dues[i],
            priority=(60, 60, 45)[i % 3],
            last_post_at=T - timedelta(minutes=(0, 5)[i % 2]),
            status=Status.WAITING if i == 8 else Status.NEW,
        )
    return list(Conversation.objects.order_by("id"))


def expected(convs: list[Conversation], sort: str) -> list[int]:
    if sort == "newest":
        return [c.pk for c in sorted(convs, key=lambda c: (c.last_post_at, c.pk), reverse=True)]
    if sort == "priority":
        return [c.pk for c in sorted(convs, key=lambda c: (c.priority, c.pk), reverse=True)]
    timed = sorted((c for c in convs if c.due_at), key=lambda c: (c.due_at, c.pk))
    return [c.pk for c in timed] + sorted(c.pk for c in convs if c.due_at is None)


def walk(user: Any, filters: InboxFilters, size: int) -> list[int]:
    seen: list[int] = []
    cursor = None
    for _ in range(30):
        page = selectors.inbox_page(user=user, filters=filters, cursor=cursor, size=size, now=T)
        seen += [c.pk for c in page.items]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the pages never ended")


@pytest.mark.parametrize("size", [1, 2, 3, 50])
@pytest.mark.parametrize("sort", ["due", "newest", "priority"])
def test_it_pages_through_ties_in_order_without_repeats_or_gaps(
    org: Any, backlog: list[Conversation], sort: str, size: int
) -> None:
    for user, visible in [
        (org.alice, backlog),
        (org.bob, [c for c in backlog if c.unit_id == org.care.pk]),
    ]:
        assert walk(user, InboxFilters(status="all", sort=sort), size) == expected(visible, sort)
        opened = [c for c in visible if c.status != Status.WAITING]
        assert walk(user, InboxFilters(status="new", sort=sort), size) == expected(opened, sort)


@pytest.mark.parametrize("sort", ["due", "newest", "priority"])
def test_it_pages_one_queue_filtered_to_breached_deadlines(
    org: Any, backlog: list[Conversation], sort: str
) -> None:
    late = [c for c in backlog if c.unit_id == org.care.pk and c.due_at and c.due_at < T]
    assert len(late) == 2
    filters = InboxFilters(unit="care", sla="breached", sort=sort)
    assert walk(org.alice, filters, 1) == expected(late, sort)
    assert walk(org.bob, filters, 1) == expected(late, sort)
    assert walk(org.bob, InboxFilters(unit="product", status="all"), 2) == []
    assert walk(org.alice, InboxFilters(unit="no-such-unit", status="all"), 2) == []


def test_it_counts_open_and_breached_conversations_per_visible_queue(
    org: Any, backlog: list[Conversation]
) -> None:
    now = timezone.now()
    Conversation.objects.filter(pk=backlog[0].pk).update(due_at=now - timedelta(minutes=1))
    Conversation.objects.filter(pk=backlog[1].pk).update(due_at=now + timedelta(minutes=1))
    Conversation.objects.filter(pk=backlog[11].pk).update(due_at=now - timedelta(hours=3))
    Conversation.objects.filter(pk=backlog[2].pk).update(status=Status.RESOLVED, due_at=None)
    rows = Conversation.objects.all()
    truth = {
        unit.key: (
            rows.filter(unit=unit, status__in=("new", "assigned", "waiting", "escalated")).count(),
            rows.filter(unit=unit, due_at__lt=now).count(),
        )
        for unit in (org.care, org.product)
    }
    assert truth["care"][1] >= 1
    assert truth["product"] == (2, 1)
    hub = {q["unit"].key: (q["open"], q["breached"]) for q in selectors.queues_for(user=org.alice)}
    assert hub["care"] == truth["care"]
    assert hub["product"] == truth["product"]
    assert hub["hub"] == (0, 0)
    spoke = {q["unit"].key: (q["open"], q["breached"]) for q in selectors.queues_for(user=org.bob)}
    assert spoke == {"care": truth["care"]}
