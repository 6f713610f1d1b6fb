"""Outcome fixtures: the permission cast plus an executive and a spoke lead, and care data
written straight into care's tables (these tests read care, they do not test it)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

import pytest

from escapevelocity.care import models as care
from escapevelocity.org import permissions, services
from escapevelocity.org.models import Role, Unit
from tests.conftest import Org, make_user

_ids = itertools.count(1)


@pytest.fixture
def erin(org: Org) -> Any:
    """An executive: reads every unit's results, acts on none."""
    user = make_user("erin")
    services.membership_set(
        actor=permissions.system_actor(), user=user, unit=org.hub, role=Role.EXECUTIVE
    )
    return user


@pytest.fixture
def carla(org: Org) -> Any:
    """The care spoke's lead: reads the care unit's view only."""
    user = make_user("carla")
    services.membership_set(
        actor=permissions.system_actor(), user=user, unit=org.care, role=Role.SPOKE_LEAD
    )
    return user


def conversation(
    unit: Unit,
    *,
    opened_at: dt.datetime,
    intent: str = "complaint",
    sentiment: str = "negative",
    status: str = "new",
    first_responded_at: dt.datetime | None = None,
    resolved_at: dt.datetime | None = None,
    first_response_due: dt.datetime | None = None,
    author: str | None = None,
    replies: int = 0,
) -> Any:
    """One conversation with one inbound post and its triage decision."""
    channel, _ = care.Channel.objects.get_or_create(key="x", defaults={"name": "X"})
    handle = author or f"customer{next(_ids)}"
    who, _ = care.Author.objects.get_or_create(channel=channel, handle=handle)
    conv = care.Conversation.objects.create(
        channel=channel,
        author=who,
        unit=unit,
        status=status,
        intent=intent,
        sentiment=sentiment,
        priority=50,
        preview="hello",
        post_count=1,
        opened_at=opened_at,
        last_post_at=opened_at,
        first_response_due=first_response_due,
        first_responded_at=first_responded_at,
        resolved_at=resolved_at,
    )
    post = care.Post.objects.create(
        channel=channel,
        external_id=f"p{next(_ids)}",
        conversation=conv,
        author=who,
        text="hello",
        created_at=opened_at,
        received_at=opened_at,
    )
    care.Decision.objects.create(
        post=post,
        language="en",
        sentiment=sentiment,
        sentiment_score=-0.5 if sentiment == "negative" else 0.5,
        intent=intent,
        intent_probability=0.9,
        priority=50,
        route=unit.key,
        route_source="rule",
        unit=unit,
        response="restore",
    )
    for i in range(replies):
        care.Reply.objects.create(
            conversation=conv,
            text="We are on it",
            created=(first_responded_at or opened_at) + dt.timedelta(minutes=i),
        )
    return conv
