"""Distributed mode under load: posts through Redis and 1 and 2 Celery workers into PostgreSQL.

    .venv/bin/python bench/bench_scale.py                      # 20,000 posts per run
    .venv/bin/python bench/bench_scale.py --posts 1000000      # the issue's full count

Phases, all on one fresh PostgreSQL database (ev_bench_scale_*, dropped at the end):
1. baseline: `care.services.ingest_posts` in this process, no broker (the embedded path);
2. saturation: --posts posts published as fast as possible, stored by 1, then 2 worker
   processes (`ev worker --pool solo`, as two machines would run them): posts/s from the first
   publish to the last commit, and publish-to-queue latency per batch;
3. paced: --rate posts/s for --paced-seconds through 2 workers, each post stamped when it was
   "written": p50/p99 latency from then to its commit (its queue placement), first alone, then
   while --readers threads read the inbox API (`GET /api/care/conversations`) from `ev serve`,
   each every --reader-interval seconds (an agent refreshing; 0 reads flat out); the same
   readers alone first, for their own baseline.
The ratio printed is 2-worker throughput over the in-process baseline. Posts come from Care's
demo templates (no real customer's words). Services: EV_BENCH_PG_URL (default
postgresql://root@127.0.0.1:5432/) and EV_BENCH_BROKER_URL (default redis://127.0.0.1:6379/14).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import os
import pstats
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("EV_BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/")
BROKER = os.environ.get("EV_BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
EV = str(Path(sys.executable).parent / "ev")
TARGET_RATE = 6_000
TARGET_P99 = 2.0


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def services_up() -> str:
    try:
        import psycopg

        psycopg.connect(PG_BASE + "postgres", connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL at {PG_BASE} ({exc})"
    try:
        import redis

        redis.Redis.from_url(BROKER, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis at {BROKER} ({exc})"
    return ""


@contextlib.contextmanager
def bench_database(keep: bool) -> Iterator[str]:
    import psycopg

    name = f"ev_bench_scale_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_BASE + name
    finally:
        if not keep:
            with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def setup(url: str, data_dir: str) -> dict[str, str]:
    """Configure this process for the bench database and broker; migrate; seed the org."""
    env = {
        "EV_DATABASE_URL": url,
        "EV_BROKER_URL": "",
        "EV_SECRET_KEY": "bench-only-" + uuid.uuid4().hex,
        "EV_DATA_DIR": data_dir,
        "DJANGO_SETTINGS_MODULE": "escapevelocity.settings",
    }
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    from django.contrib.auth import get_user_model

    from escapevelocity.org import permissions, services
    from escapevelocity.org.models import OrgModel, Role, UnitFunction, UnitKind

    system = permissions.system_actor()
    services.company_update(actor=system, name="Bench Co", org_model=OrgModel.HUB_AND_SPOKE)
    hub = services.unit_create(actor=system, key="hub", name="Hub", kind=UnitKind.HUB)
    for function in UnitFunction:
        services.unit_create(
            actor=system,
            key=function.value.replace("_", "-"),
            name=function.label,
            kind=UnitKind.SPOKE,
            function=function,
        )
    lead = get_user_model().objects.create_user("lead")  # reads with an API token only
    services.membership_set(actor=system, user=lead, unit=hub, role=Role.STRATEGIST)
    _token, raw = services.token_create(user=lead, name="bench")
    return {**env, "EV_BROKER_URL": BROKER, "EV_BENCH_TOKEN": raw}


class PostMaker:
    """Posts from Care's demo templates: mixed intents, repeat authors, unique ids per phase."""

    def __init__(self, seed: int = 11) -> None:
        from escapevelocity.care.demo_data import CITIES, DAYS, EN, MIX, PRODUCTS

        self.rng = random.Random(seed)
        self.intents, self.weights = zip(*MIX, strict=True)
        self.en, self.fill = EN, (PRODUCTS, CITIES, DAYS)

    def make(self, phase: str, i: int, written: float) -> dict[str, Any]:
        rng = self.rng
        intent = rng.choices(self.intents, self.weights)[0]
        products, cities, days = self.fill
        text = rng.choice(self.en[intent]).format(
            p=rng.choice(products), c=rng.choice(cities), d=rng.choice(days)
        )
        return {
            "external_id": f"{phase}-{i}",
            "channel": rng.choice(("x", "mastodon", "bluesky")),
            "author": f"user{rng.randrange(50_000)}",
            "text": f"{text} #{i % 997}",
            "created_at": datetime.fromtimestamp(written, tz=UTC).isoformat(),
        }


