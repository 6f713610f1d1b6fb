"""`ev outcomes_digest`: email the weekly executive digest with the report attached."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from escapevelocity.outcomes import digest


class Command(BaseCommand):
    help = (
        "Email the weekly executive digest (last 7 days, report attached).\n"
        "The three business numbers in the mail and the self-contained executive report "
        "attached. Run it weekly (cron) or let `ev scheduler` do it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--to", action="append", default=[], help="Send to (repeatable)")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = digest.send_weekly_digest(recipients=options["to"] or None)
        if sent:
            self.stdout.write(f"Digest sent to {', '.join(sent)}.")
        else:
            self.stdout.write("No recipients: set digest emails in outcome settings or pass --to.")
