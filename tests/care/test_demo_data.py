from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from escapevelocity.care import demo_data, selectors
from escapevelocity.care.models import Conversation, Correction, Post, Reply, Status
from escapevelocity.demo import seed

NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_it_gives_the_demo_a_realistic_morning_once() -> None:
    seed.seed_org()
    summary = demo_data.seed(now=NOW)
    assert summary is not None
    posts = Post.objects.filter(external_id__startswith=demo_data.EXTERNAL_PREFIX)
    assert posts.count() > 200
    assert {"en", "es", "de", "fr"} <= set(posts.values_list("language", flat=True))
    assert {"mastodon", "bluesky", "x"} == set(posts.values_list("channel__key", flat=True))
    intents = set(Conversation.objects.values_list("intent", flat=True))
    assert {"complaint", "question", "crisis"} <= intents
    assert Conversation.objects.filter(post_count__gt=1).count() >= 10  # repeat contacts
    assert Conversation.objects.filter(status=Status.RESOLVED).exists()
    assert Conversation.objects.filter(unit__key="care-na").exists()
    assert Reply.objects.exists()
    hostile = Post.objects.get(external_id=f"{demo_data.EXTERNAL_PREFIX}html")
    assert hostile.text.startswith("<script>")
    # The hub's re-routes are what `ev triage train --corrections` learns from.
    examples = selectors.routing_training_examples()
    assert sum(1 for _text, unit in examples if unit == "care-na") >= 20
    assert Correction.objects.count() == sum(
        1 for _ in Correction.objects.values_list("conversation_id").distinct()
    )
    before = (Post.objects.count(), Reply.objects.count(), Correction.objects.count())
    demo_data.seed(now=NOW)
    assert (Post.objects.count(), Reply.objects.count(), Correction.objects.count()) == before


@pytest.mark.django_db
def test_it_adds_nothing_outside_the_demo_company(org: Any) -> None:
    assert demo_data.seed(now=NOW) is None
    assert Post.objects.count() == 0
