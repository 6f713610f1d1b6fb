from __future__ import annotations

import getpass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from escapevelocity.org import permissions, services
from escapevelocity.org.models import Role, Unit


class Command(BaseCommand):
    help = "Create a person who can log in, optionally with a role in a unit."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--unit", help="unit key to give the role in")
        parser.add_argument("--role", choices=Role.values)
        parser.add_argument("--superuser", action="store_true", help="installation administrator")
        parser.add_argument(
            "--password-stdin", action="store_true", help="read the password from stdin"
        )

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        if bool(options["unit"]) != bool(options["role"]):
            raise CommandError("--unit and --role go together.")
        if options["password_stdin"]:
            import sys

            password = sys.stdin.readline().rstrip("\n")
        else:
            password = getpass.getpass("Password: ")
        # Creating people is the strategist's act; from the console the installer acts for them.
        actor = permissions.system_actor()
        try:
            user = services.person_create(
                actor=actor,
                username=options["username"],
                email=options["email"],
                password=password,
            )
            if options["superuser"]:
                user.is_superuser = True
                user.is_staff = True
                user.save(update_fields=["is_superuser", "is_staff"])
            if options["unit"]:
                unit = Unit.objects.filter(key=options["unit"]).first()
                if unit is None:
                    raise ValidationError({"unit": [f"No unit with key '{options['unit']}'."]})
                services.membership_set(actor=actor, user=user, unit=unit, role=options["role"])
        except ValidationError as exc:
            problems = "; ".join(f"{f}: {' '.join(m)}" for f, m in exc.message_dict.items())
            raise CommandError(problems) from exc
        self.stdout.write(f"Created {user.username}.")
