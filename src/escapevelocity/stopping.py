"""Stop a long-running command on SIGTERM or Ctrl-C, safely.

The obvious way, `signal.signal(SIGTERM, lambda *_: stop.set())`, can hang the process for
good. Python runs a signal handler in the main thread between two bytecodes, and that may be
while the main thread is inside `stop.wait()` holding the event's own lock; `stop.set()` then
waits for a lock its own thread holds. A scheduler that calls `stop.wait(0.05)` twenty times a
second hit it (a CI run waited 30 s for a scheduler that never stopped).

So the handler here does nothing in Python: the interpreter's C-level handler writes the signal's
number to a pipe (`signal.set_wakeup_fd`), and a small thread that reads the pipe sets the event
from outside any signal handler.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
_CLOSE = b"\0"  # not a signal number: tells the reader to finish


def _ignore(_signum: int, _frame: FrameType | None) -> None:
    """A Python-level handler must be installed for the C-level one to write to the pipe."""


@contextlib.contextmanager
def stop_on_signals(
    stop: threading.Event, signals: tuple[signal.Signals, ...] = STOP_SIGNALS
) -> Iterator[threading.Event]:
    """Set `stop` when one of `signals` arrives, while the block runs; restore the previous
    handlers after it. Call from the main thread (Python's rule for signal handlers)."""
    wanted = {int(sig) for sig in signals}
    read_end, write_end = os.pipe()
    os.set_blocking(write_end, False)

    def watch() -> None:
        while chunk := os.read(read_end, 64):
            for number in chunk:
                if number in wanted:
                    stop.set()
                    return
                if number == _CLOSE[0]:
                    return

    previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
    previous = {sig: signal.signal(sig, _ignore) for sig in signals}
    watcher = threading.Thread(target=watch, name="stop-on-signals", daemon=True)
    watcher.start()
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(previous_fd)
        with contextlib.suppress(BlockingIOError):
            os.write(write_end, _CLOSE)
        watcher.join(timeout=5)
        os.close(write_end)
        if not watcher.is_alive():
            os.close(read_end)
