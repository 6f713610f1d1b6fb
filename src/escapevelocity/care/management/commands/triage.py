"""`ev triage`: evaluate and train the triage models (the logic is in escapevelocity.triage.cli)."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from escapevelocity.triage import cli


def _corrections() -> Sequence[tuple[str, str]]:
    try:
        selectors = importlib.import_module("escapevelocity.care.selectors")
    except ImportError as exc:
        raise cli.CliError(f"the Care app's selectors cannot be imported: {exc}") from None
    loader = getattr(selectors, "routing_training_examples", None)
    if loader is None:
        raise cli.CliError(
            "escapevelocity.care.selectors.routing_training_examples() does not exist yet: "
            "this installation cannot read the team's corrections"
        )
    return list(loader())


class Command(BaseCommand):
    help = "Evaluate the triage models on a labeled CSV (eval) or train them (train)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "args",
            nargs=argparse.REMAINDER,
            help="eval --task … --data … | train [--corrections] (ev triage eval --help)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        status = cli.main(
            list(args),
            corrections=_corrections,
            data_dir=settings.DATA_DIR,
            stdout=self.stdout,
            stderr=self.stderr,
        )
        if status:
            # the error is already on stderr; exit with its status, as argparse does
            raise SystemExit(status)
