"""Discovery from Care's ingested posts: handles that post as the company, or that customers
address as the company, and are not registered, are flagged. Care is built in parallel; when
its ingest door is not usable here, these tests skip with a message rather than fail."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from escapevelocity.governance import selectors, services
from escapevelocity.governance.models import AccountStatus
from tests.governance.conftest import Gov


def _ingest(posts: list[dict[str, Any]]) -> None:
    try:
        from escapevelocity.care.services import ingest_posts
    except ImportError as exc:  # pragma: no cover - depends on Care's progress
        pytest.skip(f"Care's ingest is not available: {exc}")
    result = ingest_posts(posts)
    if getattr(result, "rejected", None):
        pytest.skip(f"Care rejected the test posts: {result.rejected}")


def test_it_flags_handles_customers_address_and_that_post_as_the_company(gov: Gov) -> None:
    at = timezone.now() - dt.timedelta(hours=2)
    _ingest(
        [
            {
                "external_id": "9001",
                "channel": "x",
                "author": "ana",
                "text": "@TestCoCares my router died, and @TestCoHelp never answers. cc @bob_smith",
                "created_at": at.isoformat(),
            },
            {
                "external_id": "9002",
                "channel": "x",
                "author": "TestCo_Official",
                "text": "Sorry Ana, DM us your account number.",
                "created_at": (at + dt.timedelta(minutes=5)).isoformat(),
                "reply_to_id": "9001",
                "direction": "out",
            },
        ]
    )
    seen = {(n, h): why for n, h, why in selectors.care_post_handles()}
    assert "posts as the company" in seen[("x", "TestCo_Official")]
    assert "customers address it" in seen[("x", "TestCoCares")]
    result = services.discover_from_care(actor=gov.org.alice)
    flagged = {a.handle: a for a in result.flagged}
    assert set(flagged) == {"TestCo_Official", "TestCoCares"}
    assert flagged["TestCoCares"].status == AccountStatus.UNAPPROVED
    assert flagged["TestCoCares"].discovered_via == "posts"
    assert result.known == 1  # @TestCoHelp is registered
    assert ("x", "bob_smith") in {(n, h) for n, h, _w in result.not_ours}
    again = services.discover_from_care(actor=gov.org.alice)
    assert again.flagged == []
    assert again.known == 3
