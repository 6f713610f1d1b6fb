from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from escapevelocity.demo import seed


class Command(BaseCommand):
    help = "Build the demo company on the embedded database and serve it on 127.0.0.1:8000."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="only build the demo data")
        parser.add_argument("--reset", action="store_true", help="delete the demo database first")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        db = settings.DATABASES["default"]
        if options["reset"]:
            if db["ENGINE"] != "django.db.backends.sqlite3":
                self.stderr.write("--reset only deletes the embedded SQLite database; refusing.")
                return
            from django.db import connections

            connections.close_all()
            for suffix in ("", "-wal", "-shm"):
                path = settings.DATA_DIR / f"escapevelocity.sqlite3{suffix}"
                path.unlink(missing_ok=True)
            self.stdout.write("Deleted the demo database.")
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if seed.demo_exists():
            self.stdout.write("The demo company exists already: reusing it (--reset rebuilds).")
        else:
            self.stdout.write("Building the demo company, Lumen Telecom…")
            seed.seed_all(log=lambda msg: self.stdout.write(f"  {msg}"))
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write("")
        self.stdout.write(f"Escape Velocity demo: {url}")
        self.stdout.write(f"Every demo login uses the password: {seed.DEMO_PASSWORD}")
        for p in seed.PEOPLE:
            self.stdout.write(
                f"  {p.username:<7} {p.first_name} {p.last_name}, {p.role} in {p.unit}"
            )
        if options["no_serve"]:
            return
        from escapevelocity.web.management.commands.serve import serve

        self.stdout.write(f"\nServing on {url} (Ctrl-C stops)")
        self.stdout.flush()
        serve(host="127.0.0.1", port=options["port"], workers=2)
