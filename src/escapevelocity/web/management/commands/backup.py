from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection


def backup_sqlite(source: Path, target: Path) -> None:
    """Copy a live SQLite database with SQLite's online backup (consistent while the app
    writes), then check the copy's integrity."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    dst = sqlite3.connect(target)
    try:
        with dst:
            src.backup(dst, pages=1024)
        (verdict,) = dst.execute("PRAGMA integrity_check").fetchone()
    finally:
        dst.close()
        src.close()
    if verdict != "ok":
        raise CommandError(f"The copy failed SQLite's integrity check: {verdict}")


def backup_postgresql(settings_dict: dict[str, Any], target: Path) -> None:
    """pg_dump in its custom format (restore with pg_restore); the password travels in the
    environment, never on the command line."""
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise CommandError("pg_dump is not installed (Debian: apt-get install postgresql-client).")
    env = {**os.environ}
    for key, name in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER")):
        if settings_dict.get(key):
            env[name] = str(settings_dict[key])
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    # No shell; the program is pg_dump on PATH and the arguments are our own settings.
    completed = subprocess.run(  # noqa: S603
        [
            pg_dump,
            "--format=custom",
            "--no-owner",
            f"--file={target}",
            f"--dbname={settings_dict['NAME']}",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        target.unlink(missing_ok=True)
        raise CommandError(f"pg_dump failed: {completed.stderr.strip()}")


class Command(BaseCommand):
    help = "Back up the database to a file (SQLite online backup, or pg_dump on PostgreSQL)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="the backup file to write")
        parser.add_argument("--force", action="store_true", help="overwrite an existing file")

    def handle(self, *args: Any, **options: Any) -> None:
        target = Path(options["path"]).expanduser().resolve()
        if target.exists() and not options["force"]:
            raise CommandError(f"{target} exists; pass --force to overwrite it.")
        if not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a folder.")
        target.unlink(missing_ok=True)
        if connection.vendor == "sqlite":
            source = Path(connection.settings_dict["NAME"])
            if not source.exists():
                raise CommandError(f"No database at {source}: nothing to back up.")
            backup_sqlite(source, target)
            how = "SQLite online backup; restore by copying it over the stopped database file"
        elif connection.vendor == "postgresql":
            backup_postgresql(connection.settings_dict, target)
            how = "pg_dump custom format; restore with pg_restore (docs/operations.md)"
        else:
            raise CommandError(f"No backup method for {connection.vendor}.")
        size = target.stat().st_size
        self.stdout.write(f"Backed up to {target} ({size:,} bytes; {how}).")
