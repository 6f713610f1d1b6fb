"""Operations endpoints: /health for load balancers, /metrics for Prometheus.

/health answers 200 when the database (and the broker, when one is configured) answers, 503
otherwise; it says nothing more than which dependency is down.

/metrics speaks Prometheus's text format. With EV_METRICS_TOKEN set it wants
`Authorization: Bearer <token>`; without it only a direct local client (no proxy headers) may
read it. Each collector is guarded: an app missing from this build, or a table not migrated yet,
drops its series and sets `ev_metrics_collector_errors{collector=…}` instead of failing the scrape.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)

PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


# ------------------------------------------------------------------------------------- health


def check_database() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("health: database check failed", exc_info=True)
        return False
    return True


def check_broker() -> bool | None:
    """True when the broker answers, False when it does not, None when none is configured."""
    if not settings.BROKER_URL:
        return None
    from escapevelocity.celery import broker_redis

    client = broker_redis()
    try:
        if client is not None:
            return bool(client.ping())
        from escapevelocity.celery import app

        with app.connection_for_write(settings.BROKER_URL) as conn:
            conn.ensure_connection(max_retries=1)
        return True
    except Exception:
        logger.warning("health: broker check failed", exc_info=True)
        return False


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    database = check_database()
    broker = check_broker()
    healthy = database and broker is not False
    body = {
        "status": "ok" if healthy else "fail",
        "database": "ok" if database else "unreachable",
        "broker": "not configured" if broker is None else ("ok" if broker else "unreachable"),
    }
    return JsonResponse(body, status=200 if healthy else 503)


# ------------------------------------------------------------------------------------ metrics


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    if value == float("inf"):
        return "+Inf"
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


@dataclass
class Metric:
    name: str
    kind: str  # gauge | counter | histogram
    help: str
    samples: list[tuple[str, dict[str, str], float]] = field(default_factory=list)

    def add(self, value: float, suffix: str = "", **labels: str) -> None:
        self.samples.append((suffix, labels, value))

    def render(self) -> Iterable[str]:
        yield f"# HELP {self.name} {self.help}"
        yield f"# TYPE {self.name} {self.kind}"
        for suffix, labels, value in self.samples:
            text = ",".join(f'{k}="{_escape(str(v))}"' for k, v in sorted(labels.items()))
            yield (
                f"{self.name}{suffix}{{{text}}} {_number(value)}"
                if text
                else (f"{self.name}{suffix} {_number(value)}")
            )


class Registry:
    def __init__(self) -> None:
        self.metrics: dict[str, Metric] = {}
        self.errors: list[str] = []

    def metric(self, name: str, kind: str, help_text: str) -> Metric:
        if name not in self.metrics:
            self.metrics[name] = Metric(name, kind, help_text)
        return self.metrics[name]

    def render(self) -> str:
        lines: list[str] = []
        for metric in self.metrics.values():
            lines.extend(metric.render())
        return "\n".join(lines) + "\n"


def _collect_process(reg: Registry) -> None:
    try:
        ev_version = version("escapevelocity")
    except PackageNotFoundError:
        ev_version = "unknown"
    reg.metric("ev_build_info", "gauge", "The running version (value is always 1).").add(
        1, version=ev_version, database=connection.vendor
    )
    up = check_database()
    reg.metric("ev_database_up", "gauge", "1 when the database answers.").add(int(up))
    reg.metric("ev_broker_configured", "gauge", "1 when EV_BROKER_URL is set.").add(
        int(bool(settings.BROKER_URL))
    )


def _collect_broker(reg: Registry) -> None:
    if not settings.BROKER_URL:
        return
    from escapevelocity.celery import LATENCY_BUCKETS, LATENCY_KEY, STATS_KEY, queue_depth

    broker = check_broker()
    reg.metric("ev_broker_up", "gauge", "1 when the broker answers.").add(int(bool(broker)))
    if not broker:
        return
    depth = queue_depth()
    if depth is None:
        return
    reg.metric(
        "ev_ingest_queue_depth", "gauge", "Ingest batches waiting in the broker's queue."
    ).add(depth["waiting"])
    reg.metric(
        "ev_ingest_in_flight", "gauge", "Ingest batches held by workers, not yet acknowledged."
    ).add(depth["unacked"])
    reg.metric(
        "ev_ingest_dead_letters", "gauge", "Batches that failed for good (Redis ev:ingest:dead)."
    ).add(depth["dead_letters"])
    from escapevelocity.celery import broker_redis

    client = broker_redis()
    if client is None:
        return
    stats = {k.decode(): float(v) for k, v in client.hgetall(STATS_KEY).items()}
    batches = reg.metric("ev_ingest_batches_total", "counter", "Batches stored by workers.")
    batches.add(stats.get("batches", 0))
    posts = reg.metric("ev_ingest_posts_total", "counter", "Posts handled by workers, by outcome.")
    for outcome in ("new", "duplicate", "rejected"):
        posts.add(stats.get(outcome, 0), outcome=outcome)
    latency = {k.decode(): float(v) for k, v in client.hgetall(LATENCY_KEY).items()}
    hist = reg.metric(
        "ev_ingest_publish_to_queue_seconds",
        "histogram",
        "Seconds from a batch's publication to its posts being in their queues.",
    )
    cumulative = 0.0
    for bound in LATENCY_BUCKETS:
        cumulative += latency.get(f"{bound:g}", 0)
        hist.add(cumulative, "_bucket", le=f"{bound:g}")
    cumulative += latency.get("+Inf", 0)
    hist.add(cumulative, "_bucket", le="+Inf")
    hist.add(latency.get("sum", 0.0), "_sum")
    hist.add(cumulative, "_count")


def _collect_care(reg: Registry) -> None:
    if not apps.is_installed("escapevelocity.care"):
        return
    from escapevelocity.care.models import OPEN_STATUSES, Channel, Conversation, Post

    now = timezone.now()
    channels = dict(Channel.objects.values_list("id", "key"))
    stored = reg.metric(
        "ev_posts_stored_total", "counter", "Posts stored, by channel (rate() gives ingest rate)."
    )
    for channel_id, n in (
        Post.objects.order_by()
        .values("channel_id")
        .annotate(n=Count("id"))
        .values_list("channel_id", "n")
    ):
        stored.add(n, channel=channels.get(channel_id, str(channel_id)))
    lag = reg.metric(
        "ev_channel_lag_seconds",
        "gauge",
        "Per channel: how long after it was written the newest stored post arrived.",
    )
    age = reg.metric(
        "ev_channel_last_post_age_seconds",
        "gauge",
        "Per channel: seconds since the newest post was stored.",
    )
    newest = (
        Post.objects.order_by()
        .values("channel_id")
        .annotate(last_id=Max("id"))
        .values_list("last_id", flat=True)
    )
    for channel_id, created_at, received_at in Post.objects.filter(id__in=list(newest)).values_list(
        "channel_id", "created_at", "received_at"
    ):
        key = channels.get(channel_id, str(channel_id))
        lag.add(max(0.0, (received_at - created_at).total_seconds()), channel=key)
        age.add(max(0.0, (now - received_at).total_seconds()), channel=key)
    open_by_unit = (
        Conversation.objects.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("unit__key")
        .annotate(n=Count("id"))
        .values_list("unit__key", "n")
    )
    opened = reg.metric("ev_conversations_open", "gauge", "Open conversations, by unit.")
    for unit, n in open_by_unit:
        opened.add(n, unit=unit)
    breached = (
        Conversation.objects.filter(status__in=OPEN_STATUSES, due_at__lt=now)
        .order_by()
        .values("unit__key")
        .annotate(n=Count("id"))
        .values_list("unit__key", "n")
    )
    breaches = reg.metric(
        "ev_sla_breaches", "gauge", "Open conversations past their SLA deadline, by unit."
    )
    for unit, n in breached:
        breaches.add(n, unit=unit)


def _collect_connectors(reg: Registry) -> None:
    if not apps.is_installed("escapevelocity.care"):
        return
    try:
        connector_model = apps.get_model("care", "Connector")
    except LookupError:
        return
    now = timezone.now()
    lag = reg.metric(
        "ev_connector_lag_seconds",
        "gauge",
        "Per connector: how far behind the network its listener reads (seconds).",
    )
    heartbeat = reg.metric(
        "ev_connector_heartbeat_age_seconds",
        "gauge",
        "Per connector: seconds since its listener last reported.",
    )
    state = reg.metric("ev_connector_state", "gauge", "Per connector: 1 for its current state.")
    read = reg.metric("ev_connector_posts_read_total", "counter", "Posts a connector has read.")
    errors = reg.metric(
        "ev_connector_consecutive_errors", "gauge", "Failed reads in a row, per connector."
    )
    for c in connector_model.objects.filter(enabled=True).only(
        "name", "state", "lag_seconds", "heartbeat_at", "posts_read", "consecutive_errors"
    ):
        if c.lag_seconds is not None:
            lag.add(c.lag_seconds, connector=c.name)
        if c.heartbeat_at is not None:
            heartbeat.add(max(0.0, (now - c.heartbeat_at).total_seconds()), connector=c.name)
        state.add(1, connector=c.name, state=c.state)
        read.add(c.posts_read, connector=c.name)
        errors.add(c.consecutive_errors, connector=c.name)


def _collect_jobs(reg: Registry) -> None:
    from escapevelocity.web.models import ScheduledJob

    success = reg.metric(
        "ev_scheduled_job_last_success_timestamp_seconds",
        "gauge",
        "Unix time of each scheduled job's last successful run.",
    )
    failed = reg.metric(
        "ev_scheduled_job_last_run_failed", "gauge", "1 when a job's last run failed."
    )
    for job in ScheduledJob.objects.all():
        if job.last_success_at:
            success.add(job.last_success_at.timestamp(), job=job.name)
        failed.add(int(job.last_status == "failed"), job=job.name)


COLLECTORS: tuple[tuple[str, Callable[[Registry], None]], ...] = (
    ("process", _collect_process),
    ("broker", _collect_broker),
    ("care", _collect_care),
    ("connectors", _collect_connectors),
    ("jobs", _collect_jobs),
)


def render_metrics() -> str:
    """Every metric, in Prometheus's text exposition format."""
    reg = Registry()
    started = time.perf_counter()
    for name, collect in COLLECTORS:
        try:
            collect(reg)
        except Exception:
            logger.warning("metrics collector %s failed", name, exc_info=True)
            reg.errors.append(name)
    errors = reg.metric(
        "ev_metrics_collector_errors", "gauge", "1 for each collector that failed this scrape."
    )
    for name in reg.errors:
        errors.add(1, collector=name)
    reg.metric("ev_metrics_scrape_seconds", "gauge", "Seconds this scrape took.").add(
        round(time.perf_counter() - started, 6)
    )
    return reg.render()


def _is_local(request: HttpRequest) -> bool:
    if any(request.META.get(h) for h in _PROXY_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


def metrics_allowed(request: HttpRequest) -> tuple[bool, int]:
    """(allowed, status when not): a bearer token when EV_METRICS_TOKEN is set, else local."""
    token = getattr(settings, "EV_METRICS_TOKEN", "")
    if token:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, given = header.partition(" ")
        ok = scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), token.encode()
        )
        return ok, 401
    return _is_local(request), 403


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    allowed, status = metrics_allowed(request)
    if not allowed:
        response = HttpResponse(
            "Metrics need a bearer token (EV_METRICS_TOKEN), or a local client when none is set.\n",
            status=status,
            content_type="text/plain; charset=utf-8",
        )
        if status == 401:
            response["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return response
    return HttpResponse(render_metrics(), content_type=PROMETHEUS_TYPE)


urlpatterns: list[URLPattern] = [
    path("health", health, name="health"),
    path("metrics", metrics, name="metrics"),
]
