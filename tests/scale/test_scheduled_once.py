"""Scheduled jobs run once per interval however many schedulers run: four `ev scheduler`
processes race for a one-second job on the real PostgreSQL."""

from __future__ import annotations

import signal
import time
from collections import Counter

import pytest

from tests.scale.conftest import ScaleEnv, kill_group

pytestmark = pytest.mark.postgres

RUNNERS = 4
RUN_FOR = 4.0  # seconds during which all runners are up


def _all_running(env: ScaleEnv) -> bool:
    return all("Scheduler running" in env.log(f"sched-{i}.log") for i in range(RUNNERS))


def test_it_runs_each_interval_once_however_many_schedulers_run(scale_env: ScaleEnv) -> None:
    runners = [
        scale_env.start("scheduler", "--tick=0.05", log=f"sched-{i}.log") for i in range(RUNNERS)
    ]
    deadline = time.monotonic() + 60
    while not _all_running(scale_env):
        assert time.monotonic() < deadline, scale_env.log("sched-0.log")[-2000:]
        assert all(r.poll() is None for r in runners), scale_env.log("sched-0.log")[-2000:]
        time.sleep(0.1)
    [(first,)] = scale_env.sql("SELECT now()")
    time.sleep(RUN_FOR)
    [(last,)] = scale_env.sql("SELECT now()")
    for runner in runners:
        kill_group(runner, signal.SIGTERM)
        assert runner.returncode == 0

    rows = scale_env.sql("SELECT date_trunc('second', ran_for), pid FROM scale_tally")
    per_second = Counter(second for second, _pid in rows)
    assert per_second, "the job never ran"
    twice = {second: n for second, n in per_second.items() if n > 1}
    assert not twice, f"intervals run more than once: {twice}"
    # Every whole second while all four were up had its run: claiming is exclusive, not lossy.
    covered = {
        s for s in per_second if first.replace(microsecond=0) < s < last.replace(microsecond=0)
    }
    # (Seconds outside that window are not checked: while four processes start or stop on two
    # cores one may be starved for a second, and a missed interval is skipped by design.)
    assert len(covered) >= int(RUN_FOR) - 1
    # The scheduler's own records agree with the job's side effects ...
    [(recorded,)] = scale_env.sql(
        "SELECT count(*) FROM web_jobrun r JOIN web_scheduledjob j ON j.id = r.job_id "
        "WHERE j.name = 'test.tally'"
    )
    assert recorded == len(rows)
    # ... and the product's hourly and daily jobs ran once between the four of them.
    others = dict(
        scale_env.sql(
            "SELECT j.name, count(*) FROM web_jobrun r JOIN web_scheduledjob j "
            "ON j.id = r.job_id WHERE j.name <> 'test.tally' GROUP BY j.name"
        )
    )
    assert others, "no product job is registered"
    assert set(others.values()) == {1}
