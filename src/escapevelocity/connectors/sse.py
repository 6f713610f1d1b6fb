"""Server-sent events (the WHATWG `text/event-stream` format), decoded line by line."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ServerEvent:
    """One dispatched event: its type (default "message"), data lines joined by newlines, id."""

    event: str
    data: str
    id: str | None = None


class SSEDecoder:
    """Turns the lines of an event stream into events; comments (":thump") are heartbeats."""

    def __init__(self) -> None:
        self._event = ""
        self._data: list[str] = []
        self._id: str | None = None
        self.last_event_id: str | None = None
        self.heartbeats = 0

    def feed(self, line: str) -> ServerEvent | None:
        """Take one line (without its line ending); return an event when a blank line ends one."""
        line = line.rstrip("\r\n")
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            self.heartbeats += 1
            return None
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
        return None

    def _dispatch(self) -> ServerEvent | None:
        if self._id is not None:
            self.last_event_id = self._id
        if not self._data:
            self._event = ""
            return None
        event = ServerEvent(
            event=self._event or "message", data="\n".join(self._data), id=self.last_event_id
        )
        self._event, self._data, self._id = "", [], None
        return event


def decode(lines: Iterable[str]) -> Iterator[ServerEvent]:
    """Yield the events in an iterable of lines; an unterminated last event is not dispatched."""
    decoder = SSEDecoder()
    for line in lines:
        event = decoder.feed(line)
        if event is not None:
            yield event
