"""Send the weekly governance digest: new unapproved accounts and dormant ones, to the hub.

Schedule it weekly (cron, a systemd timer, Celery beat). It first flags dormant accounts, and
refuses to send a second digest within six days unless --force, so a double run mails once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from escapevelocity.governance import services
from escapevelocity.org import permissions


class Command(BaseCommand):
    help = "Flag dormant accounts and email the hub the weekly governance digest."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="send even if one went out")
        parser.add_argument(
            "--dry-run", action="store_true", help="print the digest instead of sending it"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = permissions.system_actor()
        if options["dry_run"]:
            digest = services.digest_build(actor=actor)
            self.stdout.write(f"To: {', '.join(digest.recipients) or '(nobody)'}")
            self.stdout.write(f"Subject: {digest.subject}\n\n{digest.body}")
            return
        sent, _digest, message = services.digest_send(actor=actor, force=options["force"])
        self.stdout.write(("Sent. " if sent else "Not sent. ") + message)
