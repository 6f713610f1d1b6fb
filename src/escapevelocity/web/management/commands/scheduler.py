from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escapevelocity.stopping import stop_on_signals


class Command(BaseCommand):
    help = "Run scheduled jobs (dormancy, snapshots, radar, digests) once per interval; run many."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tick", type=float, default=5.0, help="seconds between checks (default 5)"
        )
        parser.add_argument("--once", action="store_true", help="run what is due, then exit")
        parser.add_argument("--list", action="store_true", help="list the jobs, then exit")

    def handle(self, *args: Any, **options: Any) -> None:
        from escapevelocity.web import jobs

        if options["list"]:
            found = {spec.name for spec, _target in jobs.registered()}
            for spec in jobs.job_specs():
                state = "runs" if spec.name in found else "skipped (not in this build)"
                self.stdout.write(f"{spec.name:<24} every {spec.interval:>6}s  {state}")
            return
        if options["tick"] <= 0:
            raise CommandError("--tick must be more than 0 seconds")
        if options["once"]:
            for run in jobs.run_due():
                self.stdout.write(f"{run.job.name}: {run.status}")
            return
        with stop_on_signals(threading.Event()) as stop:
            self.stdout.write(
                f"Scheduler running (checks every {options['tick']:g}s; Ctrl-C stops)"
            )
            count = jobs.run_forever(stop=stop, tick=options["tick"])
        self.stdout.write(f"Scheduler stopped after {count} runs.")
