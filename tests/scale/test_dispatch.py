from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from django.core.management import CommandError, call_command

from escapevelocity import celery as ev_celery
from escapevelocity.care.models import Post
from escapevelocity.triage import Post as TriagePost
from tests.conftest import Org

pytestmark = pytest.mark.django_db


def _posts(n: int, prefix: str = "d") -> list[dict[str, Any]]:
    return [
        {
            "external_id": f"{prefix}{i}",
            "channel": "webhook",
            "text": f"Where is my refund for order {i}?",
            "author": f"buyer{i}",
            "created_at": datetime(2026, 11, 21, 10, i % 60, tzinfo=UTC),
        }
        for i in range(n)
    ]


def _messages(url: str) -> list[dict[str, Any]]:
    raw = redis.Redis.from_url(url).lrange(ev_celery.INGEST_QUEUE, 0, -1)
    return [json.loads(m) for m in raw]


def test_it_turns_a_triage_post_into_the_import_schema_as_json() -> None:
    post = TriagePost(
        external_id="42",
        channel="bluesky",
        text="hello",
        author_handle="someone",
        created_at=datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        author_contact_count=7,
    )
    data = ev_celery.post_to_json(post)
    assert data["author"] == "someone"
    assert "author_handle" not in data
    assert "author_contact_count" not in data
    assert data["created_at"] == "2026-11-22T08:00:00+00:00"
    json.dumps(data)


def test_it_refuses_what_json_cannot_carry() -> None:
    with pytest.raises(TypeError):
        ev_celery.post_to_json({"external_id": "1", "text": "x", "author": "a", "tags": {1, 2}})
    with pytest.raises(TypeError):
        ev_celery.post_to_json("just text")


def test_it_ingests_in_process_when_no_broker_is_configured(org: Org) -> None:
    dispatched = ev_celery.ingest_or_publish(_posts(5))
    assert (dispatched.mode, dispatched.posts, dispatched.batches) == ("in-process", 5, 1)
    assert dispatched.result.new == 5
    assert Post.objects.count() == 5
    again = ev_celery.ingest_or_publish(_posts(5))
    assert again.result.duplicate == 5
    assert Post.objects.count() == 5


def test_it_publishes_json_batches_when_a_broker_is_configured(
    org: Org, settings: Any, redis_url: str
) -> None:
    settings.BROKER_URL = redis_url
    dispatched = ev_celery.ingest_or_publish(_posts(1_200), batch_size=500)
    assert (dispatched.mode, dispatched.posts, dispatched.batches) == ("published", 1_200, 3)
    assert Post.objects.count() == 0
    messages = _messages(redis_url)
    assert len(messages) == 3
    for message in messages:
        assert message["content-type"] == "application/json"
        assert message["headers"]["task"] == ev_celery.INGEST_TASK
    _args, kwargs, _embed = json.loads(base64.b64decode(messages[-1]["body"]))
    sizes = sorted(len(json.loads(base64.b64decode(m["body"]))[1]["posts"]) for m in messages)
    assert sizes == [200, 500, 500]
    assert kwargs["posts"][0]["created_at"].startswith("2026-11-21T10:")
    assert isinstance(kwargs["published_at"], float)


def test_it_refuses_batches_larger_than_care_accepts(settings: Any, redis_url: str) -> None:
    settings.BROKER_URL = redis_url
    with pytest.raises(ValueError, match="batch_size"):
        ev_celery.publish_batch(_posts(3), batch_size=5_001)


def test_it_stores_a_published_batch_in_the_worker_task_and_counts_it(
    org: Org, settings: Any, redis_url: str
) -> None:
    settings.BROKER_URL = redis_url
    out = ev_celery.ingest_batch(posts=ev_celery.post_to_json_many(_posts(4)), trace="t")
    assert out == {"posts": 4, "new": 4, "duplicate": 0, "failed": 0}
    again = ev_celery.ingest_batch(posts=ev_celery.post_to_json_many(_posts(4)), published_at=1.0)
    assert again["duplicate"] == 4
    assert Post.objects.count() == 4
    r = redis.Redis.from_url(redis_url)
    stats = {k.decode(): int(v) for k, v in r.hgetall(ev_celery.STATS_KEY).items()}
    assert stats == {"batches": 2, "posts": 8, "new": 4, "duplicate": 4, "rejected": 0}
    [trace] = r.lrange("t", 0, -1)
    assert json.loads(trace)["new"] == 4
    latency = {k.decode(): v for k, v in r.hgetall(ev_celery.LATENCY_KEY).items()}
    assert latency["+Inf"] == b"1"


def test_it_sends_a_batch_that_can_never_be_stored_to_the_dead_letters(
    settings: Any, redis_url: str
) -> None:
    settings.BROKER_URL = redis_url
    # No company units exist: Care refuses the batch with a ValidationError, for good.
    out = ev_celery.ingest_batch(posts=ev_celery.post_to_json_many(_posts(2)))
    assert out["failed"] == 2
    [dead] = redis.Redis.from_url(redis_url).lrange(ev_celery.DEAD_LETTER_KEY, 0, -1)
    record = json.loads(dead)
    assert record["error"].startswith("ValidationError")
    assert [p["external_id"] for p in record["posts"]] == ["d0", "d1"]


def test_it_refuses_to_start_a_worker_without_a_broker() -> None:
    with pytest.raises(CommandError, match="EV_BROKER_URL"):
        call_command("worker")


def test_it_configures_workers_for_late_acks_one_message_and_json_only(settings: Any) -> None:
    conf = ev_celery._config()
    assert conf["task_acks_late"] is True
    assert conf["task_reject_on_worker_lost"] is True
    assert conf["worker_prefetch_multiplier"] == 1
    assert conf["accept_content"] == ["json"]
    assert conf["task_serializer"] == "json"
    settings.EV_BROKER_VISIBILITY_TIMEOUT = 120
    assert ev_celery._config()["broker_transport_options"]["visibility_timeout"] == 120
