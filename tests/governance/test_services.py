"""Governance writes: each checks who acts and what is given, writes whole or not at all."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from escapevelocity.governance import selectors, services
from escapevelocity.governance.models import (
    Account,
    AccountGrant,
    AccountStatus,
    AuditEntry,
    ConsolidationStatus,
    IgnoredHandle,
)
from escapevelocity.org import permissions
from escapevelocity.org import services as org_services
from escapevelocity.org.models import OrgModel
from tests.governance.conftest import Gov

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


class TestAccountRegister:
    def test_it_registers_an_account_with_an_owner_and_records_it(self, gov: Gov) -> None:
        org = gov.org
        account = services.account_register(
            actor=org.alice, network="Twitter", handle="@TestCoNews", unit=org.hub, owner=org.alice
        )
        assert (account.network, account.handle, account.handle_key) == (
            "x",
            "TestCoNews",
            "testconews",
        )
        assert AuditEntry.objects.filter(
            action="account.register", object_id=str(account.pk)
        ).exists()

    def test_it_names_every_bad_field_and_writes_nothing(self, gov: Gov) -> None:
        org = gov.org
        count = Account.objects.count()
        with pytest.raises(ValidationError) as exc:
            services.account_register(
                actor=org.alice,
                network="myspace",
                handle="",
                unit=None,
                owner=org.nobody,
                url="javascript:alert(1)",
                follower_count=-1,
            )
        assert set(exc.value.message_dict) >= {
            "network",
            "handle",
            "unit",
            "owner",
            "url",
            "follower_count",
        }
        assert Account.objects.count() == count

    def test_it_refuses_a_handle_registered_already_whatever_its_case(self, gov: Gov) -> None:
        with pytest.raises(ValidationError) as exc:
            services.account_register(
                actor=gov.org.alice,
                network="x",
                handle="testcohelp",
                unit=gov.org.care,
                owner=gov.lead,
            )
        assert "handle" in exc.value.message_dict

    def test_it_refuses_people_outside_the_hub(self, gov: Gov) -> None:
        for user in (
            gov.org.bob,
            gov.org.charlie,
            gov.org.nobody,
            gov.lead,
            gov.auditor,
            gov.executive,
        ):
            with pytest.raises(PermissionDenied):
                services.account_register(
                    actor=user, network="x", handle="TestCoX", unit=gov.org.care, owner=gov.lead
                )


class TestAccountApprove:
    def test_it_approves_a_found_account_with_a_unit_and_an_owner(self, gov: Gov) -> None:
        org = gov.org
        account = services.account_approve(
            actor=org.alice, account=gov.found, unit=org.care, owner=gov.lead, backup=org.bob
        )
        assert account.status == AccountStatus.ACTIVE
        entry = AuditEntry.objects.get(action="account.approve")
        assert entry.before["status"] == "unapproved"
        assert entry.before["owner"] is None
        assert entry.after["owner"] == "lena"
        assert entry.after["unit"] == "care"

    def test_it_needs_a_unit_and_an_owner(self, gov: Gov) -> None:
        with pytest.raises(ValidationError) as exc:
            services.account_approve(actor=gov.org.alice, account=gov.found, unit=None, owner=None)
        assert set(exc.value.message_dict) == {"unit", "owner"}
        gov.found.refresh_from_db()
        assert gov.found.status == AccountStatus.UNAPPROVED

    def test_it_approves_only_unapproved_accounts(self, gov: Gov) -> None:
        with pytest.raises(ValidationError):
            services.account_approve(
                actor=gov.org.alice, account=gov.care_account, unit=gov.org.care, owner=gov.lead
            )

    def test_it_dismisses_a_found_account_and_never_flags_it_again(self, gov: Gov) -> None:
        org = gov.org
        services.account_dismiss(actor=org.alice, account=gov.found, reason="A reseller")
        assert IgnoredHandle.objects.filter(handle_key="testco_support_uk").exists()
        result = services.discover_from_handles(
            actor=org.alice, handles=[("x", "TestCo_Support_UK", "seen again")]
        )
        assert result.ignored == 1
        assert result.flagged == []


class TestDiscovery:
    def test_it_flags_unknown_accounts_using_the_company_name_and_skips_the_rest(
        self, gov: Gov
    ) -> None:
        result = services.discover_from_handles(
            actor=gov.org.alice,
            handles=[
                ("x", "TestCoCares", "customers address it"),
                ("x", "testcohelp", "registered already"),
                ("instagram", "testcosucks", "a complaint account"),
                ("x", "contestcorner", "another word"),
                ("friendster", "TestCo", "unknown network"),
            ],
        )
        assert [a.handle for a in result.flagged] == ["TestCoCares"]
        flagged = result.flagged[0]
        assert flagged.status == AccountStatus.UNAPPROVED
        assert flagged.evidence == "customers address it"
        assert "testco" in flagged.match_reason
        assert result.known == 1
        assert {h for _n, h, _w in result.not_ours} == {"testcosucks", "contestcorner"}
        assert result.errors == [(5, "network 'friendster' is not one of the known networks")]

    def test_it_uses_the_configured_marks_instead_of_the_company_name(self, gov: Gov) -> None:
        services.settings_update(
            actor=gov.org.alice, marks="Zephyr\nZephyr Mobile", dormant_after_days=60
        )
        assert selectors.company_marks() == ["zephyrmobile", "zephyr"]
        result = services.discover_from_handles(
            actor=gov.org.alice, handles=[("x", "ZephyrHelp", ""), ("x", "TestCoDeals", "")]
        )
        assert [a.handle for a in result.flagged] == ["ZephyrHelp"]

    def test_it_imports_a_csv_keeping_good_rows_and_naming_bad_lines(self, gov: Gov) -> None:
        data = (
            b"network,handle,url,evidence\n"
            b"x,TestCo_Jobs,https://x.com/TestCo_Jobs,agency search\n"
            b"myspace,TestCoOld,,\n"
            b"x,,,no handle\n"
            b"instagram,testco.uk,not a url,\n"
            b"x,TestCo_Jobs,,again\n"
            b"\n"
            b"facebook,TestCoFrance,https://facebook.com/TestCoFrance,a reseller\n"
            b"x,a,b,c,d\n"
        )
        result = services.discovery_import_csv(actor=gov.org.alice, data=data)
        assert sorted(a.handle for a in result.flagged) == ["TestCoFrance", "TestCo_Jobs"]
        assert [line for line, _why in result.errors] == [3, 4, 5, 6, 9]
        reasons = dict(result.errors)
        assert "myspace" in reasons[3]
        assert "handle is empty" in reasons[4]
        assert "url" in reasons[5]
        assert "earlier in the file" in reasons[6]
        assert "more values" in reasons[9]
        assert "2 flagged" in result.summary()
        assert "5 rows refused" in result.summary()

    def test_it_refuses_an_unreadable_file_whole(self, gov: Gov) -> None:
        count = Account.objects.count()
        for data, message in [
            (b"\xff\xfe\x00bad", "UTF-8"),
            (b"site,name\nx,TestCoA\n", "missing: network, handle"),
        ]:
            with pytest.raises(ValidationError) as exc:
                services.discovery_import_csv(actor=gov.org.alice, data=data)
            assert message in exc.value.message_dict["file"][0]
        assert Account.objects.count() == count

    def test_it_refuses_discovery_to_people_outside_the_hub(self, gov: Gov) -> None:
        with pytest.raises(PermissionDenied):
            services.discovery_import_csv(actor=gov.org.bob, data=b"network,handle\nx,TestCoA\n")
        with pytest.raises(PermissionDenied):
            services.discover_from_handles(actor=gov.auditor, handles=[("x", "TestCoA", "")])

    def test_it_reads_care_posts_defensively(self, gov: Gov) -> None:
        # Whatever state Care is in, the reader returns triples and never raises.
        handles = selectors.care_post_handles()
        assert all(len(t) == 3 for t in handles)
        assert services.discover_from_care(actor=gov.org.alice).errors == []


class TestDormancy:
    def test_it_flags_accounts_quiet_for_the_configured_days_and_wakes_them(self, gov: Gov) -> None:
        org = gov.org
        with time_machine.travel(NOW, tick=False):
            quiet = services.account_register(
                actor=org.alice, network="facebook", handle="TestCoEvents", unit=org.hub,
                owner=org.alice, last_activity_at=NOW - dt.timedelta(days=91),
            )  # fmt: skip
            recent = services.account_register(
                actor=org.alice, network="facebook", handle="TestCoPage", unit=org.hub,
                owner=org.alice, last_activity_at=NOW - dt.timedelta(days=89),
            )  # fmt: skip
            flagged = services.dormancy_sweep(actor=org.alice)
            assert quiet in flagged
            assert recent not in flagged
            quiet.refresh_from_db()
            assert quiet.status == AccountStatus.DORMANT
            services.settings_update(actor=org.alice, marks="", dormant_after_days=30)
            assert recent in services.dormancy_sweep(actor=org.alice)
            services.account_record_activity(actor=org.alice, account=quiet, at=NOW)
            quiet.refresh_from_db()
            assert quiet.status == AccountStatus.ACTIVE

    def test_it_refuses_a_silly_number_of_days(self, gov: Gov) -> None:
        with pytest.raises(ValidationError) as exc:
            services.settings_update(actor=gov.org.alice, marks="ab", dormant_after_days=0)
        assert set(exc.value.message_dict) == {"marks", "dormant_after_days"}

    def test_it_mails_the_weekly_digest_to_the_hub_once_a_week(self, gov: Gov) -> None:
        org = gov.org
        now = timezone.now() + dt.timedelta(hours=1)  # after the fixture's discovery
        with time_machine.travel(now, tick=False):
            services.account_register(
                actor=org.alice, network="facebook", handle="TestCoOld", unit=org.hub,
                owner=org.alice, last_activity_at=now - dt.timedelta(days=200),
            )  # fmt: skip
            sent, digest, _msg = services.digest_send(actor=permissions.system_actor())
        assert sent
        assert digest is not None
        assert len(mail.outbox) == 1
        message = mail.outbox[0]
        assert message.to == ["alice@example.com"]
        assert "TestCoOld" in message.body
        assert "testco_support_uk" in message.body
        assert "1 new unapproved, 1 dormant" in message.subject
        with time_machine.travel(now + dt.timedelta(days=2), tick=False):
            sent, _d, msg = services.digest_send(actor=permissions.system_actor())
        assert not sent
        assert "went out" in msg
        with time_machine.travel(now + dt.timedelta(days=7), tick=False):
            sent, digest, _msg = services.digest_send(actor=permissions.system_actor())
        assert sent
        assert digest is not None
        assert digest.unapproved == []
        assert len(mail.outbox) == 2


class TestTrainingAndRights:
    def test_it_gives_rights_only_to_people_with_a_current_certification(self, gov: Gov) -> None:
        org = gov.org
        with pytest.raises(ValidationError) as exc:
            services.grant_give(
                actor=org.alice, account=gov.care_account, user=org.bob, right="reply"
            )
        assert "no current certification" in exc.value.message_dict["user"][0]
        gov.certify(org.bob)
        grant = services.grant_give(
            actor=org.alice, account=gov.care_account, user=org.bob, right="reply"
        )
        assert grant.pk
        assert AccountGrant.objects.count() == 1
        assert selectors.may_speak_for(user=org.bob, account_or_network_handle=gov.care_account)
        assert selectors.may_speak_for(user=org.bob, account_or_network_handle=("x", "@testcohelp"))
        assert selectors.may_speak_for(
            user=org.bob, account_or_network_handle=("Twitter", "TestCoHelp")
        )
        assert not selectors.may_speak_for(
            user=org.bob, account_or_network_handle=gov.care_account, right="publish"
        )
        assert not selectors.may_speak_for(
            user=org.bob, account_or_network_handle=gov.product_account
        )
        assert not selectors.may_speak_for(
            user=org.bob, account_or_network_handle=("x", "nobodyhere")
        )

    def test_it_lets_a_certification_expire(self, gov: Gov) -> None:
        org = gov.org
        gov.certify(org.bob, days_ago=300)
        services.grant_give(actor=org.alice, account=gov.care_account, user=org.bob, right="reply")
        assert selectors.certification_for(user=org.bob).current
        with time_machine.travel(timezone.now() + dt.timedelta(days=70)):
            cert = selectors.certification_for(user=org.bob)
            assert not cert.current
            assert any("Hub policy" in m for m in cert.missing)
            assert not selectors.may_speak_for(
                user=org.bob, account_or_network_handle=gov.care_account
            )

    def test_it_needs_the_policy_in_force_accepted(self, gov: Gov) -> None:
        org = gov.org
        gov.certify(org.bob)
        services.policy_publish(actor=org.alice, title="Policy", body="Be kind.")
        cert = selectors.certification_for(user=org.bob)
        assert cert.missing == ["policy v1 not accepted"]
        services.policy_accept(actor=org.bob)
        assert selectors.certification_for(user=org.bob).current
        services.policy_publish(actor=org.alice, title="Policy", body="Be kinder.")
        assert not selectors.certification_for(user=org.bob).current
        assert AuditEntry.objects.filter(action="policy.accept", actor_name="bob").count() == 1

    def test_it_refuses_policy_acceptance_to_outsiders_of_the_program(self, gov: Gov) -> None:
        services.policy_publish(actor=gov.org.alice, title="Policy", body="Be kind.")
        with pytest.raises(PermissionDenied):
            services.policy_accept(actor=gov.org.nobody)

    def test_it_lets_any_trained_employee_speak_in_a_holistic_company(self, gov: Gov) -> None:
        org = gov.org
        gov.certify(org.charlie)
        assert not selectors.may_speak_for(
            user=org.charlie, account_or_network_handle=gov.care_account
        )
        org_services.company_update(actor=org.alice, name="Test Co", org_model=OrgModel.HOLISTIC)
        assert selectors.may_speak_for(user=org.charlie, account_or_network_handle=gov.care_account)
        assert not selectors.may_speak_for(user=org.bob, account_or_network_handle=gov.care_account)
        assert not selectors.may_speak_for(user=org.charlie, account_or_network_handle=gov.found)

    def test_it_records_training_only_for_members_and_only_by_the_hub(self, gov: Gov) -> None:
        with pytest.raises(ValidationError) as exc:
            services.training_record(
                actor=gov.org.alice, user=gov.org.nobody, module=gov.modules[0]
            )
        assert "user" in exc.value.message_dict
        with pytest.raises(PermissionDenied):
            services.training_record(actor=gov.lead, user=gov.org.bob, module=gov.modules[0])


class TestConsolidation:
    def test_it_merges_an_account_step_by_step_and_retires_it(self, gov: Gov) -> None:
        org = gov.org
        target = services.account_register(
            actor=org.alice, network="x", handle="TestCo", unit=org.hub, owner=org.alice
        )
        merge = services.consolidation_start(
            actor=org.alice, source=gov.care_account, target=target, owner=gov.lead,
            start=dt.date(2026, 3, 1),
        )  # fmt: skip
        steps = list(merge.steps.order_by("position"))
        assert [s.kind for s in steps] == ["announce", "redirect", "archive", "retire"]
        assert [s.due for s in steps] == [dt.date(2026, 3, d) for d in (8, 15, 29)] + [
            dt.date(2026, 4, 12)
        ]
        assert all(s.owner == gov.lead for s in steps)
        gov.care_account.refresh_from_db()
        assert gov.care_account.status == AccountStatus.RETIRING
        with pytest.raises(ValidationError) as exc:
            services.consolidation_step_complete(actor=org.alice, step=steps[3])
        assert "Announce" in exc.value.message_dict["step"][0]
        services.consolidation_step_update(
            actor=org.alice, step=steps[1], owner=org.bob, due=dt.date(2026, 3, 20)
        )
        for step in steps:
            services.consolidation_step_complete(actor=org.alice, step=step)
        merge.refresh_from_db()
        gov.care_account.refresh_from_db()
        assert merge.status == ConsolidationStatus.DONE
        assert gov.care_account.status == AccountStatus.RETIRED
        assert AuditEntry.objects.filter(action="consolidation.step_done").count() == 4

    def test_it_refuses_merging_into_itself_or_from_a_found_account(self, gov: Gov) -> None:
        with pytest.raises(ValidationError) as exc:
            services.consolidation_start(
                actor=gov.org.alice, source=gov.found, target=gov.found, owner=gov.lead
            )
        assert set(exc.value.message_dict) >= {"source", "target"}
