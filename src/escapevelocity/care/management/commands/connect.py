"""`ev connect NAME --kind KIND`: configure a connector; its secrets are asked for, never echoed."""

from __future__ import annotations

import getpass
import json
import os
import sys
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from escapevelocity.care import listen
from escapevelocity.care.models_connectors import ConnectorKind
from escapevelocity.org import permissions


class Command(BaseCommand):
    help = "Configure a connector (see docs/connectors.md); secrets are read without echo."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="a short name, e.g. mastodon-acme")
        parser.add_argument("--kind", required=True, choices=ConnectorKind.values)
        parser.add_argument("--account", default="", help="the company's handle on the network")
        parser.add_argument("--channel", default="", help="the Care channel (default by kind)")
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help="e.g. base_url=https://mastodon.social, hashtag=acme, keywords=a,b, "
            'url=https://…/feed, accounts={"did:plc:…": "acme.com"}',
        )
        parser.add_argument(
            "--keep-credentials", action="store_true", help="change settings, keep stored secrets"
        )
        parser.add_argument("--disable", action="store_true", help="stored but not listening")

    def handle(self, *args: Any, **options: Any) -> None:
        settings: dict[str, Any] = {}
        for item in options["option"]:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise CommandError(f"--option {item!r}: use KEY=VALUE")
            value = value.strip()
            if value[:1] in "{[":
                try:
                    settings[key.strip()] = json.loads(value)
                except ValueError:
                    raise CommandError(f"--option {key}: not valid JSON") from None
            else:
                settings[key.strip()] = value
        kind = options["kind"]
        credentials = None
        if not options["keep_credentials"]:
            names = dict.fromkeys(
                [*listen.READ_CREDENTIALS.get(kind, ()), *listen.REPLY_CREDENTIALS.get(kind, ())]
            )
            credentials = {name: self.secret(name) for name in names}
        try:
            connector = listen.connector_save(
                actor=permissions.system_actor(),
                name=options["name"],
                kind=kind,
                options=settings,
                account=options["account"],
                channel=options["channel"],
                credentials=credentials,
                enabled=not options["disable"],
            )
        except ValidationError as exc:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in exc.message_dict.items())
            ) from None
        stored = "credentials stored encrypted" if connector.has_credentials else "no credentials"
        self.stdout.write(
            f"Saved {connector.name} ({ConnectorKind(connector.kind).label}; {stored})."
        )
        self.stdout.write(f"Run it with: ev listen {connector.name}")

    def secret(self, name: str) -> str:
        """From EV_CONNECT_<NAME> when set (scripts), else asked for on the terminal."""
        from_env = os.environ.get(f"EV_CONNECT_{name.upper()}", "")
        if from_env or not sys.stdin.isatty():
            return from_env
        return getpass.getpass(f"{name} (not echoed; empty to skip): ")
