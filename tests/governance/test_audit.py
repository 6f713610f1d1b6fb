"""The audit log is append-only: the model, its queryset, the database, the services, the API
and the admin all refuse to change or delete an entry, and every change is recorded."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import DatabaseError, IntegrityError, connection, transaction

from escapevelocity.governance import services
from escapevelocity.governance.models import Account, AuditEntry, AuditRefused
from tests.governance.conftest import Gov


def _entry(gov: Gov) -> AuditEntry:
    entry = AuditEntry.objects.filter(object_type="account").order_by("id").first()
    assert entry is not None
    return entry


def _unchanged(entry: AuditEntry) -> None:
    fresh = AuditEntry.objects.get(pk=entry.pk)
    assert (fresh.action, fresh.actor_name, fresh.before, fresh.after) == (
        entry.action,
        entry.actor_name,
        entry.before,
        entry.after,
    )


def test_it_records_who_when_before_and_after_for_every_change(gov: Gov) -> None:
    org = gov.org
    services.account_update(actor=org.alice, account=gov.care_account, purpose="Help desk")
    entry = AuditEntry.objects.order_by("-id").first()
    assert entry is not None
    assert entry.actor_name == "alice"
    assert entry.actor_id == org.alice.pk
    assert entry.action == "account.update"
    assert entry.before["purpose"] == "Support"
    assert entry.after["purpose"] == "Help desk"
    assert entry.after["owner"] == "lena"


def test_it_refuses_to_save_a_changed_entry_through_the_model(gov: Gov) -> None:
    entry = _entry(gov)
    entry.action = "forged"
    with pytest.raises(AuditRefused):
        entry.save()
    with pytest.raises(AuditRefused):
        entry.save(update_fields=["action"])
    clone = AuditEntry(pk=entry.pk, at=entry.at, actor_name="mallory", action="forged")
    with pytest.raises((AuditRefused, IntegrityError)), transaction.atomic():
        clone.save()  # an insert over an existing id is refused by the primary key
    _unchanged(AuditEntry.objects.get(pk=entry.pk))


def test_it_refuses_to_delete_through_the_model_and_the_queryset(gov: Gov) -> None:
    entry = _entry(gov)
    count = AuditEntry.objects.count()
    with pytest.raises(AuditRefused):
        entry.delete()
    with pytest.raises(AuditRefused):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(AuditRefused):
        AuditEntry.objects.all().update(action="forged")
    with pytest.raises(AuditRefused):
        AuditEntry.objects.bulk_update([entry], ["action"])
    assert AuditEntry.objects.count() == count


def test_it_refuses_raw_sql_updates_and_deletes_in_the_database(gov: Gov) -> None:
    entry = _entry(gov)
    table = AuditEntry._meta.db_table
    for sql in (f"UPDATE {table} SET action = 'forged'", f"DELETE FROM {table}"):  # noqa: S608
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    _unchanged(entry)


def test_it_keeps_entries_when_services_remove_what_they_describe(gov: Gov) -> None:
    org = gov.org
    found_id = str(gov.found.pk)
    services.account_dismiss(actor=org.alice, account=gov.found, reason="A fan account")
    assert not Account.objects.filter(pk=found_id).exists()
    actions = list(
        AuditEntry.objects.filter(object_id=found_id, object_type="account")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["account.discover", "account.dismiss"]
    # Removing a person whose actions are logged cannot cascade into the log: no relations.
    assert not any(f.is_relation for f in AuditEntry._meta.get_fields())
    assert AuditEntry.objects.filter(actor_name="alice", action="account.dismiss").exists()


def test_it_exposes_no_service_that_changes_or_deletes_an_entry() -> None:
    names = [n for n in dir(services) if n.startswith("audit")]
    assert names == ["audit_record"]


def test_it_offers_no_api_to_change_or_delete_an_entry(gov: Gov) -> None:
    entry = _entry(gov)
    client = gov.org.client(gov.org.alice)
    url = f"/api/governance/audit/{entry.pk}"
    assert client.get(url).status_code == 200
    body = {"action": "forged"}
    for method in (client.put, client.patch, client.delete):
        response = method(url, data=json.dumps(body), content_type="application/json")
        assert response.status_code == 405
    response = client.post("/api/governance/audit", body, content_type="application/json")
    assert response.status_code == 405
    _unchanged(entry)


def test_it_offers_no_page_to_change_an_entry(gov: Gov) -> None:
    entry = _entry(gov)
    client = gov.org.client(gov.org.alice)
    assert client.post("/governance/audit/", {"id": entry.pk, "action": "x"}).status_code == 200
    _unchanged(entry)


@pytest.fixture
def superuser(db: Any) -> Any:
    return get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-123!")


def test_it_lets_the_admin_look_but_not_add_change_or_delete(gov: Gov, superuser: Any) -> None:
    from django.test import Client

    entry = _entry(gov)
    client = Client()
    client.force_login(superuser)
    base = "/admin/governance/auditentry/"
    assert client.get(base).status_code == 200
    assert client.get(f"{base}{entry.pk}/change/").status_code == 200  # a read-only view
    assert client.post(f"{base}{entry.pk}/change/", {"action": "forged"}).status_code == 403
    assert client.post(f"{base}{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    response = client.post(
        base, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"}
    )
    assert response.status_code in (200, 302)
    page = client.get(base).content.decode()
    assert "delete_selected" not in page
    _unchanged(entry)
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_it_exports_the_log_as_csv_for_readers_only(gov: Gov) -> None:
    org = gov.org
    services.account_update(actor=org.alice, account=gov.care_account, purpose="=HYPERLINK(1)")
    response = org.client(gov.auditor).get("/governance/audit.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:4] == ["id", "at", "actor", "action"]
    assert len(rows) == AuditEntry.objects.count() + 1
    last = rows[-1]
    assert last[3] == "account.update"
    assert json.loads(last[8])["purpose"] == "=HYPERLINK(1)"  # JSON text, starting with `{`
    for user in (org.bob, org.charlie, org.nobody, gov.lead):
        assert org.client(user).get("/governance/audit.csv").status_code == 403


def test_it_keeps_registry_changes_out_of_the_admin_so_each_is_audited(
    gov: Gov, superuser: Any
) -> None:
    from django.test import Client

    client = Client()
    client.force_login(superuser)
    base = "/admin/governance/account/"
    assert client.get(base).status_code == 200
    pk = gov.care_account.pk
    assert client.post(f"{base}{pk}/change/", {"handle": "Hijacked"}).status_code == 403
    assert client.post(f"{base}{pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{base}add/").status_code == 403
    gov.care_account.refresh_from_db()
    assert gov.care_account.handle == "TestCoHelp"
