from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from escapevelocity.demand import selectors, services
from escapevelocity.demand.models import (
    DemandRequest,
    EventKind,
    RequestEvent,
    RequestKind,
    RequirementSet,
    Status,
)
from escapevelocity.org import permissions
from tests.demand.conftest import Demand

NEW_ACCOUNT_ITEMS = [
    "Purpose and audience",
    "Owner and backup",
    "Staffing and response hours",
    "Content plan",
    "Trained people",
    "Exit plan",
]


class TestKinds:
    def test_it_installs_every_kind_with_published_requirements(self, demand: Demand) -> None:
        kinds = selectors.kinds_with_requirements()
        assert [k.key for k, _r in kinds] == [
            "new_account", "campaign", "content", "listening", "training", "crisis", "tool",
            "other",
        ]  # fmt: skip
        new_account = dict(kinds)[demand.new_account]
        assert new_account is not None
        assert [i["label"] for i in new_account.items] == NEW_ACCOUNT_ITEMS
        assert services.kinds_install_defaults() == 0

    def test_it_publishes_a_new_version_on_each_edit(self, demand: Demand) -> None:
        kind = demand.training
        v2 = services.requirements_publish(
            actor=demand.org.alice,
            kind=kind,
            intro="Now with **more**.",
            items=[{"label": "Who and how many", "help": ""}, {"label": "Budget", "help": "€"}],
        )
        assert v2.version == 2
        assert [i["key"] for i in v2.items] == ["who_and_how_many", "budget"]
        assert RequirementSet.objects.filter(kind=kind).count() == 2
        assert services.current_requirements(kind) == v2

    def test_it_lets_only_the_hub_publish(self, demand: Demand) -> None:
        for person in (demand.org.bob, demand.org.charlie, demand.erin, demand.org.nobody):
            with pytest.raises(PermissionDenied):
                services.requirements_publish(
                    actor=person, kind=demand.training, intro="", items=[]
                )
        assert RequirementSet.objects.filter(kind=demand.training).count() == 1

    def test_it_refuses_duplicate_items(self, demand: Demand) -> None:
        with pytest.raises(ValidationError) as exc:
            services.requirements_publish(
                actor=demand.org.alice,
                kind=demand.training,
                intro="",
                items=[{"label": "Budget"}, {"label": "budget"}],
            )
        assert "items" in exc.value.message_dict


