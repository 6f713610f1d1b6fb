"""`ev snapshot`: compute and store the daily values of every outcome metric."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date

from escapevelocity.outcomes import services


def _date(value: str) -> dt.date:
    day = parse_date(value)
    if day is None:
        raise CommandError(f"'{value}' is not a date (YYYY-MM-DD).")
    return day


class Command(BaseCommand):
    help = (
        "Store daily snapshots of every outcome metric (yesterday and today by default).\n"
        "So trends outlive the posts they were computed from. Run it daily (or let "
        "`ev scheduler` do it); --from/--to recomputes a range."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--day", type=_date, help="One day, YYYY-MM-DD")
        parser.add_argument("--from", dest="start", type=_date, help="First day to recompute")
        parser.add_argument("--to", dest="end", type=_date, help="Last day (default: today)")
        parser.add_argument("--days", type=int, help="The last N days up to today")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options["day"]:
            start = end = options["day"]
        elif options["start"]:
            start, end = options["start"], options["end"] or today
        elif options["days"] is not None:
            if options["days"] < 1:
                raise CommandError("--days must be at least 1.")
            start, end = today - dt.timedelta(days=options["days"] - 1), today
        else:
            start, end = today - dt.timedelta(days=1), today
        if end > today:
            raise CommandError("Snapshots cannot be taken of days to come.")
        try:
            total = services.snapshot_range(
                start=start,
                end=end,
                log_progress=lambda m: self.stdout.write(m) if options["verbosity"] > 1 else None,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        days = (end - start).days + 1
        self.stdout.write(f"Stored {total} values for {days} day(s), {start} to {end}.")
