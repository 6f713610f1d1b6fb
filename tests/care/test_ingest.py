from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError

from escapevelocity.care import services
from escapevelocity.care.models import (
    AgentStatus,
    Assignment,
    Author,
    Conversation,
    Decision,
    Post,
    Queue,
    Status,
)
from tests.care.conftest import FakeTriager, post

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday


@pytest.fixture(autouse=True)
def _frozen() -> Any:
    with time_machine.travel(NOW, tick=False):
        yield


def counts() -> tuple[int, int, int, int]:
    return (
        Post.objects.count(),
        Conversation.objects.count(),
        Decision.objects.count(),
        Author.objects.count(),
    )


def test_it_stores_new_posts_with_their_decision_in_the_routed_units_queue(
    org: Any, fake_triage: FakeTriager
) -> None:
    result = services.ingest_posts(
        [
            post(1, "My router is broken, I want a refund"),
            post(2, "Please add a dark mode feature"),
            post(3, "Our lawyer will hear about this lawsuit"),
        ]
    )
    assert (result.new, result.duplicate, result.rejected) == (3, 0, [])
    assert fake_triage.calls == [3]
    by_text = {c.preview[:10]: c for c in Conversation.objects.select_related("unit")}
    assert by_text["My router "].unit == org.care  # customer_care -> the care spoke
    assert by_text["Please add"].unit == org.product  # product -> the product spoke
    assert by_text["Our lawyer"].unit == org.hub  # no legal unit -> the hub
    decision = Decision.objects.get(post__external_id="1")
    assert decision.intent == "complaint"
    assert decision.reasons["route"] == ["complaint goes to customer_care"]
    assert decision.unit == org.care
    stored = Post.objects.get(external_id="1")
    assert stored.raw["text"] == "My router is broken, I want a refund"
    assert stored.channel.key == "mastodon"


def test_it_routes_to_a_unit_key_before_a_function(org: Any, fake_triage: FakeTriager) -> None:
    services.ingest_posts([post(1, "Where is my parcel? #route:product")])
    assert Conversation.objects.get().unit == org.product


def test_it_changes_nothing_when_a_batch_is_replayed(org: Any, fake_triage: FakeTriager) -> None:
    batch = [post(i, f"Is order {i} late?") for i in range(5)]
    services.ingest_posts(batch)
    before = counts()
    result = services.ingest_posts(batch)
    assert (result.new, result.duplicate) == (0, 5)
    assert counts() == before
    assert fake_triage.calls == [5]  # the replay triaged nothing


def test_it_counts_a_repeat_inside_one_batch_as_a_duplicate(
    org: Any, fake_triage: FakeTriager
) -> None:
    result = services.ingest_posts([post(1), post(1), post(2)])
    assert (result.new, result.duplicate) == (2, 1)


def test_it_rejects_bad_posts_by_index_and_keeps_the_good_ones(
    org: Any, fake_triage: FakeTriager
) -> None:
    result = services.ingest_posts(
        [
            post(1),
            {"external_id": "2", "channel": "mastodon", "author": "x", "text": "  "},
            post(3, created_at="yesterday"),
            post(4, channel="no spaces allowed"),
            post(5, author_reach="many"),
            "not an object",
        ]
    )
    assert result.new == 1
    reasons = dict(result.rejected)
    assert reasons[1] == "text: is required"
    assert reasons[2].startswith("created_at: not a time")
    assert reasons[3].startswith("channel:")
    assert reasons[4] == "author_reach: must be a whole number"
    assert reasons[5].startswith("post:")


def test_it_rejects_unpaired_surrogates_by_field_and_replaces_them_in_the_raw_payload(
    org: Any, fake_triage: FakeTriager
) -> None:
    # "\\ud800" in a JSON file decodes to a lone surrogate, which no database can store as
    # text: before, one such post failed its whole batch.
    result = services.ingest_posts(
        [
            post(1, "broken \ud800 text"),
            post(2, author="eve\udfff"),
            {**post(3, "fine"), "client": "app \ud83d"},
        ]
    )
    assert result.new == 1
    assert dict(result.rejected) == {
        0: "text: is not valid Unicode (an unpaired surrogate)",
        1: "author: is not valid Unicode (an unpaired surrogate)",
    }
    assert Post.objects.get(external_id="3").raw["client"] == "app \ufffd"


