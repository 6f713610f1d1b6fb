"""Distributed mode: customer posts travel as JSON batches through Redis to Celery workers.

Without EV_BROKER_URL nothing here needs a broker: `ingest_or_publish` calls
`care.services.ingest_posts` in-process, as the embedded mode always has. With it, connectors
and imports publish batches and `ev worker` runs the very same `ingest_posts` on them.

Delivery is at-least-once: a message is acknowledged only after its batch is committed
(`task_acks_late`), a worker process that dies hands its message back (`reject_on_worker_lost`,
and Redis's visibility timeout when the whole machine goes), and each process holds one message
at a time (prefetch 1). Effects are exactly-once because `ingest_posts` is idempotent on
(channel, external id): a redelivered batch is counted as duplicates and changes nothing.
Batches are JSON (post mappings, times as ISO 8601), never pickle.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib import import_module
from typing import Any

from celery import Celery, Task
from celery.signals import worker_init

logger = logging.getLogger(__name__)

INGEST_TASK = "ev.ingest_batch"
INGEST_QUEUE = "ev-ingest"
DEFAULT_BATCH_SIZE = 500
DEFAULT_INGEST = "escapevelocity.care.services.ingest_posts"
MAX_RETRIES = 8
# Redis keys the workers write and /metrics reads (in the broker's database).
STATS_KEY = "ev:ingest:stats"
LATENCY_KEY = "ev:ingest:latency"
DEAD_LETTER_KEY = "ev:ingest:dead"
# Upper bounds (seconds) of the publish-to-queue latency histogram.
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 300.0)


def _config() -> dict[str, Any]:
    """Celery's settings, read from Django's when first needed (never at import time)."""
    from django.conf import settings

    visibility = visibility_timeout()
    return {
        "broker_url": settings.BROKER_URL or None,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            # A message a dead machine held comes back after this many seconds; it must exceed
            # the longest batch. The sweep that brings it back runs every tenth of it.
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, min(10, visibility // 10)),
            "unacked_restore_throttle": 1,
        },
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "result_backend": None,
        "task_ignore_result": True,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "worker_cancel_long_running_tasks_on_connection_loss": True,
        "task_default_queue": INGEST_QUEUE,
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "timezone": "UTC",
    }


def visibility_timeout() -> int:
    from django.conf import settings

    return int(getattr(settings, "EV_BROKER_VISIBILITY_TIMEOUT", 0) or 300)


app = Celery("escapevelocity")
app.add_defaults(_config)


def broker_configured() -> bool:
    from django.conf import settings

    return bool(settings.BROKER_URL)


# ------------------------------------------------------------------------------ serialization


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def post_to_json(post: Mapping[str, Any] | Any) -> dict[str, Any]:
    """One post (a mapping in the import schema, or a triage Post) as a JSON-safe dict.

    A triage Post's `author_handle` becomes the schema's `author`; its `author_contact_count`
    is dropped, since Care counts an author's contacts itself."""
    if dataclasses.is_dataclass(post) and not isinstance(post, type):
        data = dataclasses.asdict(post)
        data["author"] = data.pop("author_handle", "")
        data.pop("author_contact_count", None)
    elif isinstance(post, Mapping):
        data = dict(post)
    else:
        raise TypeError(f"a post must be a mapping or a triage Post, not {type(post).__name__}")
    out: dict[str, Any] = _jsonable(data)
    # Fail here, in the publisher, rather than in a worker that cannot tell the sender.
    json.dumps(out)
    return out


def post_to_json_many(posts: Iterable[Mapping[str, Any] | Any]) -> list[dict[str, Any]]:
    return [post_to_json(p) for p in posts]


def chunks(posts: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(posts), size):
        yield posts[start : start + size]


# ------------------------------------------------------------------------------------ publish


@dataclass
class Dispatched:
    """What `ingest_or_publish` did: stored in-process (`result` is Care's IngestResult) or
    published `batches` messages holding `posts` posts."""

    mode: str  # "in-process" | "published"
    posts: int
    batches: int = 0
    result: Any = None


