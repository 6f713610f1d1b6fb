"""Inbox list page and list API, median server time with 1,000,000 stored posts.

Server time is the time Django takes to answer the request in-process (middleware, view,
queries, template), measured with the test client. Baseline measured in the same run: the same
requests against the same database holding 1,000 posts, before it is filled; the ratio shows
how the inbox scales (keyset pages walk an index, so it should stay near 1).

    .venv/bin/python bench/bench_care_inbox.py                      # SQLite, 1,000,000 posts
    .venv/bin/python bench/bench_care_inbox.py --db postgres --posts 1000000
    .venv/bin/python bench/bench_care_inbox.py --db postgres --reuse   # time the filled one again

`--reuse` keeps the database between runs (PostgreSQL: EV_BENCH_PG_DB is not dropped if it holds
posts; SQLite: the file in --data-dir) and skips the fill and the 1,000-post baseline, for
profiling and EXPLAIN after a change. Deadlines were generated around the time of the fill, so
a reused database drifts (more of them breached as time passes); quote figures from a fresh run.

The rows are generated with multi-row inserts (no triage: the inbox reads what is stored), in
the proportions of a care program: about 600,000 conversations of 1–3 posts, 300,000 authors,
most conversations resolved, the open ones spread over the queues with deadlines around now.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_care_ingest import make_org, pg_available, setup_django

SQLITE_FILE = "escapevelocity.sqlite3"  # the name settings give the file in EV_DATA_DIR
NOW = datetime.now(UTC).replace(microsecond=0)
INTENTS = [
    ("complaint", 35),
    ("question", 30),
    ("feedback", 9),
    ("purchase_intent", 6),
    ("praise", 9),
    ("spam", 8),
    ("crisis", 1),
    ("other", 2),
]
UNITS = [
    ("care", 40),
    ("care-2", 15),
    ("product", 10),
    ("sales", 8),
    ("marketing", 8),
    ("comms", 2),
    ("legal", 1),
    ("hub", 16),
]
WORDS = [
    "internet",
    "router",
    "bill",
    "refund",
    "outage",
    "fibre",
    "slow",
    "support",
    "store",
    "plan",
    "roaming",
    "app",
    "password",
    "technician",
    "waiting",
    "charged",
    "twice",
    "cancel",
    "upgrade",
    "price",
    "thanks",
    "love",
    "broken",
    "since",
    "monday",
]


def fill(total_posts: int, *, days: float, start_index: int = 0, seed: int = 11) -> None:
    """Add conversations, posts and decisions until `total_posts` more posts are stored."""
    from django.db import transaction

    from escapevelocity.care.bulk import insert_values
    from escapevelocity.care.models import Author, Channel, Conversation, Decision, Post
    from escapevelocity.org.models import Unit

    rng = random.Random(seed + start_index)
    units = {u.key: u.pk for u in Unit.objects.all()}
    channels = []
    for key in ("x", "mastodon", "bluesky"):
        channel, _ = Channel.objects.get_or_create(key=key, defaults={"name": key.title()})
        channels.append(channel.pk)
    unit_keys, unit_weights = zip(*UNITS, strict=True)
    intents, intent_weights = zip(*INTENTS, strict=True)
    n_authors = max(10, total_posts * 3 // 10)
    expected_convs = total_posts / 1.67
    made = 0
    conv_index = start_index
    chunk_posts = 20_000
    author_ids: list[int] = []
    with transaction.atomic():
        for start in range(0, n_authors, 20_000):
            author_ids += insert_values(
                Author,
                [
                    {
                        "channel_id": channels[i % 3],
                        "handle": f"a{start_index}-{i}",
                        "reach": rng.randrange(10, 20_000),
                        "contact_count": 1,
                        "first_contact_at": NOW - timedelta(days=30),
                        "last_contact_at": NOW - timedelta(days=1),
                    }
                    for i in range(start, min(n_authors, start + 20_000))
                ],
            )
    while made < total_posts:
        convs: list[dict[str, Any]] = []
        sizes: list[int] = []
        while sum(sizes) < chunk_posts and made + sum(sizes) < total_posts:
            size = rng.choice((1, 1, 1, 2, 2, 3))
            size = min(size, total_posts - made - sum(sizes))
            position = (conv_index - start_index) / expected_convs
            age = timedelta(days=max(0.0, 1 - position) * days, seconds=rng.random())
            opened = NOW - age
            intent = rng.choices(intents, intent_weights)[0]
            unit = (
                units["hub"] if intent == "spam" else units[rng.choices(unit_keys, unit_weights)[0]]
            )
            recent = age < timedelta(days=2)
            if intent == "spam":
                status = "monitor"
            elif recent:
                status = rng.choice(("new", "new", "assigned", "waiting", "escalated", "resolved"))
            else:
                status = "resolved" if rng.random() < 0.97 else "new"
            due = None
            if status in ("new", "assigned", "escalated"):
                due = NOW + timedelta(minutes=rng.uniform(-600, 1440))
            priority = rng.randrange(0, 100)
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(6, 30)))
            convs.append(
                {
                    "channel_id": channels[conv_index % 3],
                    "author_id": author_ids[rng.randrange(len(author_ids))],
                    "unit_id": unit,
                    "status": status,
                    "intent": intent,
                    "sentiment": rng.choice(("negative", "neutral", "positive")),
                    "priority": priority,
                    "response": "acknowledge",
                    "language": "en",
                    "preview": text[:280],
                    "post_count": size,
                    "opened_at": opened,
                    "last_post_at": opened + timedelta(minutes=size),
                    "first_response_due": opened + timedelta(hours=1),
                    "resolution_due": opened + timedelta(hours=8),
                    "due_at": due,
                    "first_responded_at": None
                    if status == "new"
                    else opened + timedelta(minutes=30),
                    "resolved_at": opened + timedelta(hours=2) if status == "resolved" else None,
                    "updated": opened,
                }
            )
            sizes.append(size)
            conv_index += 1
        with transaction.atomic():
            conv_ids = insert_values(Conversation, convs)
            posts = []
            for conv, conv_id, size in zip(convs, conv_ids, sizes, strict=True):
                for k in range(size):
                    posts.append(
                        {
                            "channel_id": conv["channel_id"],
                            "external_id": f"p{conv_id}-{k}",
                            "conversation_id": conv_id,
                            "author_id": conv["author_id"],
                            "direction": "in",
                            "text": conv["preview"] + (f" (follow-up {k})" if k else ""),
                            "created_at": conv["opened_at"] + timedelta(minutes=k),
                            "received_at": conv["opened_at"] + timedelta(minutes=k),
                            "language": "en",
                            "reply_to_external_id": f"p{conv_id}-{k - 1}" if k else "",
                            "url": "",
                            "account": "",
                            "raw": {},
                        }
                    )
            post_ids = insert_values(Post, posts)
            decisions = []
            for _post, post_id in zip(posts, post_ids, strict=True):
                decisions.append(
                    {
                        "post_id": post_id,
                        "language": "en",
                        "sentiment": "neutral",
                        "sentiment_score": 0.0,
                        "intent": "question",
                        "intent_probability": 0.5,
                        "intent_probabilities": {},
                        "priority": 40,
                        "route": "customer_care",
                        "route_source": "rule",
                        "route_rule": "questions",
                        "unit_id": units["care"],
                        "response": "acknowledge",
                        "reasons": {"intent": ["synthetic"]},
                    }
                )
            insert_values(Decision, decisions)
        made += len(posts)


def timed(client: Any, url: str, repeats: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of answering `url` (after three warm-up requests).
    CPU time is reported too because the machines this runs on are shared: it is what the
    request costs, whatever else the cores are doing."""
    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        client.get(url)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def scenarios(people: dict[str, Any]) -> list[tuple[str, Any, str]]:
    from django.test import Client

    from escapevelocity.care import selectors
    from escapevelocity.care.selectors import InboxFilters

    hub, agent = Client(HTTP_HOST="127.0.0.1"), Client(HTTP_HOST="127.0.0.1")
    hub.force_login(people["lead"])
    agent.force_login(people["agent"])
    first = selectors.inbox_page(user=people["lead"], filters=InboxFilters())
    cursor = first.next_cursor or ""
    return [
        ("page  hub, all queues, due soonest", hub, "/care/"),
        ("page  hub, page 2 (cursor)", hub, f"/care/?cursor={cursor}"),
        ("page  agent, own queue", agent, "/care/"),
        ("page  hub, care queue, breached SLA", hub, "/care/?unit=care&sla=breached"),
        ("page  hub, crisis intent, newest", hub, "/care/?intent=crisis&sort=newest"),
        ("page  hub, all statuses, priority", hub, "/care/?status=all&sort=priority"),
        ("api   hub, conversations", hub, "/api/care/conversations"),
        ("api   agent, conversations", agent, "/api/care/conversations"),
        (
            "api   hub, negative, newest",
            hub,
            "/api/care/conversations?sentiment=negative&sort=newest",
        ),
        ("api   hub, queues with counts", hub, "/api/care/queues"),
    ]


