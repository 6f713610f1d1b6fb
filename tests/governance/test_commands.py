"""The weekly digest command, and the flush that may empty the audit log on SQLite."""

from __future__ import annotations

import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection

from escapevelocity.governance.models import AuditEntry
from tests.governance.conftest import Gov


def test_it_sends_the_digest_once_and_can_print_it_instead(gov: Gov) -> None:
    out = io.StringIO()
    call_command("governance_digest", "--dry-run", stdout=out)
    assert "testco_support_uk" in out.getvalue()
    assert "To: alice@example.com" in out.getvalue()
    assert mail.outbox == []
    call_command("governance_digest", stdout=out)
    assert len(mail.outbox) == 1
    call_command("governance_digest", stdout=out)
    assert len(mail.outbox) == 1
    assert "Not sent. A digest went out" in out.getvalue()
    call_command("governance_digest", "--force", stdout=out)
    assert len(mail.outbox) == 2


def test_it_discovers_from_care_posts_without_failing_when_care_has_none(gov: Gov) -> None:
    out = io.StringIO()
    call_command("governance_discover", "--days", "3", stdout=out)
    assert "flagged unapproved" in out.getvalue()


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the purge switch is SQLite's")
def test_it_empties_the_log_only_through_a_whole_database_flush(gov: Gov) -> None:
    assert AuditEntry.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM governance_audit_purge")
        assert cursor.fetchone()[0] == 0
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEntry.objects.exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM governance_audit_purge")
        assert cursor.fetchone()[0] == 0  # the switch is off again afterwards
