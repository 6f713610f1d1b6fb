"""`ev triage` as a Django management command: a thin wrapper around triage.cli."""

from __future__ import annotations

import io
import json
import sys
import types
from pathlib import Path

import pytest
from django.core.management import call_command


def command(*argv: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("triage", *argv, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_it_passes_eval_arguments_through(tmp_path: Path, model_cache: Path) -> None:
    data = tmp_path / "s.csv"
    data.write_text("text,label\nI love it,positive\nterrible service,negative\n", "utf-8")
    out, _ = command(
        "eval", "--task", "sentiment", "--data", str(data), "--text-col", "text",
        "--label-col", "label", "--json", "--cache-dir", str(model_cache),
    )  # fmt: skip
    assert json.loads(out)["n"] == 2


def test_it_exits_with_the_error_status(tmp_path: Path) -> None:
    data = tmp_path / "s.csv"
    data.write_text("text,label\nx,positive\n", "utf-8")
    err = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command(
            "triage", "eval", "--task", "sentiment", "--data", str(data), "--text-col", "body",
            "--label-col", "label", stderr=err,
        )  # fmt: skip
    assert exited.value.code == 2
    assert "no column 'body'" in err.getvalue()


def test_it_trains_the_router_from_the_care_corrections(
    tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = types.ModuleType("escapevelocity.care.selectors")
    fake.routing_training_examples = lambda: [  # type: ignore[attr-defined]
        ("charged twice on my bill", "billing"),
        ("invoice is wrong", "billing"),
        ("router keeps rebooting", "tech"),
        ("wifi drops every hour", "tech"),
    ]
    monkeypatch.setitem(sys.modules, "escapevelocity.care.selectors", fake)
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    out, _ = command("train", "--corrections")
    assert "4 examples from the team's corrections" in out
    assert (tmp_path / "models" / "router.joblib").is_file()


def test_it_says_clearly_when_care_cannot_give_corrections(
    tmp_path: Path, settings: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "escapevelocity.care.selectors", types.ModuleType("selectors"))
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    err = io.StringIO()
    with pytest.raises(SystemExit):
        call_command("triage", "train", "--corrections", stderr=err)
    assert "routing_training_examples() does not exist yet" in err.getvalue()
