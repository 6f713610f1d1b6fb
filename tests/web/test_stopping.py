"""Long-running commands (`ev scheduler`, `ev listen`) stop on SIGTERM whenever it arrives,
including while their main thread is inside `stop.wait()` holding the event's own lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from escapevelocity.stopping import stop_on_signals

ROOT = Path(__file__).resolve().parents[2]

# The worst moment for the signal: the main thread holds the event's lock (as stop.wait() does
# on its way in and out) and runs more bytecode before letting go, which is where Python runs
# the handler.
SCRIPT = """
import os, signal, sys, threading
from escapevelocity.stopping import stop_on_signals

stop = threading.Event()
if sys.argv[1] == "naive":
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
else:
    guard = stop_on_signals(stop)  # kept: collecting it would end the block
    guard.__enter__()
print("ready", flush=True)
with stop._cond:
    os.kill(os.getpid(), signal.SIGTERM)
    total = sum(range(100_000))
print("stopped" if stop.wait(5) else "not stopped", flush=True)
"""


def _run(mode: str, timeout: float) -> subprocess.CompletedProcess[str] | str:
    """The finished process, or what it printed before it hung (and was killed)."""
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(SCRIPT), mode],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as hung:
        out = hung.stdout or b""
        return out.decode() if isinstance(out, bytes) else out


def test_it_stops_when_the_signal_arrives_while_the_event_lock_is_held() -> None:
    done = _run("safe", timeout=30)
    assert not isinstance(done, str), f"the process hung after printing {done!r}"
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ready", "stopped"]


def test_the_naive_handler_hangs_at_that_moment() -> None:
    # Why stop_on_signals exists: stop.set() in the handler waits for the lock its own thread
    # holds. (The child is killed when the timeout expires.) It got as far as taking the lock:
    hung = _run("naive", timeout=5)
    assert hung == "ready\n"


def test_it_sets_the_event_on_sigint_and_restores_the_handlers_after() -> None:
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    with stop_on_signals(threading.Event()) as stop:
        assert signal.getsignal(signal.SIGTERM) is not before[signal.SIGTERM]
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.wait(5)
    assert {sig: signal.getsignal(sig) for sig in before} == before


def test_it_leaves_the_event_alone_without_a_signal() -> None:
    with stop_on_signals(threading.Event(), signals=(signal.SIGTERM,)) as stop:
        assert not stop.wait(0.2)
    assert not stop.is_set()


def test_it_undoes_what_it_set_up_when_setting_up_fails() -> None:
    before = signal.getsignal(signal.SIGTERM)
    fds = len(os.listdir("/proc/self/fd"))
    # SIGKILL cannot be caught: signal.signal refuses it after SIGTERM's handler is in place.
    with (
        pytest.raises(OSError),
        stop_on_signals(threading.Event(), signals=(signal.SIGTERM, signal.SIGKILL)),
    ):
        pass
    assert signal.getsignal(signal.SIGTERM) is before
    assert len(os.listdir("/proc/self/fd")) == fds
    assert signal.set_wakeup_fd(-1) == -1  # the process's wakeup pipe was given back


def test_it_refuses_to_run_outside_the_main_thread() -> None:
    errors: list[Exception] = []

    def enter() -> None:
        try:
            with stop_on_signals(threading.Event()):
                pass
        except ValueError as exc:
            errors.append(exc)

    thread = threading.Thread(target=enter)
    thread.start()
    thread.join()
    assert len(errors) == 1
