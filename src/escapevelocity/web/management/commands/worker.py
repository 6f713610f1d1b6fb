from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Run a distributed-mode worker: stores the batches connectors publish (EV_BROKER_URL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--concurrency",
            type=int,
            default=os.cpu_count() or 1,
            help="worker processes (default: one per core)",
        )
        parser.add_argument(
            "--pool",
            choices=["prefork", "solo", "threads"],
            default="prefork",
            help="prefork (default) runs each batch in a child process; solo in this one",
        )
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument("--hostname", default=None, help="worker name, e.g. ingest@%%h")

    def handle(self, *args: Any, **options: Any) -> None:
        from escapevelocity.celery import app, broker_configured, worker_argv

        if not broker_configured():
            raise CommandError(
                "EV_BROKER_URL is not set. Without a broker, ingestion runs in-process and no "
                "worker is needed; with one (e.g. redis://127.0.0.1:6379/0), run `ev worker` on "
                "each worker machine."
            )
        if options["concurrency"] < 1:
            raise CommandError("--concurrency must be at least 1")
        app.worker_main(
            worker_argv(
                concurrency=options["concurrency"],
                pool=options["pool"],
                loglevel=options["loglevel"],
                hostname=options["hostname"],
            )
        )
