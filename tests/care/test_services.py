from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from escapevelocity.care import selectors, services
from escapevelocity.care.models import Assignment, Conversation, Correction, Note, Reply, Status
from tests.care.conftest import FakeTriager, post


@pytest.fixture
def conv(org: Any, fake_triage: FakeTriager) -> Conversation:
    services.ingest_posts([post(1, "My modem is broken", author="ann")])
    return Conversation.objects.get()


def test_it_lets_a_teammate_assign_themself_and_records_it(org: Any, conv: Conversation) -> None:
    services.conversation_assign(actor=org.bob, conversation=conv, assignee=org.bob)
    conv.refresh_from_db()
    assert (conv.assignee, conv.status) == (org.bob, Status.ASSIGNED)
    assert Assignment.objects.get(ended=None).assigned_by == org.bob


def test_it_refuses_an_outsider_any_action(org: Any, conv: Conversation) -> None:
    for action in (
        lambda: services.conversation_assign(actor=org.charlie, conversation=conv, assignee=None),
        lambda: services.conversation_reroute(
            actor=org.charlie, conversation=conv, unit=org.product
        ),
        lambda: services.reply_add(actor=org.charlie, conversation=conv, text="hi"),
        lambda: services.note_add(actor=org.charlie, conversation=conv, text="hi"),
        lambda: services.conversation_set_status(
            actor=org.charlie, conversation=conv, status="resolved"
        ),
    ):
        with pytest.raises(PermissionDenied):
            action()
    assert (Note.objects.count(), Reply.objects.count(), Correction.objects.count()) == (0, 0, 0)


def test_it_refuses_to_assign_someone_outside_the_unit(org: Any, conv: Conversation) -> None:
    with pytest.raises(ValidationError) as exc:
        services.conversation_assign(actor=org.alice, conversation=conv, assignee=org.charlie)
    assert "assignee" in exc.value.message_dict
    assert Assignment.objects.count() == 0


def test_it_records_a_correction_when_rerouting_and_drops_an_assignee_who_cannot_follow(
    org: Any, conv: Conversation
) -> None:
    services.conversation_assign(actor=org.bob, conversation=conv, assignee=org.bob)
    services.conversation_reroute(
        actor=org.bob, conversation=conv, unit=org.product, reason="a product bug"
    )
    conv.refresh_from_db()
    assert conv.unit == org.product
    assert (conv.assignee, conv.status) == (None, Status.NEW)
    correction = Correction.objects.get()
    assert (correction.old_value, correction.new_value) == ("care", "product")
    assert correction.text == "My modem is broken"
    # bob no longer sees it: the product spoke's queue is not his.
    with pytest.raises(Exception, match="No such conversation"):
        selectors.conversation_get(user=org.bob, pk=conv.pk)


def test_it_refuses_rerouting_to_the_same_unit(org: Any, conv: Conversation) -> None:
    with pytest.raises(ValidationError) as exc:
        services.conversation_reroute(actor=org.bob, conversation=conv, unit=org.care)
    assert "unit" in exc.value.message_dict


def test_it_logs_a_reply_meets_first_response_and_waits_on_the_customer(
    org: Any, conv: Conversation
) -> None:
    reply = services.reply_add(actor=org.bob, conversation=conv, text="Sorry! DM us?")
    conv.refresh_from_db()
    assert reply.sent is False
    assert conv.first_responded_at is not None
    assert (conv.status, conv.assignee, conv.due_at) == (Status.WAITING, org.bob, None)


def test_it_resolves_and_reopens(org: Any, conv: Conversation) -> None:
    services.conversation_set_status(actor=org.bob, conversation=conv, status="resolved")
    conv.refresh_from_db()
    assert conv.resolved_at is not None
    assert conv.due_at is None
    services.conversation_set_status(actor=org.bob, conversation=conv, status="new")
    conv.refresh_from_db()
    assert conv.resolved_at is None
    assert conv.due_at == conv.first_response_due


def test_it_names_the_field_for_an_unknown_status_or_intent(org: Any, conv: Conversation) -> None:
    with pytest.raises(ValidationError) as exc:
        services.conversation_set_status(actor=org.bob, conversation=conv, status="done")
    assert "status" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.conversation_set_intent(actor=org.bob, conversation=conv, intent="rant")
    assert "intent" in exc.value.message_dict


def test_it_applies_a_bulk_action_all_or_nothing(org: Any, fake_triage: FakeTriager) -> None:
    services.ingest_posts([post(1, "refund?"), post(2, "a feature idea")])
    care_conv = Conversation.objects.get(unit=org.care)
    product_conv = Conversation.objects.get(unit=org.product)
    with pytest.raises(PermissionDenied):
        services.conversations_bulk(
            actor=org.bob,
            conversations=[care_conv, product_conv],
            action="status",
            status="resolved",
        )
    assert not Conversation.objects.filter(status=Status.RESOLVED).exists()
    changed = services.conversations_bulk(
        actor=org.alice, conversations=[care_conv, product_conv], action="status", status="resolved"
    )
    assert changed == 2
    assert Conversation.objects.filter(status=Status.RESOLVED).count() == 2


def test_it_assigns_the_backlog_round_robin(org: Any, fake_triage: FakeTriager) -> None:
    services.ingest_posts([post(i, f"Is {i} late?") for i in range(3)])
    assert services.auto_assign_backlog(actor=org.alice, unit=org.care) == 3
    assert Conversation.objects.filter(assignee=org.bob, status=Status.ASSIGNED).count() == 3


def test_it_gives_training_examples_from_corrections_and_confirmed_routes(
    org: Any, fake_triage: FakeTriager
) -> None:
    services.ingest_posts(
        [post(1, "My modem is broken", author="a"), post(2, "Is billing open?", author="b")]
    )
    modem = Conversation.objects.get(author__handle="a")
    billing = Conversation.objects.get(author__handle="b")
    services.conversation_reroute(actor=org.alice, conversation=modem, unit=org.hub)
    services.conversation_reroute(actor=org.alice, conversation=modem, unit=org.product)
    services.reply_add(actor=org.bob, conversation=billing, text="Yes")
    services.conversation_set_status(actor=org.bob, conversation=billing, status="resolved")
    assert sorted(selectors.routing_training_examples()) == [
        ("Is billing open?", "care"),
        ("My modem is broken", "product"),
    ]
