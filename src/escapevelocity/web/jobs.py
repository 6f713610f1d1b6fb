"""Scheduled jobs that run once per interval however many schedulers run.

Each job has a row in `ScheduledJob` holding the time its next interval falls due. A runner takes
an interval with a conditional update — `UPDATE … SET next_run_at = <next> WHERE name = … AND
next_run_at = <what it read>` — which exactly one runner wins (healthchecks' way of claiming
work); a unique (job, interval) row in `JobRun` records the run and would refuse a second. So
any number of `ev scheduler` processes, on any number of machines, may run for redundancy.

A job that dies with its runner is not retried within that interval (never twice); the next
interval runs it again. The jobs themselves catch up on whatever fell due meanwhile.

Intervals are aligned to the Unix epoch (a 60-second job's intervals start on the minute), so
runners on different machines agree on them without talking to each other.
"""

from __future__ import annotations

import inspect
import logging
import os
import socket
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from escapevelocity.web.models import JobRun, RunStatus, ScheduledJob

logger = logging.getLogger(__name__)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KEEP_RUNS = timedelta(days=30)


@dataclass(frozen=True)
class JobSpec:
    """A job: its name, the dotted path of the callable, how often it runs (seconds), and the
    dotted path of what it needs from another app (skipped when that is not in the build)."""

    name: str
    target: str
    interval: int
    requires: str = ""


def outcomes_snapshots(*, now: datetime) -> int:
    """Store yesterday's and today's outcome metrics (Outcomes' `ev snapshot` default)."""
    from escapevelocity.outcomes import services

    today = timezone.localdate(now)
    return int(services.snapshot_range(start=today - timedelta(days=1), end=today, now=now))


def outcomes_digest() -> list[str]:
    """Mail the weekly outcomes digest; return the addresses it went to."""
    from escapevelocity.outcomes.digest import send_weekly_digest

    return list(send_weekly_digest())


def prune_job_runs(*, now: datetime) -> int:
    """Delete run records older than 30 days; return how many."""
    deleted, _ = JobRun.objects.filter(started_at__lt=now - KEEP_RUNS).delete()
    return deleted


# Every job the product knows. Those whose callable (or what it requires) does not exist in this
# build are skipped. A callable may take keyword arguments `now` and `actor` (the system actor);
# its return value is logged. SLA timers: Care computes SLA state when it reads (no sweep job
# exists in this build); `care.sla_sweep` is registered for when one does.
KNOWN_JOBS: tuple[JobSpec, ...] = (
    JobSpec("care.sla_timers", "escapevelocity.care.services.sla_sweep", 60),
    JobSpec("governance.dormancy", "escapevelocity.governance.services.dormancy_sweep", 3600),
    # digest_send refuses a second digest within six days: an hourly check mails weekly.
    JobSpec("governance.digest", "escapevelocity.governance.services.digest_send", 3600),
    JobSpec(
        "outcomes.snapshots",
        "escapevelocity.web.jobs.outcomes_snapshots",
        3600,
        requires="escapevelocity.outcomes.services.snapshot_range",
    ),
    JobSpec("outcomes.radar", "escapevelocity.outcomes.services.radar_run", 900),
    # Once per epoch-aligned week (Thursday 00:00 UTC): the lease is what keeps it to one mail.
    JobSpec(
        "outcomes.digest",
        "escapevelocity.web.jobs.outcomes_digest",
        7 * 86400,
        requires="escapevelocity.outcomes.digest.send_weekly_digest",
    ),
    JobSpec("web.prune_job_runs", "escapevelocity.web.jobs.prune_job_runs", 86400),
)


def _resolve(path: str) -> Callable[..., Any] | None:
    module_name, _, name = path.rpartition(".")
    try:
        module = import_module(module_name)
    except ImportError:
        return None
    target = getattr(module, name, None)
    return target if callable(target) else None


def job_specs() -> list[JobSpec]:
    """The known jobs plus any named in the EV_SCHEDULED_JOBS setting (name → (path, seconds))."""
    specs = {spec.name: spec for spec in KNOWN_JOBS}
    for name, (target, interval) in getattr(settings, "EV_SCHEDULED_JOBS", {}).items():
        specs[name] = JobSpec(name, target, int(interval))
    return sorted(specs.values(), key=lambda s: s.name)


