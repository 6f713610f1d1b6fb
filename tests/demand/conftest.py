"""Demand fixtures on top of the shared cast (see tests/conftest.py).

- alice, the hub's strategist, decides;
- bob, an agent in the care spoke, files and edits care's requests (the owner unit);
- charlie, an agent in product, is the outsider to care's requests;
- erin, an executive, reads everything and changes nothing;
- nobody belongs to no unit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest

from escapevelocity.demand import selectors, services
from escapevelocity.demand.models import DemandRequest, Playbook, ProgramGoal, RequestKind
from escapevelocity.org import permissions
from escapevelocity.org import services as org_services
from escapevelocity.org.models import Role
from tests.conftest import Org, make_user


@dataclass
class Demand:
    org: Org
    erin: Any
    goal: ProgramGoal
    playbook: Playbook
    training: RequestKind
    new_account: RequestKind

    def complete_fields(self, kind: RequestKind | None = None) -> dict[str, Any]:
        kind = kind or self.training
        reqs = services.current_requirements(kind)
        assert reqs is not None
        return {
            "kind": kind,
            "title": "Train the care team",
            "business_goal": "Answer customers on social without escalating everything.",
            "outcome_metric": "Cost per contact",
            "expected_value": 20000,
            "due_date": dt.date.today() + dt.timedelta(days=20),
            "effort_hours": 6,
            "goal": self.goal,
            "checklist": {i["key"]: f"Answer to {i['label']}" for i in reqs.items},
        }

    def submitted(self, **overrides: Any) -> DemandRequest:
        fields = self.complete_fields()
        fields.update(overrides)
        draft = services.request_create(actor=self.org.bob, unit=self.org.care, **fields)
        return services.request_submit(actor=self.org.bob, request=draft)


@pytest.fixture
def demand(org: Org) -> Demand:
    system = permissions.system_actor()
    erin = make_user("erin")
    org_services.membership_set(actor=system, user=erin, unit=org.hub, role=Role.EXECUTIVE)
    selectors.kinds_with_requirements()
    goal = services.goal_save(actor=system, title="Cut the cost to serve", weight=3)
    training = RequestKind.objects.get(key="training")
    playbook = services.playbook_save(
        actor=system,
        title="Answering customers on social",
        summary="The decision tree.",
        body="## Steps\n\n1. Read the post.\n2. Decide.",
        kinds=[training],
    )
    return Demand(org, erin, goal, playbook, training, RequestKind.objects.get(key="new_account"))