def test_it_refuses_an_oversized_batch_whole(org: Any, fake_triage: FakeTriager) -> None:
    with pytest.raises(ValidationError) as exc:
        services.ingest_posts([post(i) for i in range(services.MAX_BATCH + 1)])
    assert "posts" in exc.value.message_dict
    assert Post.objects.count() == 0


def test_it_threads_replies_by_link_and_else_by_the_authors_open_conversation(
    org: Any, fake_triage: FakeTriager
) -> None:
    services.ingest_posts([post(1, "Is my order late?", author="ann")])
    result = services.ingest_posts(
        [
            post(
                2,
                "Still waiting?",
                author="ann",
                reply_to_id="1",
                created_at="2026-11-22T08:05:00Z",
            ),
            post(3, "Hello?", author="ann", created_at="2026-11-22T08:10:00Z"),
            post(4, "A different person asks?", author="ben"),
        ]
    )
    assert (result.threaded_by_reply, result.threaded_by_author) == (1, 1)
    assert result.conversations_created == 1
    ann = Conversation.objects.get(author__handle="ann")
    assert ann.post_count == 3
    assert ann.preview == "Hello?"
    assert Conversation.objects.count() == 2


def test_it_threads_a_reply_to_a_parent_later_in_the_same_batch_by_time(
    org: Any, fake_triage: FakeTriager
) -> None:
    result = services.ingest_posts(
        [
            post(2, "me too?", author="cy", reply_to_id="1", created_at="2026-11-22T08:05:00Z"),
            post(1, "Is the app down?", author="dee", created_at="2026-11-22T08:00:00Z"),
        ]
    )
    assert result.threaded_by_reply == 1
    assert Conversation.objects.count() == 1


def test_it_opens_a_new_conversation_after_the_last_one_was_resolved(
    org: Any, fake_triage: FakeTriager
) -> None:
    services.ingest_posts([post(1, author="ann")])
    Conversation.objects.update(status=Status.RESOLVED, due_at=None)
    services.ingest_posts([post(2, author="ann")])
    assert Conversation.objects.count() == 2
    # A reply to a resolved conversation reopens it instead.
    services.ingest_posts([post(3, "Broken again", author="ann", reply_to_id="1")])
    first = Conversation.objects.get(posts__external_id="1")
    assert first.status == Status.NEW
    assert first.due_at is not None


def test_joined_conversations_keep_every_change_whichever_indexed_columns_it_touches(
    org: Any, fake_triage: FakeTriager
) -> None:
    # One batch, three conversations changing different columns: the updates go grouped by
    # which indexed columns changed, and none may be lost.
    services.ingest_posts(
        [post(1, author="ann"), post(2, author="bob"), post(3, "Thanks!", author="cat")]
    )
    moment = datetime(2026, 11, 22, 8, 30, tzinfo=UTC)
    Conversation.objects.filter(author__handle="bob").update(
        status=Status.RESOLVED,
        due_at=None,
        resolved_at=moment,
        first_responded_at=moment,
        first_response_due=None,
        resolution_due=None,
    )
    before = {c.author.handle: c for c in Conversation.objects.select_related("author")}
    services.ingest_posts(
        [
            post(4, "I will call my lawyer", author="ann", created_at="2026-11-22T09:00:00+00:00"),
            post(5, "Broken again", author="bob", reply_to_id="2"),
            post(6, "Thanks again", author="cat", created_at="2026-11-22T09:30:00+00:00"),
        ],
        now=datetime(2026, 11, 22, 10, 0, tzinfo=UTC),
    )
    after = {c.author.handle: c for c in Conversation.objects.select_related("author")}
    ann, bob, cat = after["ann"], after["bob"], after["cat"]
    assert (ann.intent, ann.post_count) == ("crisis", 2)
    assert (ann.sentiment, ann.response) == ("negative", "escalate")
    assert (before["ann"].sentiment, before["ann"].response) == ("neutral", "acknowledge")
    assert ann.priority > before["ann"].priority
    assert ann.last_post_at == datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    assert ann.preview == "I will call my lawyer"
    assert (bob.status, bob.post_count) == (Status.NEW, 2)
    assert bob.due_at is not None
    # The customer came back: the clock restarts from scratch.
    assert (bob.resolved_at, bob.first_responded_at) == (None, None)
    assert bob.first_response_due is not None
    assert bob.resolution_due is not None
    assert bob.priority > before["bob"].priority
    assert (cat.post_count, cat.preview, cat.status) == (2, "Thanks again", before["cat"].status)
    assert cat.last_post_at == datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
    assert {c.updated for c in after.values()} == {datetime(2026, 11, 22, 10, 0, tzinfo=UTC)}


