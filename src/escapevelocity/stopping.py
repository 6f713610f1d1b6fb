"""Stop a long-running command on SIGTERM or Ctrl-C, safely.

The obvious way, `signal.signal(SIGTERM, lambda *_: stop.set())`, can hang the process for
good. Python runs a signal handler in the main thread between two bytecodes, and that may be
while the main thread is inside `stop.wait()` holding the event's own lock; `stop.set()` then
waits for a lock its own thread holds (tests/web/test_stopping.py shows it). A scheduler calling
`stop.wait(0.05)` twenty times a second is exposed to it; a CI run once waited in vain for a
scheduler to stop, though that it was this was never shown.

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
    handlers after it. Call from the main thread (Python's rule for signal handlers).

    The process has one wakeup pipe: while the block runs it is this one, so do not nest these
    blocks or install asyncio signal handlers inside one. The first signal sets `stop`; a second
    one during the shutdown that follows does nothing more (SIGKILL still ends the process)."""
    if threading.current_thread() is not threading.main_thread():
        raise ValueError("stop_on_signals works only in the main thread")
    wanted = {int(sig) for sig in signals}

    with contextlib.ExitStack() as undo:
        read_end, write_end = os.pipe()
        undo.callback(os.close, read_end)
        undo.callback(os.close, write_end)
        os.set_blocking(write_end, False)

        def watch() -> None:
            while chunk := os.read(read_end, 64):
                for number in chunk:
                    if number in wanted:
                        stop.set()
                        return
                    if number == _CLOSE[0]:
                        return

        watcher = threading.Thread(target=watch, name="stop-on-signals", daemon=True)
        watcher.start()

        def finish() -> None:
            with contextlib.suppress(BlockingIOError):
                os.write(write_end, _CLOSE)
            watcher.join(timeout=5)
            if watcher.is_alive():  # never seen; the reader still holds the pipe, so keep it
                undo.pop_all()

        undo.callback(finish)
        previous_fd = signal.set_wakeup_fd(write_end, warn_on_full_buffer=False)
        undo.callback(signal.set_wakeup_fd, previous_fd)
        for sig in signals:
            undo.callback(signal.signal, sig, signal.signal(sig, _ignore))
        yield stop
