"""care.bulk.select: the ingest path's reads past the ORM, on whichever database runs the suite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from escapevelocity.care import bulk, services
from escapevelocity.care.models import Author, Conversation, Post
from tests.care.conftest import FakeTriager, post

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def stored(org: Any, fake_triage: FakeTriager) -> None:
    services.ingest_posts(
        [
            post(1, created_at=T0.isoformat(), author="ann"),
            post(2, created_at=(T0 + timedelta(hours=1)).isoformat(), author="ann"),
            post(3, created_at=(T0 - timedelta(days=30)).isoformat(), author="bob"),
            post(4, "I love it", channel="x", author="ann"),
        ],
        now=T0 + timedelta(hours=2),
    )


def test_it_reads_rows_by_a_list_and_equal_conditions(stored: None) -> None:
    mastodon = Post.objects.get(external_id="1").channel_id
    rows = bulk.select(
        Post,
        ("external_id", "author_id"),
        where={"channel_id": mastodon},
        among=("external_id", {"1", "3", "4", "missing"}),
    )
    # "4" is on another channel; "missing" is nowhere.
    assert sorted(ext for ext, _author in rows) == ["1", "3"]


def test_it_returns_aware_datetimes_and_plain_values(stored: None) -> None:
    [(handle, count, first)] = bulk.select(
        Author,
        ("handle", "contact_count", "first_contact_at"),
        where={"channel_id": Post.objects.get(external_id="1").channel_id},
        among=("handle", ["ann"]),
    )
    assert (handle, count, first) == ("ann", 2, T0)
    assert first.tzinfo is not None


def test_it_counts_by_group_since_a_moment(stored: None) -> None:
    authors = list(Author.objects.values_list("id", flat=True))
    counts = dict(
        bulk.select(
            Post,
            ("author_id",),
            among=("author_id", authors),
            where={"direction": "in"},
            since=("created_at", T0 - timedelta(days=7)),
            count=True,
        )
    )
    ann = Author.objects.get(handle="ann", channel__key="mastodon").pk
    bob = Author.objects.get(handle="bob").pk
    assert counts[ann] == 2
    assert bob not in counts  # his only post is older than the window


def test_it_matches_a_tuple_of_choices(stored: None) -> None:
    authors = list(Author.objects.values_list("id", flat=True))
    open_ids = bulk.select(
        Conversation, ("id",), among=("author_id", authors), where={"status": ("new", "waiting")}
    )
    assert open_ids
    assert sorted(pk for (pk,) in open_ids) == sorted(
        Conversation.objects.filter(status="new").values_list("id", flat=True)
    )
    assert not bulk.select(
        Conversation, ("id",), among=("author_id", authors), where={"status": ("resolved",)}
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite locks the whole database")
@pytest.mark.django_db(transaction=True)
def test_it_locks_the_rows_it_reads_in_key_order(org: Any, fake_triage: FakeTriager) -> None:
    import psycopg
    from django.db import transaction

    services.ingest_posts([post(1), post(2), post(3)])
    ids = sorted(Conversation.objects.values_list("id", flat=True))
    settings = connection.settings_dict
    with transaction.atomic():
        locked = bulk.select(Conversation, ("id",), among=("id", ids[::-1]), lock=True)
        assert [pk for (pk,) in locked] == ids
        with (
            psycopg.connect(
                host=settings["HOST"],
                port=settings["PORT"] or 5432,
                user=settings["USER"],
                password=settings["PASSWORD"],
                dbname=settings["NAME"],
            ) as other,
            pytest.raises(psycopg.errors.LockNotAvailable),
        ):
            other.execute(
                "SELECT id FROM care_conversation WHERE id = %s FOR UPDATE NOWAIT", [ids[1]]
            )


def test_a_list_longer_than_one_statement_takes_is_read_in_parts(
    stored: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "SQLITE_PARAMETERS", 3)  # PostgreSQL sends one array anyway
    ids = list(Post.objects.values_list("id", flat=True))
    rows = bulk.select(Post, ("id",), among=("id", [*ids, 10_000_000, *ids, 10_000_001]))
    assert sorted(pk for (pk,) in rows) == sorted(ids)  # each once, however the list was cut
    authors = list(Author.objects.values_list("id", flat=True))
    counts = bulk.select(
        Post,
        ("author_id",),
        among=("author_id", authors),
        where={"direction": "in"},
        count=True,
    )
    assert sorted(n for _author, n in counts) == [1, 1, 2]


def test_plain_values_only_in_conditions(stored: None) -> None:
    with pytest.raises(ValueError, match="plain values only"):
        bulk.select(Post, ("id",), among=("id", [1]), where={"created_at": T0})
    with pytest.raises(ValueError, match="plain values only"):
        bulk.select(Post, ("id",), among=("id", [1]), where={"url": None})


def test_database_errors_come_out_as_djangos(stored: None) -> None:
    ann = Author.objects.filter(handle="ann").values("channel_id", "handle").first()
    assert ann is not None
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_values(Author, [{**ann, "contact_count": 0}])


def test_nothing_is_read_for_an_empty_list_and_counts_must_group_by_it(stored: None) -> None:
    assert bulk.select(Post, ("id",), among=("id", [])) == []
    with pytest.raises(ValueError, match="groups by the listed field"):
        bulk.select(Post, ("direction",), among=("author_id", [1]), count=True)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return " / ".join(str(row[-1]) for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan and pragmas")
def test_repeat_contacts_are_counted_from_the_index_alone(stored: None) -> None:
    from django.test.utils import CaptureQueriesContext

    authors = list(Author.objects.values_list("id", flat=True))
    with CaptureQueriesContext(connection) as queries:
        bulk.select(
            Post,
            ("author_id",),
            among=("author_id", authors),
            where={"direction": "in"},
            since=("created_at", T0),
            count=True,
        )
    [query] = queries.captured_queries
    assert "COVERING INDEX care_post_author_recent" in _plan(query["sql"])


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan and pragmas")
def test_sqlite_connections_get_a_large_cache_and_fewer_checkpoints(db: None) -> None:
    with connection.cursor() as cursor:
        assert cursor.execute("PRAGMA cache_size").fetchone()[0] == -65536
        assert cursor.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 10000


def test_no_single_column_index_repeats_a_composite_ones_lead(db: None) -> None:
    # care/0006 drops the foreign keys' own indexes by name: none may be left behind.
    with connection.cursor() as cursor:
        for table, column in (("care_author", "channel_id"), ("care_post", "author_id")):
            found = connection.introspection.get_constraints(cursor, table)
            alone = [
                name
                for name, c in found.items()
                if c["index"] and not c["primary_key"] and c["columns"] == [column]
            ]
            assert alone == [], (table, alone)
            leading = [name for name, c in found.items() if (c["columns"] or [None])[0] == column]
            assert leading, f"nothing indexes {table}.{column}"