def test_it_tells_triage_how_often_the_author_wrote_recently(
    org: Any, fake_triage: FakeTriager
) -> None:
    services.ingest_posts([post(1, author="ann")])
    services.ingest_posts([post(2, author="ann"), post(3, author="ann")])
    assert [p.author_contact_count for p in fake_triage.seen] == [0, 1, 2]
    assert Author.objects.get(handle="ann").contact_count == 3


def test_it_keeps_a_company_reply_in_the_thread_and_meets_the_first_response(
    org: Any, fake_triage: FakeTriager
) -> None:
    services.ingest_posts([post(1, "Is my bill wrong?", author="ann")])
    result = services.ingest_posts(
        [
            post(2, "We are on it", author="LumenCare", direction="out", reply_to_id="1"),
            post(3, "Orphan", author="LumenCare", direction="out", reply_to_id="999"),
        ]
    )
    assert result.new == 1
    assert result.rejected[0][0] == 1
    conv = Conversation.objects.get()
    assert conv.first_responded_at is not None
    assert conv.status == Status.WAITING
    assert conv.due_at is None
    assert fake_triage.calls == [1]  # company posts are not triaged


def test_it_sets_sla_deadlines_by_priority_band(org: Any, fake_triage: FakeTriager) -> None:
    services.ingest_posts(
        [
            post(1, "lawsuit coming", created_at=NOW.isoformat()),
            post(2, "thanks, love it", created_at=NOW.isoformat()),
        ]
    )
    crisis = Conversation.objects.get(intent="crisis")
    praise = Conversation.objects.get(intent="praise")
    assert crisis.first_response_due == NOW + timedelta(minutes=30)
    assert crisis.resolution_due == NOW + timedelta(hours=4)
    assert praise.first_response_due == NOW + timedelta(hours=24)
    assert crisis.due_at == crisis.first_response_due


def test_it_counts_only_business_hours_for_a_queue_that_asks(
    org: Any, fake_triage: FakeTriager
) -> None:
    Queue.objects.create(unit=org.care, business_hours=True)
    friday_evening = datetime(2026, 11, 20, 16, 30, tzinfo=UTC)
    services.ingest_posts([post(1, "Is it broken?", created_at=friday_evening.isoformat())])
    conv = Conversation.objects.get()
    # 65 -> "high" band, first response within 60 business minutes: 30 on Friday, 30 on Monday.
    assert conv.first_response_due == datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_it_puts_spam_on_monitor_without_a_clock(org: Any, fake_triage: FakeTriager) -> None:
    services.ingest_posts([post(1, "free money click here")])
    conv = Conversation.objects.get()
    assert (conv.status, conv.due_at, conv.unit) == (Status.MONITOR, None, org.hub)


def test_it_assigns_round_robin_within_capacity_and_availability(
    org: Any, fake_triage: FakeTriager
) -> None:
    from escapevelocity.org import permissions
    from escapevelocity.org import services as org_services
    from escapevelocity.org.models import Role
    from tests.conftest import make_user

    system = permissions.system_actor()
    dora, eve = make_user("dora"), make_user("eve")
    for person in (dora, eve):
        org_services.membership_set(actor=system, user=person, unit=org.care, role=Role.AGENT)
    AgentStatus.objects.create(user=org.bob, capacity=1)
    AgentStatus.objects.create(user=eve, available=False)
    Queue.objects.create(unit=org.care, auto_assign=True)
    result = services.ingest_posts([post(i, f"Is order {i} late?") for i in range(5)])
    assert result.auto_assigned == 5
    by_person: dict[str, int] = {}
    for conv in Conversation.objects.select_related("assignee"):
        by_person[conv.assignee.username] = by_person.get(conv.assignee.username, 0) + 1
        assert conv.status == Status.ASSIGNED
    assert by_person == {"bob": 1, "dora": 4}  # bob is capped at one, eve is away
    assert Assignment.objects.filter(automatic=True).count() == 5