def start_workers(env: dict[str, str], n: int, logs: Path) -> list[subprocess.Popen[bytes]]:
    procs = []
    for i in range(n):
        with (logs / f"worker-{i}.log").open("ab") as out:
            procs.append(
                subprocess.Popen(
                    [EV, "worker", "--pool=solo", "--concurrency=1", f"--hostname=bench{i}@%h"],
                    env={**os.environ, **env},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if all("ready." in (logs / f"worker-{i}.log").read_text() for i in range(n)):
            return procs
        time.sleep(0.2)
    raise SystemExit(f"workers did not start; see {logs}")


def stop(procs: list[subprocess.Popen[bytes]], sig: int = signal.SIGTERM) -> None:
    for p in procs:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, sig)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wait_traced(client: Any, key: str, batches: int, timeout: float) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while client.llen(key) < batches:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {client.llen(key)} of {batches} batches stored in {timeout}s")
        time.sleep(0.1)
    return [json.loads(x) for x in client.lrange(key, 0, -1)]


def saturation(env: dict[str, str], workers: int, posts: int, batch: int, logs: Path) -> dict:
    sampler = LockSampler(env["EV_DATABASE_URL"])
    with sampler:
        result = _saturation(env, workers, posts, batch, logs)
    result["locks"] = sampler.summary()
    return result


def _saturation(env: dict[str, str], workers: int, posts: int, batch: int, logs: Path) -> dict:
    import redis

    from escapevelocity.celery import Publisher

    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    maker = PostMaker(seed=workers)
    procs = start_workers(env, workers, logs)
    key = f"bench:sat:{workers}"
    try:
        sent = 0
        t0 = time.time()
        with Publisher(BROKER) as pub:
            for start in range(0, posts, batch):
                now = time.time()
                chunk = [
                    maker.make(f"sat{workers}", i, now)
                    for i in range(start, min(posts, start + batch))
                ]
                pub.publish(chunk, trace=key)
                sent += 1
        published = time.time() - t0
        traces = wait_traced(client, key, sent, timeout=max(600, posts / 50))
    finally:
        stop(procs)
    done = max(t["done_at"] for t in traces)
    latency = [t["done_at"] - t["published_at"] for t in traces]
    new = sum(t["new"] for t in traces)
    return {
        "workers": workers,
        "posts": posts,
        "new": new,
        "rate": posts / (done - t0),
        "publish_rate": posts / published,
        "p50": percentile(latency, 0.5),
        "p99": percentile(latency, 0.99),
        "pids": len({t["pid"] for t in traces}),
    }


class LockSampler:
    """Samples pg_stat_activity while workers run: how often a worker's transaction waits for
    another's lock (batches meet on the rows of authors they share)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.stop = threading.Event()
        self.samples = 0
        self.waiting = 0
        self.active = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        query = (
            "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), "
            "count(*) FILTER (WHERE state = 'active' OR state LIKE 'idle in transaction%') "
            "FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(0.1):
                waiting, active = conn.execute(query).fetchone() or (0, 0)
                self.samples += 1
                self.waiting += int(waiting > 0)
                self.active += int(active > 0)

    def __enter__(self) -> LockSampler:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)

    def summary(self) -> str:
        if not self.samples:
            return "no samples"
        return (
            f"a worker waited on another's lock in {100 * self.waiting / self.samples:.0f}% of "
            f"{self.samples} samples (a transaction was open in "
            f"{100 * self.active / self.samples:.0f}%)"
        )


class Autoanalyze:
    """Where the server runs without autovacuum (this development machine does), what its
    autoanalyze would do: ANALYZE the ingest tables every `every` seconds, so the planner keeps
    reading them through their indexes as they grow. Without statistics PostgreSQL assumes a
    thousand-element IN list matches everything and scans. A no-op where autovacuum is on."""

    TABLES = "care_post, care_author, care_conversation, care_decision"

    def __init__(self, url: str, every: float = 20.0) -> None:
        self.url, self.every = url, every
        self.stop = threading.Event()
        self.runs = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def needed(url: str) -> bool:
        import psycopg

        with psycopg.connect(url, autocommit=True) as conn:
            row = conn.execute("SHOW autovacuum").fetchone()
        return bool(row) and row[0] == "off"

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self.stop.wait(self.every):
                conn.execute(f"ANALYZE {self.TABLES}")
                self.runs += 1

    def __enter__(self) -> Autoanalyze:
        if self.needed(self.url):
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join(timeout=120)


class Readers:
    """Threads reading the inbox API, each once every `interval` seconds (an agent refreshing
    the queue), or as fast as they can with interval 0; latencies in seconds."""

    def __init__(self, base: str, token: str, n: int, interval: float) -> None:
        self.base, self.token, self.n, self.interval = base, token, n, interval
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors = 0
        self.lock = threading.Lock()

    def _run(self) -> None:
        import httpx

        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=30) as http:
            while not self.stop.is_set():
                t = time.perf_counter()
                r = http.get("/api/care/conversations", params={"status": "open"})
                took = time.perf_counter() - t
                with self.lock:
                    if r.status_code == 200:
                        self.latencies.append(took)
                    else:
                        self.errors += 1
                if self.interval > took:
                    self.stop.wait(self.interval - took)

    def run_for(self, seconds: float) -> dict[str, float]:
        self.stop.clear()
        self.latencies, self.errors = [], 0
        threads = [threading.Thread(target=self._run, daemon=True) for _ in range(self.n)]
        for t in threads:
            t.start()
        time.sleep(seconds)
        self.stop.set()
        for t in threads:
            t.join(timeout=60)
        return self.summary(seconds)

    def summary(self, seconds: float) -> dict[str, float]:
        return {
            "requests": len(self.latencies),
            "rps": len(self.latencies) / seconds,
            "p50": percentile(self.latencies, 0.5),
            "p99": percentile(self.latencies, 0.99),
            "errors": self.errors,
        }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def paced(
    env: dict[str, str],
    rate: int,
    seconds: float,
    readers: int,
    logs: Path,
    tick: float,
    interval: float,
) -> dict[str, Any]:
    """Two paced runs through 2 workers: the pipeline alone, then with the inbox readers."""
    import httpx
    import redis

    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    port = free_port()
    with (logs / "serve.log").open("ab") as out:
        web = subprocess.Popen(
            [EV, "serve", "--port", str(port), "--workers", "2"],
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(base + "/health", timeout=2).status_code == 200:
                break
        if time.monotonic() > deadline:
            raise SystemExit(f"ev serve did not start; see {logs / 'serve.log'}")
        time.sleep(0.2)
    reader = Readers(base, env["EV_BENCH_TOKEN"], readers, interval)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        idle = reader.run_for(min(10.0, seconds))
        procs = start_workers(env, 2, logs)
        _warm(client)
        alone = _paced_run(client, rate, seconds, tick, "bench:paced-alone", seed=98)
        reader.stop.clear()
        reader.latencies, reader.errors = [], 0
        threads = [threading.Thread(target=reader._run, daemon=True) for _ in range(readers)]
        for t in threads:
            t.start()
        t0 = time.time()
        busy = _paced_run(client, rate, seconds, tick, "bench:paced", seed=99)
        reader.stop.set()
        for t in threads:
            t.join(timeout=60)
        during = reader.summary(time.time() - t0)
    finally:
        stop(procs)
        stop([web])
    return {**busy, "alone": alone, "idle": idle, "during": during}


def _warm(client: Any) -> None:
    """A few small batches first, so no timed post waits for a worker's first connection."""
    from escapevelocity.celery import Publisher

    maker = PostMaker(seed=97)
    with Publisher(BROKER) as pub:
        for b in range(4):
            pub.publish(
                [maker.make("warm", b * 10 + k, time.time()) for k in range(10)], trace="warm"
            )
    wait_traced(client, "warm", 4, timeout=120)


def _paced_run(
    client: Any, rate: int, seconds: float, tick: float, key: str, seed: int
) -> dict[str, Any]:
    """Publish `rate` posts/s for `seconds`, a batch every `tick`, each post stamped when it
    was "written"; wait until every batch is stored. Latency: written to committed."""
    from escapevelocity.celery import Publisher

    maker = PostMaker(seed=seed)
    per_tick = max(1, round(rate * tick))
    written: dict[str, list[float]] = {}
    t0 = time.time()
    i = 0
    with Publisher(BROKER) as pub:
        while time.time() - t0 < seconds:
            tick_start = t0 + (i // per_tick) * tick
            stamps = [tick_start + tick * k / per_tick for k in range(per_tick)]
            chunk = [maker.make(key, i + k, s) for k, s in enumerate(stamps)]
            i += per_tick
            pause = tick_start + tick - time.time()
            if pause > 0:
                time.sleep(pause)  # the last post of the tick is "written" now
            written[pub.publish(chunk, trace=key)] = stamps
    offered = i / (time.time() - t0)
    traces = wait_traced(client, key, len(written), timeout=max(600, i / 50))
    busy_seconds = time.time() - t0
    latency = [t["done_at"] - s for t in traces for s in written.get(t["id"], [])]
    return {
        "offered": offered,
        "posts": i,
        "p50": percentile(latency, 0.5),
        "p99": percentile(latency, 0.99),
        "drain_seconds": busy_seconds - seconds,
    }


def baseline(posts: int, batch: int) -> tuple[float, str]:
    """In-process ingest (the embedded path) on the same database, and its profile."""
    from escapevelocity.care.services import ingest_posts

    maker = PostMaker(seed=1)
    now = time.time()
    chunks = [
        [maker.make("base", i, now) for i in range(s, min(posts, s + batch))]
        for s in range(0, posts, batch)
    ]
    ingest_posts([maker.make("warm", 0, now)])  # loads the triage models outside the clock
    t = time.perf_counter()
    for chunk in chunks[:-1]:
        ingest_posts(chunk)
    profiler = cProfile.Profile()
    profiler.enable()
    ingest_posts(chunks[-1])
    profiler.disable()
    rate = posts / (time.perf_counter() - t)
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"care/services|triage/|query\.py|psycopg", 14)
    return rate, text.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=20_000, help="posts per saturation run")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--rate", type=int, default=1_000, help="posts/s in the paced run")
    parser.add_argument("--paced-seconds", type=float, default=15.0)
    parser.add_argument("--readers", type=int, default=4)
    parser.add_argument(
        "--reader-interval",
        type=float,
        default=1.0,
        help="seconds between one reader's requests (an agent refreshing); 0: as fast as it can",
    )
    parser.add_argument(
        "--tick", type=float, default=0.25, help="paced run: publish what arrived every TICK s"
    )
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument(
        "--paced-only", action="store_true", help="skip the saturation runs (latency at --rate)"
    )
    args = parser.parse_args()
    missing = services_up()
    if missing:
        print(f"SKIPPED: {missing} is not reachable.")
        return
    sys.path.insert(0, str(ROOT / "src"))
    with (
        tempfile.TemporaryDirectory() as tmp,
        bench_database(args.keep) as url,
        Autoanalyze(url) as analyzer,  # its first ANALYZE comes after setup's migrations
    ):
        logs = Path(tmp)
        env = setup(url, tmp)
        if analyzer.thread.is_alive():
            print(
                "note      autovacuum is off on this server: the bench runs ANALYZE on the "
                f"ingest tables every {analyzer.every:g}s, as autovacuum would"
            )
        print(f"posts per run: {args.posts:,} in batches of {args.batch}; database {url}")
        print("load average at start (1/5/15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        base_rate, profile = baseline(min(args.posts, 10_000), args.batch)
        print(f"baseline  in-process ingest_posts (no broker): {base_rate:>8,.0f} posts/s")
        results = []
        for workers in () if args.paced_only else (1, 2):
            r = saturation(env, workers, args.posts, args.batch, logs)
            results.append(r)
            print(
                f"saturate  {workers} worker(s): {r['rate']:>8,.0f} posts/s stored "
                f"(published at {r['publish_rate']:,.0f}/s; {r['new']:,} new; batch "
                f"publish-to-queue p50 {r['p50']:.2f}s p99 {r['p99']:.2f}s; {r['pids']} pids)"
            )
            print(f"          {r['locks']}")
        p = paced(
            env,
            args.rate,
            args.paced_seconds,
            args.readers,
            logs,
            args.tick,
            args.reader_interval,
        )
        every = f"every {args.reader_interval:g}s" if args.reader_interval else "flat out"
        for name, run in (("alone", p["alone"]), (f"+{args.readers} readers", p)):
            print(
                f"paced     2 workers at {run['offered']:,.0f} posts/s offered for "
                f"{args.paced_seconds:g}s, {name} ({run['posts']:,} posts, a batch every "
                f"{args.tick:g}s): post publish-to-queue p50 {run['p50']:.2f}s "
                f"p99 {run['p99']:.2f}s; queue drained {run['drain_seconds']:.1f}s after the "
                "last publish"
            )
        for name in ("idle", "during"):
            s = p[name]
            print(
                f"inbox API {args.readers} readers ({every}) {name:<6}: {s['rps']:>6,.1f} "
                f"req/s, p50 {s['p50'] * 1000:.0f} ms, p99 {s['p99'] * 1000:.0f} ms, "
                f"{s['errors']} errors"
            )
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database()), count(*) FROM care_post")
            size, stored = cursor.fetchone()
        sample = [PostMaker(seed=5).make("size", i, time.time()) for i in range(1000)]
        json_bytes = sum(len(json.dumps(x)) for x in sample) / len(sample)
        print(
            f"sizes     {stored:,} posts stored, database {size / 2**20:,.0f} MiB "
            f"({size / max(1, stored):,.0f} bytes per post, all tables and indexes); "
            f"{json_bytes:,.0f} bytes of JSON per post in the queue"
        )
        from escapevelocity.web.ops import render_metrics

        t = time.perf_counter()
        render_metrics()
        print(
            f"metrics   one /metrics scrape over {stored:,} posts: {time.perf_counter() - t:.3f}s"
        )
        print("load average at end (1/5/15 min): {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()))
        two = results[1]["rate"] if results else float("nan")
        if results:
            print(f"ratio     2 workers / in-process baseline: {two / base_rate:.2f}")
            print(f"ratio     2 workers / 1 worker: {two / results[0]['rate']:.2f}")
        hit_rate = two >= TARGET_RATE
        hit_p99 = p["alone"]["p99"] < TARGET_P99
        hit_p99_read = p["p99"] < TARGET_P99
        print(
            f"target    >= {TARGET_RATE:,} posts/s with 2 workers: "
            f"{'met' if hit_rate else 'MISSED'}; p99 < {TARGET_P99:g}s at {args.rate:,}/s: "
            f"{'met' if hit_p99 else 'MISSED'} alone, "
            f"{'met' if hit_p99_read else 'MISSED'} with the readers"
        )
        if not (hit_rate and hit_p99 and hit_p99_read):
            print("profile   one in-process batch (cumulative seconds):")
            print(profile)


if __name__ == "__main__":
    main()
