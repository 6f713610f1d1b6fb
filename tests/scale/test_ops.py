from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from escapevelocity.care.services import ingest_posts
from escapevelocity.web import ops
from tests.conftest import Org

pytestmark = pytest.mark.django_db

# A sample line: name, optional {labels}, a value.
SAMPLE = re.compile(
    r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? '
    r"(-?[0-9.e+-]+|\+Inf|NaN)$"
)
REMOTE = {"REMOTE_ADDR": "203.0.113.9"}


def _sample(text: str, line_start: str) -> float:
    [line] = [ln for ln in text.splitlines() if ln.startswith(line_start + " ")]
    return float(line.rsplit(" ", 1)[1])


def _assert_prometheus(text: str) -> None:
    for line in text.strip().splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            continue
        assert SAMPLE.match(line), line


def test_it_reports_healthy_when_the_database_answers(client: Client) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "not configured"}
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_unhealthy_when_the_configured_broker_does_not_answer(
    client: Client, settings: Any
) -> None:
    settings.BROKER_URL = "redis://127.0.0.1:9/0"
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "database": "ok", "broker": "unreachable"}


def test_it_reports_the_real_broker_healthy(client: Client, settings: Any, redis_url: str) -> None:
    settings.BROKER_URL = redis_url
    assert client.get("/health").json()["broker"] == "ok"


def test_it_refuses_other_methods(client: Client) -> None:
    assert client.post("/health").status_code == 405
    assert client.post("/metrics").status_code == 405


def test_it_serves_metrics_to_a_local_client_in_prometheus_format(client: Client) -> None:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = response.content.decode()
    _assert_prometheus(text)
    assert _sample(text, "ev_database_up") == 1
    assert _sample(text, "ev_broker_configured") == 0
    assert "ev_metrics_collector_errors{" not in text


def test_it_refuses_metrics_to_remote_or_proxied_clients_without_a_token(client: Client) -> None:
    assert client.get("/metrics", **REMOTE).status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403


def test_it_does_not_let_a_login_stand_in_for_the_metrics_token(org: Org) -> None:
    for user in (org.alice, org.bob, org.charlie):
        assert org.client(user).get("/metrics", **REMOTE).status_code == 403


def test_it_wants_the_bearer_token_when_one_is_set(client: Client, settings: Any) -> None:
    settings.EV_METRICS_TOKEN = "s3cret-metrics-token"
    missing = client.get("/metrics")
    assert missing.status_code == 401
    assert missing["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Basic s3cret-metrics-token").status_code == (
        401
    )
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token", **REMOTE)
    assert ok.status_code == 200


def test_it_counts_posts_lag_open_conversations_and_sla_breaches(
    org: Org, client: Client, django_assert_max_num_queries: Any
) -> None:
    now = timezone.now()
    posts = [
        {
            "external_id": f"m{i}",
            "channel": "mastodon",
            "text": f"My parcel {i} is lost and nobody answers, this is awful",
            "author": f"customer{i}",
            "created_at": (now - timedelta(seconds=90)).isoformat(),
        }
        for i in range(3)
    ]
    result = ingest_posts(posts, now=now)
    assert result.new == 3
    with django_assert_max_num_queries(10):
        text = client.get("/metrics").content.decode()
    _assert_prometheus(text)
    assert _sample(text, 'ev_posts_stored_total{channel="mastodon"}') == 3
    assert 89 <= _sample(text, 'ev_channel_lag_seconds{channel="mastodon"}') <= 91
    open_lines = [ln for ln in text.splitlines() if ln.startswith("ev_conversations_open{")]
    assert sum(float(ln.rsplit(" ", 1)[1]) for ln in open_lines) == 3
    assert not [ln for ln in text.splitlines() if ln.startswith("ev_sla_breaches{")]
    with time_machine.travel(now + timedelta(days=30), tick=False):
        later = client.get("/metrics").content.decode()
    breach_lines = [ln for ln in later.splitlines() if ln.startswith("ev_sla_breaches{")]
    assert sum(float(ln.rsplit(" ", 1)[1]) for ln in breach_lines) == 3