def test_it_alternates_agents_in_turn(org: Any, fake_triage: FakeTriager) -> None:
    from escapevelocity.org import permissions
    from escapevelocity.org import services as org_services
    from escapevelocity.org.models import Role
    from tests.conftest import make_user

    dora = make_user("dora")
    org_services.membership_set(
        actor=permissions.system_actor(), user=dora, unit=org.care, role=Role.AGENT
    )
    Queue.objects.create(unit=org.care, auto_assign=True)
    services.ingest_posts(
        [post(i, f"Is order {i} late?", created_at=f"2026-11-22T08:0{i}:00Z") for i in range(4)]
    )
    order = list(
        Conversation.objects.order_by("opened_at").values_list("assignee__username", flat=True)
    )
    assert order in (["bob", "dora", "bob", "dora"], ["dora", "bob", "dora", "bob"])


def test_it_uses_a_constant_number_of_queries_whatever_the_batch_size(
    org: Any, fake_triage: FakeTriager, django_assert_max_num_queries: Any
) -> None:
    services.ingest_posts([post(f"warm{i}", author=f"a{i}") for i in range(3)])
    # Reads are a fixed handful; inserts go in chunks of the database's parameter limit
    # (about 70 rows on SQLite), never one query per post.
    with django_assert_max_num_queries(30):
        services.ingest_posts([post(i, author=f"a{i % 40}") for i in range(400)])


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_it_retries_a_batch_the_database_reports_as_deadlocked(
    org: Any, fake_triage: FakeTriager, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    real_store = services._store
    calls: list[int] = []

    def store_once_deadlocked(*args: Any) -> None:
        calls.append(1)
        if len(calls) == 1:
            real_store(*args)  # writes, then loses the race: everything must roll back
            raise OperationalError("deadlock detected") from _Deadlock()
        real_store(*args)

    services.ingest_posts([post("a", author="ann")])  # an author the batch will read
    monkeypatch.setattr(services, "_store", store_once_deadlocked)
    result = services.ingest_posts([post(1, author="ann"), post(2)])
    assert len(calls) == 2
    assert (result.new, result.duplicate) == (2, 0)  # counted once, from the attempt that held
    assert counts()[:2] == (3, 2)
    # The rolled-back attempt's changes to the authors it read are not carried into the next.
    contacts = dict(Author.objects.values_list("handle", "contact_count"))
    assert contacts == {"ann": 2, "customer2": 1}


def test_it_does_not_retry_other_database_errors(
    org: Any, fake_triage: FakeTriager, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import OperationalError

    def broken(*_args: Any) -> None:
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(services, "_store", broken)
    with pytest.raises(OperationalError):
        services.ingest_posts([post(1)])


def test_it_reads_again_under_the_write_lock_when_another_writer_committed_meanwhile(
    org: Any, fake_triage: FakeTriager, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite reuses the reads made before the write transaction only while the database's
    # data_version is unchanged; here a rival batch commits the same author and post between.
    real_store, real_version = services._store, services._data_version

    def rival_then_store(prepared: Any, result: Any, now: Any) -> None:
        monkeypatch.setattr(services, "_store", real_store)
        monkeypatch.setattr(services, "_data_version", real_version)
        services.ingest_posts([post(2, "Still late", author="customer1")])
        monkeypatch.setattr(services, "_data_version", lambda: 2)
        real_store(prepared, result, now)

    monkeypatch.setattr(services, "_data_version", lambda: 1)
    monkeypatch.setattr(services, "_store", rival_then_store)
    result = services.ingest_posts([post(1), post(2, "Still late", author="customer1")])
    assert (result.new, result.duplicate) == (1, 1)
    assert Author.objects.get(handle="customer1").contact_count == 2
    conversation = Conversation.objects.get()
    assert conversation.post_count == 2


def test_warm_up_loads_the_engine_and_freezes_what_is_loaded(
    org: Any, fake_triage: FakeTriager
) -> None:
    import gc

    assert gc.get_freeze_count() == 0  # tests/conftest.py unfreezes after each test
    services.warm_up()
    assert fake_triage.calls == [1]  # one post through every stage
    assert gc.get_freeze_count() > 0
