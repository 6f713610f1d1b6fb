"""`ev assess --answers FILE.yaml [--json]`: scoring without a server (and without a database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.maturity.conftest import EXAMPLE


def run(*args: str) -> str:
    out = StringIO()
    call_command("assess", *args, stdout=out)
    return out.getvalue()


def test_it_scores_the_documented_example_as_text() -> None:
    text = run("--answers", str(EXAMPLE))
    assert text.startswith("Stage 3 of 6: Engagement")
    assert "Gaps to Formalized:" in text
    assert "A named executive sponsor who owns the budget" in text
    assert "Verdict: Heading for the Social Media Help Desk" in text
    assert "Organizational model practiced: Hub and spoke (coordinated)" in text
    assert "Career phase: Career decision point" in text
    assert "Benchmarks:" in text
    assert "23% have a formalized program with long-term direction" in text
    assert "1. Appoint an executive sponsor (next stage; /org/)" in text


def test_it_prints_the_full_result_as_json() -> None:
    data = json.loads(run("--answers", str(EXAMPLE), "--json"))
    assert data["stage"]["number"] == 3
    assert data["org_model"]["declared"] == "hub_and_spoke"
    assert data["signals"] == {"governance_inventory_coverage": 0.55}
    assert data["roadmap"][0]["path"] == "/org/"
    assert data["answers"]["challenge_demand"] == {
        "value": 5,
        "evidence": "31 requests from units last month, 12 handled",
    }


def test_it_reports_contradictions(tmp_path: Path) -> None:
    f = tmp_path / "a.yaml"
    f.write_text(
        "declared_org_model: centralized\n"
        "answers:\n  who_publishes: anyone\n  shared_services: none\n  unit_autonomy: freely\n",
        encoding="utf-8",
    )
    text = run("--answers", str(f))
    assert "Answers that disagree:" in text
    assert "declared as Centralized, but day to day it works as Organic" in text
    assert "Not answered:" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("answers:\n  listening: loudly\n", "listening: 'loudly' is not one of"),
        ("answers:\n  challenge_roi: 8\n", "challenge_roi: A whole number from 1 to 5"),
        ("questionnaire: 4\nanswers: {}\n", "questionnaire: Versions available"),
        ("answers: {}\nsignals:\n  care_reactive_load: 1.4\n", "signals.care_reactive_load"),
        ("answers: [\n", "is not valid YAML"),
    ],
)
def test_it_refuses_a_bad_answer_file_naming_the_field(
    tmp_path: Path, content: str, message: str
) -> None:
    f = tmp_path / "bad.yaml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        run("--answers", str(f))


def test_it_says_when_the_file_is_missing(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        run("--answers", str(tmp_path / "none.yaml"))


def test_it_runs_as_the_ev_command() -> None:
    ev = Path(sys.executable).parent / "ev"
    env = {**os.environ, "EV_DEV_SECRET": "1"}
    done = subprocess.run(
        [str(ev), "assess", "--answers", str(EXAMPLE), "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stage"]["name"] == "Engagement"
    bad = subprocess.run(
        [str(ev), "assess", "--answers", "/nonexistent.yaml"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert bad.returncode != 0
    assert "Cannot read" in bad.stderr
