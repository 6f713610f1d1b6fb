"""`ev import posts FILE`: stream customer posts from CSV or JSON Lines into the care inbox."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from escapevelocity.care import services
from escapevelocity.care.importing import ImportFormatError, guess_format, parse_mapping
from escapevelocity.org import permissions


class Progress:
    """A one-line progress bar on a terminal; a line every tenth of the file otherwise."""

    def __init__(self, stream: Any, total: int, counter: Any) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.counter = counter
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.monotonic()
        self.next_tenth = 1

    def __call__(self, summary: services.ImportSummary) -> None:
        share = min(self.counter.count / self.total, 1.0)
        rate = summary.rows / max(time.monotonic() - self.started, 1e-6)
        bar = "#" * int(share * 30)
        line = (
            f"[{bar:<30}] {share:4.0%}  {summary.rows:,} rows  {summary.new:,} new  "
            f"{summary.duplicate:,} duplicate  {summary.rejected:,} rejected  {rate:,.0f} rows/s"
        )
        if self.tty:
            self.stream.write("\r" + line)
            self.stream.flush()
        elif share * 10 >= self.next_tenth:
            self.stream.write(line + "\n")
            self.next_tenth = int(share * 10) + 1

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


class Command(BaseCommand):
    help = "Import customer posts from a CSV or JSON Lines file (see docs/import.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True, title="what to import")
        posts = sub.add_parser("posts", help="customer posts, in the schema of docs/import.md")
        posts.add_argument("file", help="a .csv or .jsonl file")
        posts.add_argument("--format", choices=("csv", "jsonl"), help="default: from the name")
        posts.add_argument(
            "--map",
            default="",
            help="field=column pairs for other tools' exports, e.g. "
            "'external_id=tweet_id,author=author_id,reply_to_id=in_response_to_tweet_id'",
        )
        posts.add_argument(
            "--channel", default="import", help="channel for rows that name none (default import)"
        )
        posts.add_argument("--batch-size", type=int, default=1000)
        posts.add_argument("--quiet", action="store_true", help="no progress bar")
        posts.add_argument(
            "--show-errors", type=int, default=20, help="bad rows to list (default 20)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            fmt = options["format"] or guess_format(path.name)
            mapping = parse_mapping(options["map"])
        except ImportFormatError as exc:
            raise CommandError(str(exc)) from None
        from escapevelocity.care.importing import CountingReader

        services.warm_up()  # a long run: the engine loaded, the collector kept off it
        with path.open("rb") as raw:
            counter = CountingReader(raw)
            import io

            buffered = io.BufferedReader(counter, buffer_size=1 << 20)
            progress = (
                None
                if options["quiet"]
                else Progress(self.stderr._out, os.path.getsize(path), counter)
            )
            started = time.monotonic()
            try:
                summary = services.import_posts(
                    actor=permissions.system_actor(),
                    binary=buffered,
                    fmt=fmt,
                    mapping=mapping,
                    default_channel=options["channel"],
                    batch_size=options["batch_size"],
                    progress=progress,
                )
            except ImportFormatError as exc:
                raise CommandError(str(exc)) from None
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from None
            if progress is not None:
                progress.done()
        seconds = time.monotonic() - started
        self.stdout.write(
            f"{path.name}: {summary.rows:,} rows in {seconds:.1f} s — {summary.new:,} new, "
            f"{summary.duplicate:,} duplicate, {summary.rejected:,} rejected; "
            f"conversations opened: {summary.conversations_created:,}; posts threaded by reply "
            f"link: {summary.threaded_by_reply:,}, by the author's open conversation: "
            f"{summary.threaded_by_author:,}."
        )
        shown = summary.errors[: options["show_errors"]]
        for line, reason in shown:
            self.stdout.write(f"  line {line}: {reason}")
        if summary.rejected > len(shown):
            self.stdout.write(f"  … and {summary.rejected - len(shown):,} more bad rows")
        if summary.rejected and not summary.new and not summary.duplicate:
            sys.exit(1)