class TestRequestSubmit:
    def test_it_saves_an_incomplete_draft_but_names_each_missing_item(self, demand: Demand) -> None:
        draft = services.request_create(
            actor=demand.org.bob,
            unit=demand.org.care,
            kind=demand.new_account,
            title="Our own Instagram",
            checklist={"purpose_and_audience": "Young customers"},
        )
        assert draft.status == Status.DRAFT
        with pytest.raises(ValidationError) as exc:
            services.request_submit(actor=demand.org.bob, request=draft)
        errors = exc.value.message_dict
        assert errors["checklist_exit_plan"] == ["Requirement missing: Exit plan."]
        assert errors["checklist_owner_and_backup"] == ["Requirement missing: Owner and backup."]
        assert "checklist_purpose_and_audience" not in errors
        for field in ("business_goal", "outcome_metric", "due_date", "effort_hours"):
            assert field in errors
        draft.refresh_from_db()
        assert draft.status == Status.DRAFT

    def test_it_submits_a_complete_request_with_a_scored_priority(self, demand: Demand) -> None:
        with time_machine.travel(dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC), tick=False):
            r = demand.submitted(due_date=dt.date(2026, 3, 6))
        assert r.status == Status.SUBMITTED
        assert r.requirement_version == 1
        assert r.submitted == dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)
        factors = {f["factor"]: f for f in r.score_reasons}
        assert factors["alignment"]["points"] == 30
        assert "Cut the cost to serve" in factors["alignment"]["reason"]
        assert factors["urgency"]["reason"] == "Due within a week."
        assert r.priority_band == "high"
        kinds = list(r.events.values_list("kind", "to_status"))
        assert kinds == [(EventKind.CREATED, Status.DRAFT), (EventKind.STATUS, Status.SUBMITTED)]

    def test_it_keeps_units_to_their_own_requests(self, demand: Demand) -> None:
        for person in (demand.org.charlie, demand.erin, demand.org.nobody):
            with pytest.raises(PermissionDenied):
                services.request_create(
                    actor=person, unit=demand.org.care, **demand.complete_fields()
                )
        draft = services.request_create(
            actor=demand.org.bob, unit=demand.org.care, **demand.complete_fields()
        )
        for person in (demand.org.charlie, demand.erin):
            with pytest.raises(PermissionDenied):
                services.request_update(actor=person, request=draft, title="Hijacked")
            with pytest.raises(PermissionDenied):
                services.request_submit(actor=person, request=draft)
        assert DemandRequest.objects.get().title == "Train the care team"

    def test_it_edits_only_drafts(self, demand: Demand) -> None:
        r = demand.submitted()
        with pytest.raises(ValidationError) as exc:
            services.request_update(actor=demand.org.bob, request=r, title="Changed")
        assert "status" in exc.value.message_dict

    def test_it_names_bad_fields_and_writes_nothing(self, demand: Demand) -> None:
        with pytest.raises(ValidationError) as exc:
            services.request_create(
                actor=demand.org.bob,
                unit=demand.org.care,
                kind="no-such-kind",
                title=" ",
                effort_hours="-3",
                expected_value="lots",
                due_date="tomorrow",
                links="javascript:alert(1)",
            )
        assert set(exc.value.message_dict) == {
            "kind", "title", "effort_hours", "expected_value", "due_date", "links",
        }  # fmt: skip
        assert not DemandRequest.objects.exists()

    def test_it_bounds_links_and_checklist_answers(self, demand: Demand) -> None:
        with pytest.raises(ValidationError) as exc:
            services.request_create(
                actor=demand.org.bob,
                unit=demand.org.care,
                kind=demand.training,
                title="Too much",
                links="\n".join(f"https://example.com/{i}" for i in range(21)),
                checklist={f"item_{i}": "x" for i in range(51)},
            )
        assert set(exc.value.message_dict) == {"links", "checklist"}


