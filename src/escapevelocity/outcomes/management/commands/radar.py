"""`ev radar`: scan recent posts for spikes; alert by email and webhook."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from escapevelocity.outcomes import services


class Command(BaseCommand):
    help = (
        "Run the crisis radar: alert on spikes in volume or negative share.\n"
        "Scans the last four weeks of posts; new spikes become alerts, each with a crisis "
        "checklist, sent by email and signed webhook. Run it every few minutes (or let "
        "`ev scheduler` do it); a spike is alerted once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-notify", action="store_true", help="Record alerts without sending them"
        )
        parser.add_argument("--history-days", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        alerts = services.radar_run(
            notify=not options["no_notify"], history_days=options["history_days"]
        )
        for alert in alerts:
            self.stdout.write(f"ALERT {alert.detected_at:%Y-%m-%d %H:%M} {alert.summary}")
        self.stdout.write(f"{len(alerts)} new alert(s).")
