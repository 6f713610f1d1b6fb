"""Concurrent batches on PostgreSQL: workers ingest at once and must still store every post
once, thread each author into one open conversation, count contacts exactly and keep each
agent within capacity. (SQLite's write transaction takes the whole database, so there the
batches run one after another by construction.)"""

from __future__ import annotations

import random
import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection
from django.db.models import Count

from escapevelocity.care import services
from escapevelocity.care.models import (
    AgentStatus,
    Author,
    Conversation,
    Post,
    Queue,
    Status,
)
from tests.care.conftest import FakeTriager, post

pytestmark = pytest.mark.django_db(transaction=True)

WORKERS = 3
BATCHES = 12
PER_BATCH = 40


def _batches(worker: int) -> list[list[dict[str, Any]]]:
    """Overlapping batches: shared authors, some posts sent to two workers (a redelivery),
    replies to earlier posts of any worker."""
    rng = random.Random(worker)
    out = []
    for b in range(BATCHES):
        batch = []
        for i in range(PER_BATCH):
            n = b * PER_BATCH + i
            # a third of the ids are the same for every worker: duplicates racing each other
            ext = f"shared-{n}" if i % 3 == 0 else f"w{worker}-{n}"
            extra: dict[str, Any] = {
                "author": f"cust{rng.randrange(15)}",
                "created_at": f"2026-11-22T08:{n // 60 % 60:02d}:{n % 60:02d}+00:00",
            }
            if i % 3 == 0:
                extra["author"] = f"cust{n % 15}"  # a shared post has one author everywhere
            if n > 5 and rng.random() < 0.2:
                extra["reply_to_id"] = f"shared-{rng.randrange(0, n, 3)}"
            batch.append(post(ext, "Is my order late?", **extra))
        out.append(batch)
    return out


def test_concurrent_batches_store_each_post_once_and_keep_threads_and_counts_exact(
    org: Any, fake_triage: FakeTriager
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serializes write transactions whole; this is about PostgreSQL")
    Queue.objects.create(unit=org.care, auto_assign=True)
    AgentStatus.objects.create(user=org.bob, capacity=4, available=True)
    start = threading.Barrier(WORKERS)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            start.wait()
            for batch in _batches(worker):
                services.ingest_posts(batch)
        except BaseException as exc:  # reported below, with the worker's traceback
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(w,)) for w in range(WORKERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []

    expected = {p["external_id"] for w in range(WORKERS) for b in _batches(w) for p in b}
    stored = list(Post.objects.values_list("external_id", flat=True))
    assert len(stored) == len(set(stored)) == len(expected)

    inbound = Counter(Post.objects.filter(direction="in").values_list("author_id", flat=True))
    for author in Author.objects.all():
        assert author.contact_count == inbound[author.pk], author.handle

    open_per_author = Counter(
        Conversation.objects.filter(
            status__in=(*services.OPEN_STATUSES, Status.MONITOR)
        ).values_list("author_id", flat=True)
    )
    assert max(open_per_author.values()) == 1

    for conv in Conversation.objects.annotate(n=Count("posts")):
        assert conv.post_count == conv.n, conv.pk

    assigned = Conversation.objects.filter(assignee=org.bob, status__in=services.OPEN_STATUSES)
    assert assigned.count() == 4  # full, never over
