"""The database itself refuses to change or delete a governance audit entry.

PostgreSQL: a trigger raises on UPDATE or DELETE. TRUNCATE (a deliberate wipe of the whole table,
which is what `ev manage flush` and the test runner do) is a different statement and not blocked.

SQLite: triggers raise on UPDATE, and on DELETE unless the operator's `flush` command has set the
one-row switch in governance_audit_purge (see governance/management/commands/flush.py): SQLite
has no TRUNCATE, and flush empties tables with DELETE.
"""

from typing import Any

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION governance_audit_refuse() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'governance audit entries are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER governance_auditentry_append_only
  BEFORE UPDATE OR DELETE ON governance_auditentry
  FOR EACH ROW EXECUTE FUNCTION governance_audit_refuse();
"""
PG_BACKWARD = """
DROP TRIGGER IF EXISTS governance_auditentry_append_only ON governance_auditentry;
DROP FUNCTION IF EXISTS governance_audit_refuse();
"""

SQLITE_FORWARD = [
    "CREATE TABLE IF NOT EXISTS governance_audit_purge (since TEXT NOT NULL)",
    """CREATE TRIGGER governance_auditentry_no_update BEFORE UPDATE ON governance_auditentry
       BEGIN SELECT RAISE(ABORT, 'governance audit entries are append-only (UPDATE refused)');
       END""",
    """CREATE TRIGGER governance_auditentry_no_delete BEFORE DELETE ON governance_auditentry
       WHEN NOT EXISTS (SELECT 1 FROM governance_audit_purge)
       BEGIN SELECT RAISE(ABORT, 'governance audit entries are append-only (DELETE refused)');
       END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS governance_auditentry_no_update",
    "DROP TRIGGER IF EXISTS governance_auditentry_no_delete",
    "DROP TABLE IF EXISTS governance_audit_purge",
]


def forward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def backward(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("governance", "0001_initial")]

    operations = [migrations.RunPython(forward, backward)]
