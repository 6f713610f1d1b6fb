from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from escapevelocity.triage import cli
from escapevelocity.triage.metrics import evaluate

SENTIMENT_ROWS = [
    ("I love this, thank you so much!", "positive"),
    ("Fantastic service, really happy", "positive"),
    ("My parcel arrived broken and nobody cares", "negative"),
    ("Worst experience ever, never again", "negative"),
    ("The store opens at 9 on Mondays", "neutral"),
    ("I am not happy at all with the refund", "negative"),
    ("", ""),
    ("no label here", ""),
]


def write_csv(path: Path, header: list[str], rows: list[tuple[str, ...]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(list(argv), stdout=out, stderr=err)
    return status, out.getvalue(), err.getvalue()


def test_it_evaluates_the_builtin_sentiment_as_json(tmp_path: Path, model_cache: Path) -> None:
    data = write_csv(tmp_path / "s.csv", ["body", "label"], SENTIMENT_ROWS)
    status, out, _ = run(
        "eval", "--task", "sentiment", "--data", str(data), "--text-col", "body",
        "--label-col", "label", "--json", "--cache-dir", str(model_cache),
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    assert {"accuracy", "macro_f1", "macro_recall", "per_class", "confusion", "n"} <= set(result)
    assert result["n"] == 6
    assert result["skipped"] == 2
    assert result["accuracy"] >= 5 / 6
    assert set(result["per_class"]) == {"positive", "negative", "neutral"}
    assert sum(sum(row.values()) for row in result["confusion"].values()) == 6


def test_it_prints_a_readable_report(tmp_path: Path, model_cache: Path) -> None:
    data = write_csv(tmp_path / "s.csv", ["text", "sentiment"], SENTIMENT_ROWS)
    status, out, _ = run(
        "eval", "--task", "sentiment", "--data", str(data), "--text-col", "text",
        "--label-col", "sentiment", "--cache-dir", str(model_cache),
    )  # fmt: skip
    assert status == 0
    assert "macro-F1" in out
    assert "macro-recall" in out
    assert "confusion" in out
    assert "skipped 2 rows with an empty label" in out


def test_it_names_a_missing_column(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "s.csv", ["text", "sentiment"], SENTIMENT_ROWS)
    status, out, err = run(
        "eval", "--task", "sentiment", "--data", str(data), "--text-col", "body",
        "--label-col", "sentiment",
    )  # fmt: skip
    assert status == 2
    assert out == ""
    assert "no column 'body' (--text-col)" in err
    assert "the columns are: text, sentiment" in err


def test_it_reads_complaint_labels_as_1_0_or_true_false(tmp_path: Path, model_cache: Path) -> None:
    rows = [
        ("my order never arrived and support ignores me", "1"),
        ("the app crashes every time, fix it", "TRUE"),
        ("what are your opening hours?", "0"),
        ("thanks for the quick help!", "false"),
    ]
    data = write_csv(tmp_path / "c.csv", ["text", "complaint"], rows)
    status, out, _ = run(
        "eval", "--task", "complaint", "--data", str(data), "--text-col", "text",
        "--label-col", "complaint", "--json", "--cache-dir", str(model_cache),
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    assert set(result["per_class"]) == {"0", "1"}
    assert result["accuracy"] == 1.0


def test_it_rejects_a_complaint_label_it_cannot_read(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "c.csv", ["text", "complaint"], [("x", "maybe")])
    status, _, err = run(
        "eval", "--task", "complaint", "--data", str(data), "--text-col", "text",
        "--label-col", "complaint",
    )  # fmt: skip
    assert status == 2
    assert "line 2" in err
    assert "1/0 or true/false" in err


def route_rows() -> list[tuple[str, str]]:
    billing = [
        "charged twice on my bill",
        "wrong amount on my invoice",
        "refund my payment",
        "my bill went up again",
        "billing error on my card",
        "invoice fee I never agreed",
    ]
    tech = [
        "router keeps rebooting",
        "wifi drops every hour",
        "no signal since upgrade",
        "modem lights blinking red",
        "internet speed is awful",
        "box will not connect",
    ]
    return [(t, "billing") for t in billing] + [(t, "tech") for t in tech]


def test_it_trains_the_router_for_the_route_task(tmp_path: Path) -> None:
    train = write_csv(tmp_path / "train.csv", ["text", "route"], route_rows())
    test = write_csv(
        tmp_path / "test.csv",
        ["text", "route"],
        [
            ("there is a double charge on my invoice", "billing"),
            ("my router will not connect", "tech"),
        ],
    )
    status, out, _ = run(
        "eval", "--task", "route", "--data", str(test), "--train", str(train),
        "--text-col", "text", "--label-col", "route", "--json",
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    assert result["accuracy"] == 1.0
    assert result["mode"] == f"trained on {train}"


def test_it_cross_validates(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "r.csv", ["text", "route"], route_rows())
    status, out, _ = run(
        "eval", "--task", "route", "--data", str(data), "--cv", "3",
        "--text-col", "text", "--label-col", "route", "--json",
    )  # fmt: skip
    assert status == 0
    result = json.loads(out)
    assert result["n"] == 12
    assert result["mode"] == "3-fold cross-validation"


def test_it_needs_training_data_for_the_route_task(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "r.csv", ["text", "route"], route_rows())
    status, _, err = run(
        "eval", "--task", "route", "--data", str(data), "--text-col", "text", "--label-col",
        "route",
    )  # fmt: skip
    assert status == 2
    assert "--train FILE or --cv K" in err


def test_it_spreads_each_class_across_the_folds() -> None:
    labels = ["a"] * 6 + ["b"] * 3
    folds = cli.stratified_folds(labels, 3)
    assert sorted(i for f in folds for i in f) == list(range(9))
    assert all(sum(1 for i in f if labels[i] == "b") == 1 for f in folds)


def test_it_trains_a_router_from_a_history_file(tmp_path: Path) -> None:
    data = write_csv(tmp_path / "history.csv", ["text", "unit"], route_rows())
    out_path = tmp_path / "models" / "router.joblib"
    status, out, _ = run(
        "train", "--data", str(data), "--label-col", "unit", "--out", str(out_path), "--json",
    )  # fmt: skip
    assert status == 0
    assert json.loads(out)["routes"] == {"billing": 6, "tech": 6}
    assert out_path.is_file()


def test_it_trains_a_router_from_corrections_under_the_data_dir(tmp_path: Path) -> None:
    out, err = io.StringIO(), io.StringIO()
    status = cli.main(
        ["train", "--corrections"],
        corrections=route_rows,
        data_dir=tmp_path,
        stdout=out,
        stderr=err,
    )
    assert status == 0, err.getvalue()
    assert (tmp_path / "models" / "router.joblib").is_file()
    assert "12 examples from the team's corrections" in out.getvalue()


def test_it_says_when_corrections_are_unavailable() -> None:
    status, _, err = run("train", "--corrections")
    assert status == 2
    assert "--corrections needs the application" in err


def test_it_retrains_the_starter_models(tmp_path: Path) -> None:
    status, out, _ = run("train", "--cache-dir", str(tmp_path), "--json")
    assert status == 0
    assert json.loads(out)["trained"] == "starter"
    assert list(tmp_path.glob("starter-*.pickle"))


def test_it_computes_the_metrics() -> None:
    result = evaluate(["a", "a", "b", "b"], ["a", "b", "b", "b"])
    assert result["accuracy"] == 0.75
    assert result["per_class"]["a"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert result["per_class"]["b"]["precision"] == 0.6667
    assert result["macro_recall"] == 0.75
    assert result["macro_f1"] == round((0.6667 + 0.8) / 2, 4)
    assert result["confusion"] == {"a": {"a": 1, "b": 1}, "b": {"a": 0, "b": 2}}


def test_it_rejects_unknown_arguments() -> None:
    with pytest.raises(SystemExit):
        cli._parser().parse_args(["eval", "--task", "mood"])
