"""`ev demand_risk`: the hub's help-desk risk and its reasons, with optional what-ifs."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from escapevelocity.demand import selectors
from escapevelocity.planning import capacity


class Command(BaseCommand):
    help = "Forecast the hub's reactive load for 12 weeks and say where the program is heading."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--add-people", type=int, default=0, help="Hub people to add (or -n)")
        parser.add_argument(
            "--redirect-share", type=float, default=0.0, help="Share of requests sent to playbooks"
        )
        parser.add_argument(
            "--self-service", action="append", default=[], metavar="UNIT",
            help="A unit key moved to self-service (repeatable)",
        )  # fmt: skip
        parser.add_argument("--json", action="store_true", help="Print JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            scenario = capacity.Scenario(
                add_people=options["add_people"],
                redirect_share=options["redirect_share"],
                self_service_units=frozenset(options["self_service"]),
            )
        except ValueError as exc:
            self.stderr.write(str(exc))
            raise SystemExit(2) from exc
        a = selectors.risk_assessment(scenario)
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "verdict": a.verdict,
                        "reasons": list(a.reasons),
                        "crossing_week": a.crossing_week,
                        "load_next_4_weeks": round(a.load_next_4_weeks, 3),
                        "weekly_utilization": [round(w.utilization, 3) for w in a.weeks],
                    }
                )
            )
            return
        self.stdout.write(f"{a.verdict_label}.")
        for reason in a.reasons:
            self.stdout.write(f"- {reason}")
        self.stdout.write("week  requests  load")
        for w in a.weeks:
            start = w.start.isoformat() if w.start else str(w.index)
            self.stdout.write(f"{start}  {w.requests:8.1f}  {w.utilization:5.0%}")
