"""`ev`: the product's command line. Every subcommand is a Django management command of one of
the product's apps, so each feature owns its commands; `ev manage …` reaches all of Django's."""

from __future__ import annotations

import os
import sys

ALIASES = {"migrate": "migrate", "createuser": "createuser"}
DEV_COMMANDS = {"demo"}
# Product apps override these Django commands for their own reasons; they stay under `ev manage`.
HIDDEN = {"flush"}


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "escapevelocity.settings")
    import django

    django.setup()


def _product_commands() -> dict[str, str]:
    from django.core.management import get_commands, load_command_class

    found = {}
    for name, app in sorted(get_commands().items()):
        if name in HIDDEN:
            continue
        if app.startswith("escapevelocity.") or name in ALIASES:
            command = load_command_class(app, name)
            found[name] = (command.help or "").strip().splitlines()[0] if command.help else ""
    return found


def _print_help(commands: dict[str, str]) -> None:
    print("usage: ev COMMAND [options]   (ev COMMAND --help for a command's options)\n")
    print("commands:")
    width = max(len(n) for n in [*commands, "manage"]) + 2
    for name, line in commands.items():
        print(f"  {name:<{width}}{line}")
    print(f"  {'manage':<{width}}Run any Django management command (ev manage help lists them).")


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in DEV_COMMANDS:
        # The demo is a local trial: it may create its own secret key under EV_DATA_DIR.
        os.environ.setdefault("EV_DEV_SECRET", "1")
    _setup()
    from django.core.management import execute_from_command_line

    if not args or args[0] in {"-h", "--help", "help"}:
        _print_help(_product_commands())
        return
    if args[0] == "manage":
        execute_from_command_line(["ev manage", *args[1:]])
        return
    commands = _product_commands()
    if args[0] not in commands:
        print(f"ev: unknown command '{args[0]}'\n", file=sys.stderr)
        _print_help(commands)
        sys.exit(2)
    execute_from_command_line(["ev", *args])