def test_it_reports_each_connectors_lag_and_health(client: Client) -> None:
    from escapevelocity.care.models_connectors import Connector

    Connector.objects.create(
        name="support-mastodon",
        kind="mastodon_mentions",
        channel="mastodon",
        state="running",
        lag_seconds=12.5,
        heartbeat_at=timezone.now() - timedelta(seconds=30),
        posts_read=420,
    )
    Connector.objects.create(name="off", kind="feed", channel="feed", enabled=False)
    text = client.get("/metrics").content.decode()
    _assert_prometheus(text)
    assert _sample(text, 'ev_connector_lag_seconds{connector="support-mastodon"}') == 12.5
    assert _sample(text, 'ev_connector_heartbeat_age_seconds{connector="support-mastodon"}') >= 29
    assert _sample(text, 'ev_connector_state{connector="support-mastodon",state="running"}') == 1
    assert _sample(text, 'ev_connector_posts_read_total{connector="support-mastodon"}') == 420
    assert 'connector="off"' not in text


def test_it_reports_scheduled_jobs(client: Client) -> None:
    from escapevelocity.web import jobs

    jobs.run_due(jobs=[(jobs.JobSpec("web.prune_job_runs", "x", 86400), jobs.prune_job_runs)])
    text = client.get("/metrics").content.decode()
    assert 'ev_scheduled_job_last_run_failed{job="web.prune_job_runs"} 0' in text
    assert 'ev_scheduled_job_last_success_timestamp_seconds{job="web.prune_job_runs"}' in text


def test_it_reports_queue_depth_and_the_latency_histogram_from_the_broker(
    client: Client, settings: Any, redis_url: str
) -> None:
    import redis

    from escapevelocity.celery import LATENCY_KEY, STATS_KEY

    settings.BROKER_URL = redis_url
    r = redis.Redis.from_url(redis_url)
    r.rpush("ev-ingest", "a", "b")
    r.hset(STATS_KEY, mapping={"batches": 4, "new": 90, "duplicate": 10, "rejected": 1})
    r.hset(LATENCY_KEY, mapping={"0.1": 1, "0.5": 2, "+Inf": 1, "sum": 42.5})
    text = client.get("/metrics").content.decode()
    _assert_prometheus(text)
    assert _sample(text, "ev_broker_up") == 1
    assert _sample(text, "ev_ingest_queue_depth") == 2
    assert _sample(text, 'ev_ingest_posts_total{outcome="duplicate"}') == 10
    assert _sample(text, 'ev_ingest_publish_to_queue_seconds_bucket{le="0.05"}') == 0
    assert _sample(text, 'ev_ingest_publish_to_queue_seconds_bucket{le="0.1"}') == 1
    assert _sample(text, 'ev_ingest_publish_to_queue_seconds_bucket{le="0.5"}') == 3
    assert _sample(text, 'ev_ingest_publish_to_queue_seconds_bucket{le="300"}') == 3
    assert _sample(text, 'ev_ingest_publish_to_queue_seconds_bucket{le="+Inf"}') == 4
    assert _sample(text, "ev_ingest_publish_to_queue_seconds_count") == 4
    assert _sample(text, "ev_ingest_publish_to_queue_seconds_sum") == 42.5


def test_it_keeps_serving_when_a_collector_fails(client: Client, monkeypatch: Any) -> None:
    def broken(_reg: ops.Registry) -> None:
        raise LookupError("app not installed")

    monkeypatch.setattr(ops, "COLLECTORS", (*ops.COLLECTORS[:2], ("care", broken)))
    response = client.get("/metrics")
    assert response.status_code == 200
    assert 'ev_metrics_collector_errors{collector="care"} 1' in response.content.decode()


def test_it_escapes_label_values() -> None:
    metric = ops.Metric("ev_x", "gauge", "x")
    metric.add(1, channel='a"b\\c\nd')
    assert list(metric.render())[-1] == 'ev_x{channel="a\\"b\\\\c\\nd"} 1'