def registered() -> list[tuple[JobSpec, Callable[..., Any]]]:
    """The jobs whose callables exist in this build, with the callable."""
    found = []
    for spec in job_specs():
        target = _resolve(spec.target)
        if target is None or (spec.requires and _resolve(spec.requires) is None):
            logger.debug("scheduled job %s skipped: %s does not exist", spec.name, spec.target)
            continue
        found.append((spec, target))
    return found


def slot_of(moment: datetime, interval: int) -> datetime:
    """The start of the interval (aligned to the Unix epoch) that contains `moment`."""
    seconds = int((moment - EPOCH).total_seconds())
    return EPOCH + timedelta(seconds=seconds - seconds % interval)


def default_runner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def claim(spec: JobSpec, *, now: datetime, runner: str) -> JobRun | None:
    """Take the interval containing `now` for this job, or return None when it is not due or
    another runner took it first."""
    if spec.interval < 1:
        raise ValueError(f"{spec.name}: interval must be at least one second")
    slot = slot_of(now, spec.interval)
    job, _created = ScheduledJob.objects.get_or_create(
        name=spec.name, defaults={"interval_seconds": spec.interval, "next_run_at": slot}
    )
    if job.next_run_at > now:
        return None
    won = ScheduledJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
        next_run_at=slot + timedelta(seconds=spec.interval),
        interval_seconds=spec.interval,
        last_started_at=now,
        last_status=RunStatus.RUNNING,
        last_runner=runner[:200],
    )
    if not won:
        return None
    try:
        with transaction.atomic():
            return JobRun.objects.create(job=job, slot=slot, runner=runner[:200], started_at=now)
    except IntegrityError:
        # The interval already has its run (clocks far apart, or the interval changed).
        return None


def _call(target: Callable[..., Any], now: datetime) -> Any:
    parameters = inspect.signature(target).parameters
    kwargs: dict[str, Any] = {}
    if "now" in parameters:
        kwargs["now"] = now
    if "actor" in parameters:
        from escapevelocity.org import permissions

        kwargs["actor"] = permissions.system_actor()
    return target(**kwargs)


def execute(run: JobRun, target: Callable[..., Any], *, now: datetime) -> JobRun:
    """Run a claimed job and record how it went (a failure is recorded, not raised)."""
    try:
        outcome = _call(target, now)
    except Exception as exc:
        logger.exception("scheduled job %s failed", run.job.name)
        run.status = RunStatus.FAILED
        run.error = "".join(traceback.format_exception_only(exc)).strip()[:2000]
    else:
        run.status = RunStatus.OK
        logger.info("scheduled job %s ran: %s", run.job.name, _summary(outcome))
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at"])
    fields: dict[str, Any] = {"last_finished_at": run.finished_at, "last_status": run.status}
    if run.status == RunStatus.OK:
        fields["last_success_at"] = run.finished_at
    ScheduledJob.objects.filter(pk=run.job_id, last_started_at=run.started_at).update(**fields)
    return run


def _summary(outcome: Any) -> str:
    if isinstance(outcome, list | set):
        return f"{len(outcome)} items"
    return repr(outcome)[:200]


def run_due(
    *,
    now: datetime | None = None,
    runner: str | None = None,
    jobs: Iterable[tuple[JobSpec, Callable[..., Any]]] | None = None,
) -> list[JobRun]:
    """Run every registered job whose interval is due and that no other runner has taken."""
    now = now or timezone.now()
    runner = runner or default_runner()
    done = []
    for spec, target in registered() if jobs is None else jobs:
        run = claim(spec, now=now, runner=runner)
        if run is not None:
            done.append(execute(run, target, now=now))
    return done


def run_forever(*, stop: threading.Event, tick: float = 5.0, runner: str | None = None) -> int:
    """Check for due jobs every `tick` seconds until `stop` is set; return how many ran."""
    runner = runner or default_runner()
    jobs = registered()
    count = 0
    while not stop.is_set():
        close_old_connections()
        try:
            count += len(run_due(runner=runner, jobs=jobs))
        except Exception:
            # A database outage must not kill the scheduler; it tries again next tick.
            logger.exception("scheduler tick failed")
        stop.wait(tick)
    return count
