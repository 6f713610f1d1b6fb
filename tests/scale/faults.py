"""Fault injection for the scale tests, loaded inside the worker and scheduler processes.

EV_TEST_FAULT lists where a worker process stops dead, waiting to be killed, e.g. "mid:3,after:3":
- "mid:N": on the process's Nth batch, inside the batch's transaction, after Care wrote
  everything but before the commit;
- "after:N": on the process's Nth batch, after the commit, before the worker acknowledges.
Faults fire in order, each once: it writes EV_TEST_FAULT_DIR/<kind>.ready (with its pid and the
batch's first external id) and sleeps, so the test kills at exactly that moment.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from escapevelocity.care.services import ingest_posts

_batches = 0


def _armed() -> tuple[str, int] | None:
    for fault in filter(None, os.environ.get("EV_TEST_FAULT", "").split(",")):
        kind, _, at = fault.partition(":")
        if not _marker(kind).exists():
            return kind, int(at)
    return None


def _marker(kind: str) -> Path:
    return Path(os.environ["EV_TEST_FAULT_DIR"], f"{kind}.ready")


def _stop_dead(kind: str, posts: Sequence[Mapping[str, Any]]) -> None:
    partial = _marker(kind).with_suffix(".tmp")
    partial.write_text(json.dumps({"pid": os.getpid(), "first": posts[0]["external_id"]}))
    partial.rename(_marker(kind))
    time.sleep(120)  # the test SIGKILLs this process long before
    raise RuntimeError("fault injection: the test did not kill the worker")


def ingest(posts: Sequence[Mapping[str, Any]], *, default_channel: str = "") -> Any:
    global _batches
    _batches += 1
    armed = _armed()
    if armed is None or armed[1] != _batches:
        return ingest_posts(posts, default_channel=default_channel)
    if armed[0] == "mid":
        with transaction.atomic():
            ingest_posts(posts, default_channel=default_channel)
            _stop_dead("mid", posts)
    result = ingest_posts(posts, default_channel=default_channel)
    _stop_dead("after", posts)
    return result


def tally(*, now: datetime) -> None:
    """The scheduled-once test's job: one row per call, kept apart from the scheduler's own
    records, so a second run of an interval would show."""
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO scale_tally (ran_for, pid) VALUES (%s, %s)", [now, os.getpid()])
    time.sleep(0.1)  # long enough for the other runners to try the same interval meanwhile
