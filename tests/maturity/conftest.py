from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from escapevelocity.org import permissions, services
from escapevelocity.org.models import Role
from tests.conftest import Org, make_user

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "answers.yaml"


@pytest.fixture
def example_answers() -> dict[str, Any]:
    """The answers of the documented example file."""
    data: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))["answers"]
    return data


@pytest.fixture
def readers(org: Org) -> dict[str, Any]:
    """An executive (reads every result) and a spoke lead (reads them too)."""
    system = permissions.system_actor()
    erin, lena = make_user("erin"), make_user("lena")
    services.membership_set(actor=system, user=erin, unit=org.hub, role=Role.EXECUTIVE)
    services.membership_set(actor=system, user=lena, unit=org.care, role=Role.SPOKE_LEAD)
    return {"executive": erin, "spoke_lead": lena}


def form_data(answers: dict[str, Any], title: str = "") -> dict[str, str]:
    """The questionnaire page's POST body for these answers."""
    data = {"title": title}
    for qid, given in answers.items():
        if isinstance(given, dict):
            data[qid] = str(given["value"])
            data[f"{qid}__evidence"] = given.get("evidence", "")
        elif isinstance(given, bool):
            data[qid] = "yes" if given else "no"
        else:
            data[qid] = str(given)
    return data