class Publisher:
    """Publishes ingest batches over one broker connection (reuse it for many batches)."""

    def __init__(self, broker_url: str | None = None) -> None:
        from django.conf import settings

        self.broker_url = broker_url or settings.BROKER_URL
        if not self.broker_url:
            raise RuntimeError("No broker: set EV_BROKER_URL (e.g. redis://127.0.0.1:6379/0).")
        self._connection: Any = None
        self._producer: Any = None

    def __enter__(self) -> Publisher:
        self._connection = app.connection_for_write(self.broker_url)
        self._connection.ensure_connection(max_retries=3)
        self._producer = app.amqp.Producer(self._connection)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._connection is not None:
            self._connection.release()
        self._connection = self._producer = None

    def publish(
        self,
        posts: Sequence[Mapping[str, Any] | Any],
        *,
        default_channel: str = "",
        trace: str = "",
    ) -> str:
        """Publish one batch; return its message id. `trace` names a Redis list where the
        worker records the batch's timings (benchmarks and diagnostics)."""
        if self._producer is None:
            raise RuntimeError("Use Publisher as a context manager: with Publisher() as p: ...")
        payload = post_to_json_many(posts)
        message = app.send_task(
            INGEST_TASK,
            kwargs={
                "posts": payload,
                "default_channel": default_channel,
                "published_at": time.time(),
                "trace": trace,
            },
            queue=INGEST_QUEUE,
            producer=self._producer,
            serializer="json",
        )
        return str(message.id)


def publish_batch(
    posts: Sequence[Mapping[str, Any] | Any],
    *,
    default_channel: str = "",
    batch_size: int = DEFAULT_BATCH_SIZE,
    broker_url: str | None = None,
) -> int:
    """Publish posts to the workers in batches of at most `batch_size`; return the number of
    messages. Raises RuntimeError when no broker is configured."""
    if not 1 <= batch_size <= 5_000:
        raise ValueError("batch_size must be between 1 and 5,000")
    sent = 0
    with Publisher(broker_url) as publisher:
        for chunk in chunks(posts, batch_size):
            publisher.publish(chunk, default_channel=default_channel)
            sent += 1
    return sent