def filled_database(db: str, data_dir: str) -> bool:
    """Whether an earlier run left a filled database (in data_dir, or EV_BENCH_PG_DB)."""
    if db == "sqlite":
        return (Path(data_dir) / SQLITE_FILE).exists()
    import psycopg

    from bench_care_ingest import PG_BASE, PG_DB

    try:
        with psycopg.connect(PG_BASE + PG_DB, connect_timeout=3) as conn:
            row = conn.execute("SELECT count(*) FROM care_post").fetchone()
    except Exception:
        return False
    return bool(row and row[0])


def setup_existing(db: str, data_dir: str) -> None:
    """Django on the database left by an earlier run (migrated again: a new index applies)."""
    from bench_care_ingest import PG_BASE, PG_DB, ROOT

    os.environ["EV_DATA_DIR"] = data_dir
    os.environ.setdefault("EV_DEV_SECRET", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "escapevelocity.settings"
    if db == "postgres":
        os.environ["EV_DATABASE_URL"] = PG_BASE + PG_DB
    else:
        os.environ.pop("EV_DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=21)
    parser.add_argument(
        "--reuse", action="store_true", help="time the database an earlier run filled, if any"
    )
    parser.add_argument(
        "--data-dir", default="", help="SQLite: keep the database here (default: a temporary one)"
    )
    args = parser.parse_args()
    if args.db == "postgres" and not pg_available():
        print("postgres SKIPPED: no PostgreSQL reachable (set EV_BENCH_PG_URL).")
        return
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or tmp
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        reused = args.reuse and filled_database(args.db, data_dir)
        if reused:
            setup_existing(args.db, data_dir)
        else:
            for leftover in Path(data_dir).glob(SQLITE_FILE + "*"):
                leftover.unlink()  # a fresh fill starts from an empty database
            setup_django(args.db, data_dir)
        from django.contrib.auth import get_user_model
        from django.db import connection

        from escapevelocity.care.models import Post

        if reused:
            users = get_user_model().objects
            people = {"lead": users.get(username="lead"), "agent": users.get(username="agent")}
            base = {}
            print(f"{args.db}: reusing {Post.objects.count():,} stored posts (no baseline)")
        else:
            people = make_org()["people"]
            fill(1000, days=2)
            base = {name: timed(c, url, args.repeats) for name, c, url in scenarios(people)}
            t = time.perf_counter()
            fill(args.posts - 1000, days=90, start_index=10_000)
            with connection.cursor() as cursor:
                # What autovacuum (on by default) would have done to 90 days of inserts: fresh
                # statistics, and on PostgreSQL the visibility map that lets a count read an
                # index alone. A bulk load minutes old has neither.
                cursor.execute(
                    "VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE"
                )
            print(
                f"{args.db}: generated {Post.objects.count():,} posts in "
                f"{time.perf_counter() - t:.0f} s; median of {args.repeats} requests each"
            )
        print(
            f"{'request':<40} {'1,000 posts: wall':>18} {'cpu':>8}"
            f" {'1,000,000: wall':>16} {'cpu':>8} {'ratio (cpu)':>11}"
        )
        worst = 0.0
        for name, client, url in scenarios(people):
            wall, cpu = timed(client, url, args.repeats)
            worst = max(worst, wall)
            if name in base:
                b_wall, b_cpu = base[name]
                before = f"{b_wall:>15.1f} ms {b_cpu:>5.1f} ms"
                ratio = f"{cpu / b_cpu:>11.2f}"
            else:
                before, ratio = f"{'':>27}", ""
            print(f"{name:<40} {before} {wall:>13.1f} ms {cpu:>5.1f} ms {ratio}".rstrip())
        search_hub = scenarios(people)[0][1]
        wall, cpu = timed(search_hub, "/care/?q=refund%20outage", 3)
        print(
            f"{'page  hub, text search (no target)':<40} {'':>27} {wall:>13.1f} ms {cpu:>5.1f} ms"
        )
        print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        verdict = "meets" if worst < 100 else "misses"
        print(
            f"target < 100 ms median wall time for every list request: {verdict} "
            f"(slowest {worst:.1f} ms)"
        )


if __name__ == "__main__":
    main()
