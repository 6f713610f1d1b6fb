"""Django's `flush`, which also empties the governance audit log on SQLite.

Flushing wipes the whole database: an operator's deliberate act at the console, which the test
runner also performs between browser tests. On PostgreSQL flush uses TRUNCATE, which the audit
trigger does not block. SQLite has no TRUNCATE and flush uses DELETE, which the audit trigger
refuses unless governance_audit_purge holds a row for the length of the flush.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as FlushCommand
from django.db import DEFAULT_DB_ALIAS, connections


class Command(FlushCommand):
    def handle(self, **options: Any) -> None:
        connection = connections[options.get("database") or DEFAULT_DB_ALIAS]
        switch = connection.vendor == "sqlite" and (
            "governance_audit_purge" in connection.introspection.table_names()
        )
        if switch:
            with connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO governance_audit_purge (since) VALUES (datetime('now'))"
                )
        try:
            super().handle(**options)
        finally:
            if switch:
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM governance_audit_purge")