def ingest_or_publish(
    posts: Sequence[Mapping[str, Any] | Any],
    *,
    default_channel: str = "",
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Dispatched:
    """The one call for connectors and imports: with EV_BROKER_URL set, publish the posts to the
    workers; without it, store them now with `care.services.ingest_posts` (in batches)."""
    if broker_configured():
        batches = publish_batch(posts, default_channel=default_channel, batch_size=batch_size)
        return Dispatched(mode="published", posts=len(posts), batches=batches)
    ingest = ingest_callable()
    results = [ingest(chunk, default_channel=default_channel) for chunk in chunks(posts, 5_000)]
    return Dispatched(
        mode="in-process",
        posts=len(posts),
        batches=len(results),
        result=results[0] if len(results) == 1 else results,
    )


# ------------------------------------------------------------------------------------- worker


def ingest_callable() -> Callable[..., Any]:
    """`care.services.ingest_posts`, or the callable named by the EV_INGEST_CALLABLE setting
    (a dotted path; fault-injection tests wrap the real one)."""
    from django.conf import settings

    return _resolve(getattr(settings, "EV_INGEST_CALLABLE", "") or DEFAULT_INGEST)


@cache
def _resolve(path: str) -> Callable[..., Any]:
    module, _, name = path.rpartition(".")
    target: Callable[..., Any] = getattr(import_module(module), name)
    return target


@cache
def _redis_for(url: str) -> Any:
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def broker_redis() -> Any | None:
    """A Redis client on the broker's database, or None when the broker is not Redis."""
    from django.conf import settings

    url = settings.BROKER_URL
    if not url or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    return _redis_for(url)


def _record(
    *,
    size: int,
    result: Any,
    published_at: float | None,
    done_at: float,
    trace: str,
    task_id: str = "",
) -> None:
    """Count the batch for /metrics (and its trace, when asked); never fail the batch for it."""
    client = broker_redis()
    if client is None:
        return
    new = int(getattr(result, "new", 0))
    duplicate = int(getattr(result, "duplicate", 0))
    rejected = len(getattr(result, "rejected", ()) or ())
    latency = max(0.0, done_at - published_at) if published_at else None
    try:
        pipe = client.pipeline(transaction=False)
        pipe.hincrby(STATS_KEY, "batches", 1)
        pipe.hincrby(STATS_KEY, "posts", size)
        pipe.hincrby(STATS_KEY, "new", new)
        pipe.hincrby(STATS_KEY, "duplicate", duplicate)
        pipe.hincrby(STATS_KEY, "rejected", rejected)
        if latency is not None:
            bucket = next((f"{b:g}" for b in LATENCY_BUCKETS if latency <= b), "+Inf")
            pipe.hincrby(LATENCY_KEY, bucket, 1)
            pipe.hincrbyfloat(LATENCY_KEY, "sum", latency)
        if trace:
            pipe.rpush(
                trace,
                json.dumps(
                    {
                        "id": task_id,
                        "size": size,
                        "new": new,
                        "duplicate": duplicate,
                        "published_at": published_at,
                        "done_at": done_at,
                        "pid": os.getpid(),
                    }
                ),
            )
            pipe.expire(trace, 86_400)
        pipe.execute()
    except Exception:  # a metrics hiccup must not send the batch round again
        logger.warning("could not record ingest statistics", exc_info=True)


def _dead_letter(kwargs: Mapping[str, Any], error: str) -> None:
    client = broker_redis()
    if client is None:
        return
    record = {**kwargs, "error": error, "failed_at": time.time()}
    client.rpush(DEAD_LETTER_KEY, json.dumps(record))


def _is_permanent(exc: Exception) -> bool:
    from django.core.exceptions import ValidationError

    return isinstance(exc, ValidationError | TypeError | ValueError)


@app.task(  # type: ignore[untyped-decorator]  # Celery ships no type hints
    name=INGEST_TASK, bind=True, acks_late=True, reject_on_worker_lost=True
)
def ingest_batch(
    self: Task,
    posts: list[dict[str, Any]],
    default_channel: str = "",
    published_at: float | None = None,
    trace: str = "",
) -> dict[str, int]:
    """Store one published batch with Care's ingest (idempotent, so a redelivery is harmless).

    A database outage is retried with backoff; a batch that can never be stored (or that still
    fails after the retries) goes to the dead-letter list in Redis for an operator to inspect."""
    try:
        result = ingest_callable()(posts, default_channel=default_channel)
    except Exception as exc:
        if not _is_permanent(exc) and self.request.retries < MAX_RETRIES:
            raise self.retry(exc=exc, countdown=min(60, 2**self.request.retries)) from exc
        logger.exception("ingest batch of %d posts failed for good", len(posts))
        _dead_letter(
            {"posts": posts, "default_channel": default_channel, "published_at": published_at},
            f"{type(exc).__name__}: {exc}",
        )
        return {"posts": len(posts), "new": 0, "duplicate": 0, "failed": len(posts)}
    _record(
        size=len(posts),
        result=result,
        published_at=published_at,
        done_at=time.time(),
        trace=trace,
        task_id=str(self.request.id or ""),
    )
    return {
        "posts": len(posts),
        "new": int(getattr(result, "new", 0)),
        "duplicate": int(getattr(result, "duplicate", 0)),
        "failed": 0,
    }


def _warm_up(**_kwargs: Any) -> None:
    """Load the triage models before the pool forks, so no batch pays for it (and prefork
    children share the pages); see care.services.warm_up."""
    try:
        from escapevelocity.care.services import warm_up

        warm_up()
    except Exception:
        logger.warning("could not load the triage models ahead of the first batch", exc_info=True)


worker_init.connect(_warm_up)


def queue_depth() -> dict[str, int] | None:
    """Messages waiting in the ingest queue and messages held by workers (unacknowledged);
    None when the broker is not Redis."""
    client = broker_redis()
    if client is None:
        return None
    pipe = client.pipeline(transaction=False)
    pipe.llen(INGEST_QUEUE)
    pipe.hlen("unacked")
    pipe.llen(DEAD_LETTER_KEY)
    waiting, unacked, dead = pipe.execute()
    return {"waiting": int(waiting), "unacked": int(unacked), "dead_letters": int(dead)}


def worker_argv(
    *,
    concurrency: int,
    pool: str,
    loglevel: str,
    hostname: str | None,
    extra: Iterable[str] = (),
) -> list[str]:
    argv = [
        "worker",
        f"--concurrency={concurrency}",
        f"--pool={pool}",
        f"--loglevel={loglevel}",
        f"--queues={INGEST_QUEUE}",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    return [*argv, *extra]