class TestRequestDecide:
    def test_it_lets_only_the_hub_decide(self, demand: Demand) -> None:
        r = demand.submitted()
        for person in (demand.org.bob, demand.org.charlie, demand.erin):
            with pytest.raises(PermissionDenied):
                services.request_decide(actor=person, request=r, decision="decline", reason="no")
        r.refresh_from_db()
        assert r.status == Status.SUBMITTED

    def test_it_redirects_to_a_playbook_as_deflected_demand(self, demand: Demand) -> None:
        r = demand.submitted()
        r = services.request_decide(
            actor=demand.org.alice, request=r, decision="redirect", playbook=demand.playbook
        )
        assert r.status == Status.REDIRECTED
        assert r.playbook == demand.playbook
        event = r.events.filter(kind=EventKind.STATUS).last()
        assert event is not None
        assert event.actor == demand.org.alice
        assert (event.from_status, event.to_status) == (Status.SUBMITTED, Status.REDIRECTED)
        assert "Answering customers on social" in event.text

    def test_it_names_what_each_decision_needs(self, demand: Demand) -> None:
        r = demand.submitted()
        cases = [
            ("defer", {}, "deferred_until"),
            ("defer", {"deferred_until": dt.date.today()}, "deferred_until"),
            ("decline", {}, "reason"),
            ("redirect", {}, "playbook"),
            ("accept", {"scheduled_for": dt.date.today() - dt.timedelta(days=1)}, "scheduled_for"),
            ("shrug", {}, "decision"),
        ]
        for decision, extra, field in cases:
            with pytest.raises(ValidationError) as exc:
                services.request_decide(
                    actor=demand.org.alice, request=r, decision=decision, **extra
                )
            assert field in exc.value.message_dict, decision
        r.refresh_from_db()
        assert r.status == Status.SUBMITTED

    @time_machine.travel(dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC), tick=False)
    def test_it_schedules_accepted_work_in_the_first_week_with_room(self, demand: Demand) -> None:
        # The hub: alice alone, 40 hours, 40% planned -> 24 reactive hours a week.
        first = demand.submitted(effort_hours=20)
        second = demand.submitted(effort_hours=10)
        first = services.request_decide(actor=demand.org.alice, request=first, decision="accept")
        second = services.request_decide(actor=demand.org.alice, request=second, decision="accept")
        assert first.scheduled_for == dt.date(2026, 3, 2)
        assert second.scheduled_for == dt.date(2026, 3, 9)
        assert first.status == Status.SCHEDULED
        weeks = selectors.schedule_weeks(weeks=2)
        assert weeks[0]["booked"] == 20
        assert weeks[1]["booked"] == 10
        assert weeks[0]["available"] == pytest.approx(24)

    def test_it_moves_accepted_work_along_the_board(self, demand: Demand) -> None:
        r = demand.submitted()
        r = services.request_move(actor=demand.org.alice, request=r, to=Status.UNDER_REVIEW)
        with pytest.raises(ValidationError):
            services.request_move(actor=demand.org.alice, request=r, to=Status.DONE)
        r = services.request_decide(actor=demand.org.alice, request=r, decision="accept")
        with pytest.raises(PermissionDenied):
            services.request_move(actor=demand.org.bob, request=r, to=Status.IN_PROGRESS)
        r = services.request_move(actor=demand.org.alice, request=r, to=Status.IN_PROGRESS)
        r = services.request_move(actor=demand.org.alice, request=r, to=Status.DONE)
        trail = list(r.events.filter(kind=EventKind.STATUS).values_list("to_status", flat=True))
        assert trail == ["submitted", "under_review", "scheduled", "in_progress", "done"]


class TestComments:
    def test_it_lets_the_unit_and_the_hub_comment_but_not_readers(self, demand: Demand) -> None:
        r = demand.submitted()
        services.request_comment(actor=demand.org.bob, request=r, text="Any news?")
        services.request_comment(actor=demand.org.alice, request=r, text="Next week.")
        for person in (demand.org.charlie, demand.erin, demand.org.nobody):
            with pytest.raises(PermissionDenied):
                services.request_comment(actor=person, request=r, text="Me too")
        with pytest.raises(ValidationError):
            services.request_comment(actor=demand.org.bob, request=r, text="   ")
        assert RequestEvent.objects.filter(kind=EventKind.COMMENT).count() == 2


class TestVisibility:
    def test_it_shows_a_unit_only_its_own_requests(self, demand: Demand) -> None:
        care = demand.submitted()
        product = services.request_create(
            actor=demand.org.charlie,
            unit=demand.org.product,
            kind=demand.training,
            title="Product's request",
        )
        visible = {
            name: set(selectors.requests_visible(person))
            for name, person in [
                ("alice", demand.org.alice), ("bob", demand.org.bob),
                ("charlie", demand.org.charlie), ("erin", demand.erin),
                ("nobody", demand.org.nobody),
            ]
        }  # fmt: skip
        assert visible["bob"] == {care}
        assert visible["charlie"] == {product}
        assert visible["alice"] == {care, product}
        # Executives read submitted work, not a unit's private drafts.
        assert visible["erin"] == {care}
        assert visible["nobody"] == set()


