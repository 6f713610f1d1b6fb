"""Posts per second through care.services.ingest_posts, in batches of 1,000.

Each batch is one triage call and one transaction (dedupe, authors, threading, conversations,
posts, decisions, queue placement). Baseline measured in the same run: the triage engine alone
on the same batches, so the ratio shows what storing costs on top of deciding.

    .venv/bin/python bench/bench_care_ingest.py                 # SQLite, then PostgreSQL if up
    .venv/bin/python bench/bench_care_ingest.py --db sqlite --posts 50000

Before the clock starts, one batch is ingested and the process warms up as workers, imports and
listeners do (`services.warm_up`: models loaded, then `gc.freeze`); `--no-freeze` leaves the
freeze out. The posts are generated here from the demo's templates (no real customer's words).
PostgreSQL runs in a database of its own (EV_BENCH_PG_DB, default ev_bench_care, dropped and
created), at EV_BENCH_PG_URL or postgresql://root@127.0.0.1:5432/.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_BASE = os.environ.get("EV_BENCH_PG_URL", "postgresql://root@127.0.0.1:5432/")
PG_DB = os.environ.get("EV_BENCH_PG_DB", "ev_bench_care")


def pg_available() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_BASE + "postgres", connect_timeout=3).close()
        return True
    except Exception:
        return False


def prepare_postgres(name: str = PG_DB) -> str:
    import psycopg

    with psycopg.connect(PG_BASE + "postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return PG_BASE + name


def setup_django(db: str, data_dir: str) -> None:
    """Point Django at a fresh database (SQLite file in data_dir, or the bench PostgreSQL)."""
    os.environ["EV_DATA_DIR"] = data_dir
    os.environ.setdefault("EV_DEV_SECRET", "1")
    os.environ["DJANGO_SETTINGS_MODULE"] = "escapevelocity.settings"
    if db == "postgres":
        os.environ["EV_DATABASE_URL"] = prepare_postgres()
    else:
        os.environ.pop("EV_DATABASE_URL", None)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def make_org() -> dict[str, Any]:
    """A hub, two care spokes, product, sales, marketing, comms, legal; people in each."""
    from django.contrib.auth import get_user_model

    from escapevelocity.org import permissions, services
    from escapevelocity.org.models import OrgModel, Role, UnitFunction, UnitKind

    system = permissions.system_actor()
    services.company_update(actor=system, name="Bench Co", org_model=OrgModel.HUB_AND_SPOKE)
    hub = services.unit_create(actor=system, key="hub", name="Hub", kind=UnitKind.HUB)
    units = {"hub": hub}
    for key, function in [
        ("care", UnitFunction.CUSTOMER_CARE),
        ("care-2", UnitFunction.CUSTOMER_CARE),
        ("product", UnitFunction.PRODUCT),
        ("sales", UnitFunction.SALES),
        ("marketing", UnitFunction.MARKETING),
        ("comms", UnitFunction.COMMUNICATIONS),
        ("legal", UnitFunction.LEGAL),
    ]:
        units[key] = services.unit_create(
            actor=system, key=key, name=key.title(), kind=UnitKind.SPOKE, function=function
        )
    users = get_user_model().objects
    people = {
        "lead": users.create_user("lead"),
        "agent": users.create_user("agent"),
    }
    services.membership_set(actor=system, user=people["lead"], unit=hub, role=Role.STRATEGIST)
    services.membership_set(actor=system, user=people["agent"], unit=units["care"], role=Role.AGENT)
    return {"units": units, "people": people}


def synthetic_posts(n: int, *, seed: int = 7, authors: int = 8000) -> list[dict[str, Any]]:
    """`n` posts from the demo's templates: mixed intents and languages, repeat authors,
    some replies to earlier posts."""
    from escapevelocity.care.demo_data import CITIES, DAYS, EN, MIX, OTHER_LANGUAGES, PRODUCTS

    rng = random.Random(seed)
    intents, weights = zip(*MIX, strict=True)
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    posts: list[dict[str, Any]] = []
    for i in range(n):
        if rng.random() < 0.12:
            _language, _intent, text = rng.choice(OTHER_LANGUAGES)
        else:
            intent = rng.choices(intents, weights)[0]
            text = rng.choice(EN[intent]).format(
                p=rng.choice(PRODUCTS), c=rng.choice(CITIES), d=rng.choice(DAYS)
            )
        post: dict[str, Any] = {
            "external_id": f"b{seed}-{i}",
            "channel": rng.choice(("x", "mastodon", "bluesky")),
            "author": f"user{rng.randrange(authors)}",
            "author_reach": rng.randrange(10, 50_000),
            "text": f"{text} #{i % 997}",
            "created_at": (start + timedelta(seconds=i * 2)).isoformat(),
        }
        if i > 10 and rng.random() < 0.1:
            post["reply_to_id"] = f"b{seed}-{rng.randrange(max(0, i - 2000), i)}"
        posts.append(post)
    return posts


def run(db: str, total: int, batch: int, *, no_freeze: bool = False) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(db, data_dir)
        from escapevelocity.care import services
        from escapevelocity.care.models import Conversation, Post
        from escapevelocity.triage import Post as TriagePost

        make_org()
        posts = synthetic_posts(total + batch)
        warm, posts = posts[:batch], posts[batch:]
        services.ingest_posts(warm)  # loads the triage models once, outside the clock
        if not no_freeze:
            services.warm_up()  # as workers, imports and listeners do when they start
        triager = services.triager()
        batches = [posts[i : i + batch] for i in range(0, len(posts), batch)]
        # Baseline: the engine alone on the same batches.
        engine_seconds = []
        engine_cpu = 0.0
        for b in batches:
            records = [
                TriagePost(
                    external_id=p["external_id"],
                    channel=p["channel"],
                    text=p["text"],
                    author_handle=p["author"],
                )
                for p in b
            ]
            t, c = time.perf_counter(), time.process_time()
            triager.triage(records)
            engine_seconds.append(time.perf_counter() - t)
            engine_cpu += time.process_time() - c
        ingest_seconds = []
        ingest_cpu = 0.0
        for b in batches:
            t, c = time.perf_counter(), time.process_time()
            result = services.ingest_posts(b)
            ingest_seconds.append(time.perf_counter() - t)
            ingest_cpu += time.process_time() - c
            assert result.new == len(b), result.as_dict()
        t = time.perf_counter()
        replay = services.ingest_posts(batches[0])
        replay_seconds = time.perf_counter() - t
        assert replay.duplicate == len(batches[0])
        assert replay.new == 0
        stored = Post.objects.count()
        conversations = Conversation.objects.count()
    ingest_rate = len(posts) / sum(ingest_seconds)
    engine_rate = len(posts) / sum(engine_seconds)
    return {
        "posts": len(posts),
        "stored": stored,
        "conversations": conversations,
        "ingest_rate": ingest_rate,
        "engine_rate": engine_rate,
        "ingest_cpu_rate": len(posts) / ingest_cpu,
        "engine_cpu_rate": len(posts) / engine_cpu,
        "load": os.getloadavg()[0],
        "batch_median_ms": statistics.median(ingest_seconds) * 1000,
        "replay_rate": len(batches[0]) / replay_seconds,
    }


def report(db: str, r: dict[str, float]) -> None:
    print(
        f"{db:<10} ingest_posts: {r['ingest_rate']:>7,.0f} posts/s wall, "
        f"{r['ingest_cpu_rate']:>7,.0f} posts/s of CPU time ({r['posts']:,.0f} posts, batches "
        f"of 1,000, median batch {r['batch_median_ms']:.0f} ms; "
        f"{r['conversations']:,.0f} conversations)"
    )
    print(
        f"{db:<10} baseline, triage engine alone: {r['engine_rate']:>7,.0f} posts/s wall, "
        f"{r['engine_cpu_rate']:>7,.0f} of CPU time; ratio ingest/engine = "
        f"{r['ingest_rate'] / r['engine_rate']:.2f} "
        f"(CPU {r['ingest_cpu_rate'] / r['engine_cpu_rate']:.2f})"
    )
    print(f"{db:<10} a replayed batch (all duplicates): {r['replay_rate']:>7,.0f} posts/s")
    print(f"{db:<10} load average during the run: {r['load']:.1f} (on {os.cpu_count()} cores)")
    if db == "sqlite":
        verdict = "meets" if r["ingest_rate"] >= 5000 else "misses"
        print(f"{db:<10} target >= 5,000 posts/s on SQLite (wall): {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--posts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument(
        "--no-freeze",
        action="store_true",
        help="skip services.warm_up()'s gc.freeze, to see what it is worth",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.db == "both":
        # Each database in its own process: Django binds to one database per process.
        for db in ("sqlite", "postgres"):
            if db == "postgres" and not pg_available():
                print(f"postgres   SKIPPED: no PostgreSQL at {PG_BASE} (set EV_BENCH_PG_URL).")
                continue
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--db",
                    db,
                    "--posts",
                    str(args.posts),
                    "--batch",
                    str(args.batch),
                    *(["--no-freeze"] if args.no_freeze else []),
                ],
                check=True,
            )
        return
    report(args.db, run(args.db, args.posts, args.batch, no_freeze=args.no_freeze))


if __name__ == "__main__":
    main()
