from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from escapevelocity.web import jobs
from escapevelocity.web.models import JobRun, RunStatus, ScheduledJob

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 22, 8, 0, 5, tzinfo=UTC)
calls: list[dict[str, Any]] = []


def count_call(*, now: datetime, actor: Any) -> int:
    calls.append({"now": now, "actor": actor})
    return len(calls)


def explode() -> None:
    raise RuntimeError("the SLA table is on fire")


@pytest.fixture(autouse=True)
def _reset() -> None:
    calls.clear()


SPEC = jobs.JobSpec("test.count", "tests.scale.test_jobs.count_call", 60)


def test_it_runs_a_due_job_once_per_interval() -> None:
    job = [(SPEC, count_call)]
    assert len(jobs.run_due(now=T0, runner="a", jobs=job)) == 1
    assert jobs.run_due(now=T0 + timedelta(seconds=30), runner="b", jobs=job) == []
    assert jobs.run_due(now=T0, runner="c", jobs=job) == []
    assert len(jobs.run_due(now=T0 + timedelta(seconds=55), runner="b", jobs=job)) == 1
    assert len(calls) == 2
    assert [r.slot for r in JobRun.objects.order_by("slot")] == [
        datetime(2026, 11, 22, 8, 0, tzinfo=UTC),
        datetime(2026, 11, 22, 8, 1, tzinfo=UTC),
    ]


def test_it_passes_the_time_and_the_system_actor() -> None:
    jobs.run_due(now=T0, runner="a", jobs=[(SPEC, count_call)])
    assert calls[0]["now"] == T0
    assert calls[0]["actor"].username == "(system)"


def test_it_records_the_run_and_the_job_state() -> None:
    [run] = jobs.run_due(now=T0, runner="host:1", jobs=[(SPEC, count_call)])
    run.refresh_from_db()
    assert (run.status, run.runner, run.error) == (RunStatus.OK, "host:1", "")
    assert run.finished_at is not None
    job = ScheduledJob.objects.get(name="test.count")
    assert job.last_status == RunStatus.OK
    assert job.last_success_at == run.finished_at
    assert job.next_run_at == datetime(2026, 11, 22, 8, 1, tzinfo=UTC)


def test_it_records_a_failure_and_tries_again_next_interval() -> None:
    spec = jobs.JobSpec("test.explode", "tests.scale.test_jobs.explode", 60)
    [run] = jobs.run_due(now=T0, runner="a", jobs=[(spec, explode)])
    assert run.status == RunStatus.FAILED
    assert "the SLA table is on fire" in run.error
    assert ScheduledJob.objects.get(name="test.explode").last_success_at is None
    assert jobs.run_due(now=T0 + timedelta(seconds=1), runner="a", jobs=[(spec, explode)]) == []
    assert len(jobs.run_due(now=T0 + timedelta(minutes=1), runner="a", jobs=[(spec, explode)]))


def test_it_catches_up_with_one_run_after_downtime() -> None:
    job = [(SPEC, count_call)]
    jobs.run_due(now=T0, runner="a", jobs=job)
    later = T0 + timedelta(hours=5, seconds=7)
    assert len(jobs.run_due(now=later, runner="a", jobs=job)) == 1
    assert jobs.run_due(now=later + timedelta(seconds=1), runner="b", jobs=job) == []
    assert ScheduledJob.objects.get(name="test.count").next_run_at == datetime(
        2026, 11, 22, 13, 1, tzinfo=UTC
    )


def test_it_never_runs_an_interval_twice_even_if_the_lease_row_is_rewound() -> None:
    job = [(SPEC, count_call)]
    jobs.run_due(now=T0, runner="a", jobs=job)
    ScheduledJob.objects.filter(name="test.count").update(next_run_at=T0 - timedelta(hours=1))
    assert jobs.run_due(now=T0, runner="b", jobs=job) == []
    assert len(calls) == 1


def test_it_aligns_intervals_to_the_epoch() -> None:
    assert jobs.slot_of(T0, 60) == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert jobs.slot_of(T0, 3600) == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)
    assert jobs.slot_of(T0, 86400) == datetime(2026, 11, 22, tzinfo=UTC)


def test_it_skips_jobs_whose_callable_is_not_in_this_build(settings: Any) -> None:
    settings.EV_SCHEDULED_JOBS = {
        "test.missing": ("escapevelocity.nowhere.services.sweep", 60),
        "test.count": ("tests.scale.test_jobs.count_call", 60),
    }
    names = {spec.name for spec, _target in jobs.registered()}
    assert "test.count" in names
    assert "test.missing" not in names
    assert "web.prune_job_runs" in names
    assert "test.missing" in {spec.name for spec in jobs.job_specs()}


def test_it_refuses_an_interval_under_a_second() -> None:
    with pytest.raises(ValueError, match="interval"):
        jobs.claim(jobs.JobSpec("bad", "x.y", 0), now=T0, runner="a")


def test_it_prunes_run_records_older_than_thirty_days() -> None:
    job = [(SPEC, count_call)]
    jobs.run_due(now=T0 - timedelta(days=40), runner="a", jobs=job)
    jobs.run_due(now=T0, runner="a", jobs=job)
    assert jobs.prune_job_runs(now=T0) == 1
    assert JobRun.objects.count() == 1


def test_it_lists_jobs_and_runs_due_ones_from_the_command(settings: Any) -> None:
    settings.EV_SCHEDULED_JOBS = {"test.missing": ("escapevelocity.nowhere.sweep", 60)}
    out = StringIO()
    call_command("scheduler", "--list", stdout=out)
    assert "test.missing" in out.getvalue()
    assert "skipped (not in this build)" in out.getvalue()
    assert "web.prune_job_runs" in out.getvalue()
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "web.prune_job_runs: ok" in out.getvalue()
    out = StringIO()
    call_command("scheduler", "--once", stdout=out)
    assert "web.prune_job_runs" not in out.getvalue()
