"""`ev listen NAME`: read a network through a connector until SIGTERM, and send its replies."""

from __future__ import annotations

import threading
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections, connection

from escapevelocity import connectors as pure
from escapevelocity.care import listen
from escapevelocity.care.models_connectors import Connector, ConnectorKind
from escapevelocity.care.services import warm_up
from escapevelocity.stopping import stop_on_signals


class Command(BaseCommand):
    help = "Listen to a network through a connector (see docs/connectors.md); SIGTERM stops it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="the connector's name (ev listen --list)")
        parser.add_argument("--list", action="store_true", help="list connectors and their health")
        parser.add_argument(
            "--once", action="store_true", help="one round (pollers: until caught up), then exit"
        )
        parser.add_argument(
            "--replies-every",
            type=float,
            default=10.0,
            help="seconds between passes that send inbox replies (0: do not send)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            self.list_connectors()
            return
        name = options["name"]
        if not name:
            raise CommandError("Name a connector: ev listen NAME (ev listen --list shows them).")
        connector = Connector.objects.filter(name=name).first()
        if connector is None:
            raise CommandError(f"No connector named {name!r} (ev listen --list shows them).")
        if not connector.enabled:
            raise CommandError(f"{name} is disabled.")
        if not options["once"]:
            warm_up()
        with stop_on_signals(threading.Event()) as stop:
            self.listen(connector, stop, once=options["once"], every=options["replies_every"])
        if options["once"] and options["replies_every"] > 0:
            listen.replies_enqueue()
            listen.replies_deliver(connector=connector)
        self.stdout.write(f"{name} stopped.")

    def listen(
        self, connector: Connector, stop: threading.Event, *, once: bool, every: float
    ) -> None:
        name = connector.name
        replies = None
        if every > 0 and not once:
            replies = threading.Thread(
                target=self.send_replies,
                args=(connector, stop, every),
                name=f"replies-{name}",
                daemon=True,
            )
            replies.start()
        self.stdout.write(
            f"Listening with {name} ({ConnectorKind(connector.kind).label}); Ctrl-C stops."
        )
        try:
            listen.run_listener(connector=connector, stop=stop, max_rounds=1 if once else None)
        except pure.PermanentError as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise CommandError(
                f"{name}: could not store posts: {'; '.join(exc.messages)}"
            ) from None
        finally:
            stop.set()
            if replies is not None:
                replies.join(timeout=30)

    def send_replies(self, connector: Connector, stop: threading.Event, every: float) -> None:
        try:
            while not stop.is_set():
                close_old_connections()
                listen.replies_enqueue()
                listen.replies_deliver(connector=connector)
                stop.wait(every)
        finally:
            connection.close()

    def list_connectors(self) -> None:
        rows = Connector.objects.order_by("name")
        if not rows:
            self.stdout.write("No connectors yet (see docs/connectors.md).")
            return
        for c in rows:
            lag = f"{c.lag_seconds:.0f}s" if c.lag_seconds is not None else "-"
            last = c.last_event_at.isoformat(timespec="seconds") if c.last_event_at else "never"
            self.stdout.write(
                f"{c.name:<24} {c.kind:<18} {c.state:<10} last event {last}  lag {lag}  "
                f"posts {c.posts_read}  problems {c.problems}  errors {c.errors}"
                + (f"  last error: {c.last_error}" if c.consecutive_errors else "")
            )
