"""The scale tests run workers and schedulers as separate processes against the real Redis and
PostgreSQL, on a database of their own (pytest-django's test database is invisible to another
process). Without the services they skip, except under CI=true, where that is a failure."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PG_URL = os.environ.get("EV_TEST_DATABASE_URL", "postgresql://root@127.0.0.1:5432/test")
BROKER_URL = os.environ.get("EV_TEST_BROKER_URL", "redis://127.0.0.1:6379/15")


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable ({exc})"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{message}, and CI=true: the scale tests need the real services.")
    pytest.skip(f"{message}: scale tests skipped.")


def _admin_connect():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(PG_URL, connect_timeout=3, autocommit=True)


def redis_client():  # type: ignore[no-untyped-def]
    import redis

    return redis.Redis.from_url(BROKER_URL, socket_timeout=5, socket_connect_timeout=3)


@dataclass
class ScaleEnv:
    database_url: str
    broker_url: str
    tmp: Path
    env: dict[str, str] = field(default_factory=dict)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def sql(self, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            return list(conn.execute(query, params).fetchall())

    def start(self, *args: str, log: str, **extra_env: str) -> subprocess.Popen[bytes]:
        """Start `ev <args>` in its own process group (so SIGKILL reaches its children)."""
        with (self.tmp / log).open("ab") as out:
            process = subprocess.Popen(
                [str(Path(sys.executable).parent / "ev"), *args],
                cwd=ROOT,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                preexec_fn=_no_core_dumps,  # SIGABRT (see kill_group) would leave one
            )
        self.processes.append(process)
        _LOGS[process.pid] = self.tmp / log
        return process

    def log(self, name: str) -> str:
        path = self.tmp / name
        return path.read_text(errors="replace") if path.exists() else ""


def _no_core_dumps() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


# Each started process's log, so a process that does not stop can be shown stuck.
_LOGS: dict[int, Path] = {}


def kill_group(process: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
    """Send `sig` to the process and its children (a worker's pool), then reap it.

    A process still running 30 seconds later is made to print every thread's stack (Python's
    faulthandler, on in these processes, answers SIGABRT) and the failure shows its log."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGABRT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        log = _LOGS.get(process.pid)
        tail = log.read_text(errors="replace")[-6000:] if log and log.exists() else "(no log)"
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        raise AssertionError(
            f"{process.args} did not stop within 30 s of signal {sig}; its log:\n{tail}"
        ) from None


@pytest.fixture(scope="session")
def scale_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ScaleEnv]:
    try:
        admin = _admin_connect()
    except Exception as exc:
        _unavailable(f"PostgreSQL at {PG_URL}", exc)
    try:
        redis_client().ping()
    except Exception as exc:
        admin.close()
        _unavailable(f"Redis at {BROKER_URL}", exc)
    name = f"ev_scale_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    parts = urlsplit(PG_URL)
    tmp = tmp_path_factory.mktemp("scale")
    env = ScaleEnv(urlunsplit(parts._replace(path=f"/{name}")), BROKER_URL, tmp)
    env.env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("EV_", "DJANGO_"))},
        "DJANGO_SETTINGS_MODULE": "tests.scale.worker_settings",
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        "EV_DATABASE_URL": env.database_url,
        "EV_BROKER_URL": BROKER_URL,
        "EV_BROKER_VISIBILITY_TIMEOUT": "3",
        "EV_SECRET_KEY": "scale-tests-only",
        "EV_DATA_DIR": str(tmp),
        "EV_TEST_FAULT_DIR": str(tmp),
        "EV_LOG_LEVEL": "INFO",
        "PYTHONFAULTHANDLER": "1",
    }
    try:
        subprocess.run(
            [sys.executable, "-m", "tests.scale.scaleenv", "prepare"],
            cwd=ROOT,
            env=env.env,
            check=True,
            timeout=120,
        )
        yield env
    finally:
        stuck = []
        for process in env.processes:
            try:
                kill_group(process)
            except AssertionError as exc:
                stuck.append(exc)
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
        if stuck:
            raise stuck[0]


@pytest.fixture
def broker(scale_env: ScaleEnv) -> Iterator[object]:
    """The scale tests' Redis database, empty before and after."""
    client = redis_client()
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis (database 15, emptied before and after) for tests in this process."""
    try:
        client = redis_client()
        client.ping()
    except Exception as exc:
        _unavailable(f"Redis at {BROKER_URL}", exc)
    client.flushdb()
    yield BROKER_URL
    client.flushdb()
