"""Reconcile handles seen in Care's ingested posts with the account registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from escapevelocity.governance import services
from escapevelocity.org import permissions


class Command(BaseCommand):
    help = "Flag unregistered accounts that post as the company or that customers address as it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=7, help="look at posts of the last N days")

    def handle(self, *args: Any, **options: Any) -> None:
        since = timezone.now() - dt.timedelta(days=options["days"])
        result = services.discover_from_care(actor=permissions.system_actor(), since=since)
        self.stdout.write(result.summary())
