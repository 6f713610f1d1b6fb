from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from tests.demand.conftest import Demand


def test_it_prints_the_verdict_and_its_reasons(demand: Demand) -> None:
    demand.submitted()
    out = StringIO()
    call_command("demand_risk", stdout=out)
    text = out.getvalue()
    assert text.splitlines()[0] in ("Escape velocity.", "Holding.",
                                    "Heading for the Social Media Help Desk.")  # fmt: skip
    assert "hours of accepted or waiting requests" in text


def test_it_prints_a_scenario_as_json(demand: Demand) -> None:
    out = StringIO()
    call_command("demand_risk", "--add-people", "2", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert len(data["weekly_utilization"]) == 12
    with pytest.raises(SystemExit):
        call_command("demand_risk", "--redirect-share", "3", stdout=StringIO(), stderr=StringIO())