class TestWorkload:
    @time_machine.travel(dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC), tick=False)
    def test_it_counts_arrivals_per_unit_and_week_and_deflection_apart(
        self, demand: Demand
    ) -> None:
        for days_ago, redirect in ((1, False), (9, False), (10, True), (200, False)):
            with time_machine.travel(
                dt.datetime(2026, 3, 4, 9, tzinfo=dt.UTC) - dt.timedelta(days=days_ago),
                tick=False,
            ):
                r = demand.submitted(effort_hours=4)
                if redirect:
                    services.request_decide(
                        actor=demand.org.alice, request=r, decision="redirect",
                        playbook=demand.playbook,
                    )  # fmt: skip
        work = selectors.workload(weeks=4)
        # Tuesday's request is in this week, not yet complete; 200 days ago is out of range.
        assert work.requests_by_unit == {"care": [0.0, 0.0, 0.0, 1.0]}
        assert list(work.redirected) == [0.0, 0.0, 1.0, 0.0]
        assert work.next_week_start == dt.date(2026, 3, 2)
        assert work.backlog_hours == 12  # three submitted requests of 4 hours are open
        assert list(work.escalations) == [0.0] * 4

    def test_it_reads_no_escalations_when_care_keeps_none(self, demand: Demand) -> None:
        start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        assert selectors.care_escalations_weekly(start=start, weeks=3) == [0.0, 0.0, 0.0]

    def test_it_sizes_the_hub_from_its_people(self, demand: Demand) -> None:
        cap = selectors.hub_capacity()
        # alice's 40 hours; erin is an executive in the hub and gives it no capacity.
        assert cap.people_hours == (40.0,)
        assert cap.reactive_hours == pytest.approx(24)
        settings = services.settings_update(
            actor=demand.org.alice,
            planned_share="0.5",
            overload_at="0.8",
            default_request_hours="6",
            hours_per_escalation="0.25",
        )
        assert settings.planned_share == Decimal("0.5")
        assert selectors.hub_capacity().reactive_hours == pytest.approx(20)
        with pytest.raises(PermissionDenied):
            services.settings_update(
                actor=demand.org.bob, planned_share="0.1", overload_at="0.8",
                default_request_hours="6", hours_per_escalation="0.25",
            )  # fmt: skip
        with pytest.raises(ValidationError) as exc:
            services.settings_update(
                actor=demand.org.alice, planned_share="2", overload_at="x",
                default_request_hours="", hours_per_escalation="0.25",
            )  # fmt: skip
        assert set(exc.value.message_dict) == {
            "planned_share", "overload_at", "default_request_hours",
        }  # fmt: skip

    def test_it_lets_only_the_hub_keep_playbooks_and_goals(self, demand: Demand) -> None:
        with pytest.raises(PermissionDenied):
            services.playbook_save(actor=demand.org.bob, title="Mine", body="x")
        with pytest.raises(PermissionDenied):
            services.goal_save(actor=demand.erin, title="Mine", weight=2)
        with pytest.raises(ValidationError) as exc:
            services.playbook_save(
                actor=demand.org.alice, title="Answering customers on social", body=""
            )
        assert set(exc.value.message_dict) == {"title", "body"}
        assert RequestKind.objects.get(key="training").playbooks.count() == 1
        assert permissions.is_hub(demand.org.alice)


class TestEscalations:
    def test_it_counts_stamps_into_weeks(self) -> None:
        start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        stamps = [
            start - dt.timedelta(hours=1),
            start,
            start + dt.timedelta(days=6, hours=23),
            start + dt.timedelta(days=7),
            start + dt.timedelta(days=21),
        ]
        assert selectors.weekly_counts(stamps, start=start, weeks=3) == [2.0, 1.0, 0.0]

    def test_it_reads_escalated_care_conversations_as_reactive_arrivals(
        self, demand: Demand
    ) -> None:
        from django.apps import apps

        channel_model = apps.get_model("care", "Channel")
        author_model = apps.get_model("care", "Author")
        conversation_model = apps.get_model("care", "Conversation")
        channel = channel_model.objects.create(key="mastodon", name="Mastodon")
        author = author_model.objects.create(channel=channel, handle="@angry")
        start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
        for days, status in ((1, "escalated"), (2, "new"), (8, "escalated")):
            opened = start + dt.timedelta(days=days)
            conversation_model.objects.create(
                channel=channel, author=author, unit=demand.org.care, status=status,
                sentiment="negative", preview="It is down again", opened_at=opened,
                last_post_at=opened,
            )  # fmt: skip
        assert selectors.care_escalations_weekly(start=start, weeks=3) == [1.0, 1.0, 0.0]
