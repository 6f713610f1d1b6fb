"""`ev triage …`: evaluate the triage models on any labeled CSV, and train them.

    ev triage eval --task {sentiment,complaint,intent,route} --data FILE.csv
                   --text-col COL --label-col COL [--train FILE.csv | --cv K] [--json]
    ev triage train [--cache-dir DIR]                     # (re)train the starter models
    ev triage train --data FILE.csv --text-col COL --label-col COL [--out PATH]
                                                          # a learned router from history
    ev triage train --corrections                         # ... from the team's corrections

The management command passes its arguments here; `corrections` and `data_dir` are supplied by
it, since this package cannot reach the database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from .metrics import evaluate, format_report
from .router import RouterError, train_router
from .tasks import TASKS, TaskError, builtin_predictor, normalize_label, train_predictor

CorrectionsLoader = Callable[[], Sequence[tuple[str, str]]]


class Writer(Protocol):
    """Anything with write(str): a file, sys.stdout, Django's OutputWrapper."""

    def write(self, text: str, /) -> Any: ...


class CliError(Exception):
    """A user error: printed as one line on stderr, exit status 2."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ev triage", description="Evaluate and train the triage models."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ev = sub.add_parser("eval", help="measure a model on a labeled CSV")
    ev.add_argument("--task", required=True, choices=TASKS)
    ev.add_argument("--data", required=True, help="CSV file to evaluate on")
    ev.add_argument("--text-col", required=True)
    ev.add_argument("--label-col", required=True)
    group = ev.add_mutually_exclusive_group()
    group.add_argument("--train", help="CSV file to train on first (same column names)")
    group.add_argument("--cv", type=int, help="K-fold cross-validation on --data instead")
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--cache-dir", help="where the starter models are cached")
    tr = sub.add_parser("train", help="train the starter models or a learned router")
    tr.add_argument("--cache-dir", help="where the starter models are cached")
    tr.add_argument("--data", help="CSV of past posts and the route each went to")
    tr.add_argument("--text-col", default="text")
    tr.add_argument("--label-col", default="route")
    tr.add_argument("--corrections", action="store_true", help="train on the team's re-routes")
    tr.add_argument("--out", help="where to save the learned router")
    tr.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def read_labeled(
    path: str, text_col: str, label_col: str, task: str
) -> tuple[list[str], list[str], int]:
    """Return (texts, labels, skipped) from a CSV; rows with an empty label are skipped."""
    try:
        fh = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    with fh:
        reader = csv.DictReader(fh)
        columns = reader.fieldnames or []
        for col, flag in ((text_col, "--text-col"), (label_col, "--label-col")):
            if col not in columns:
                raise CliError(
                    f"{path}: no column '{col}' ({flag}); the columns are: "
                    f"{', '.join(columns) or '(none: the file is empty)'}"
                )
        texts: list[str] = []
        labels: list[str] = []
        skipped = 0
        for line, row in enumerate(reader, start=2):
            label = (row.get(label_col) or "").strip()
            if not label:
                skipped += 1
                continue
            try:
                labels.append(normalize_label(task, label))
            except TaskError as exc:
                raise CliError(f"{path}, line {line}: {exc}") from None
            texts.append(row.get(text_col) or "")
    return texts, labels, skipped


def stratified_folds(labels: Sequence[str], k: int, seed: int = 0) -> list[list[int]]:
    """Return k lists of row indices, each class spread evenly across the folds."""
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(labels):
        by_label.setdefault(label, []).append(i)
    rnd = random.Random(seed)
    folds: list[list[int]] = [[] for _ in range(k)]
    offset = 0
    for label in sorted(by_label):
        rows = by_label[label]
        rnd.shuffle(rows)
        for j, i in enumerate(rows):
            folds[(j + offset) % k].append(i)
        offset += len(rows)
    return folds


def run_eval(args: argparse.Namespace) -> dict[str, Any]:
    """Return the metrics dict for `ev triage eval`."""
    texts, labels, skipped = read_labeled(args.data, args.text_col, args.label_col, args.task)
    if not labels:
        raise CliError(f"{args.data}: no row has a label in '{args.label_col}'")
    try:
        if args.cv is not None:
            if args.cv < 2:
                raise CliError("--cv needs at least 2 folds")
            if args.cv > len(labels):
                raise CliError(f"--cv {args.cv} is more folds than the {len(labels)} labeled rows")
            predicted: list[str] = [""] * len(labels)
            for fold in stratified_folds(labels, args.cv):
                held = set(fold)
                train_idx = [i for i in range(len(labels)) if i not in held]
                predict = train_predictor(
                    args.task, [texts[i] for i in train_idx], [labels[i] for i in train_idx]
                )
                for i, p in zip(fold, predict([texts[i] for i in fold]), strict=True):
                    predicted[i] = p
            mode = f"{args.cv}-fold cross-validation"
        elif args.train:
            train_texts, train_labels, _ = read_labeled(
                args.train, args.text_col, args.label_col, args.task
            )
            predicted = train_predictor(args.task, train_texts, train_labels)(texts)
            mode = f"trained on {args.train}"
        else:
            predicted = builtin_predictor(args.task, cache_dir=args.cache_dir)(texts)
            mode = "built-in models"
    except TaskError as exc:
        raise CliError(str(exc)) from None
    result = evaluate(labels, predicted)
    result["skipped"] = skipped
    result["task"] = args.task
    result["mode"] = mode
    return result


def run_train(
    args: argparse.Namespace,
    *,
    corrections: CorrectionsLoader | None,
    data_dir: Path | None,
) -> dict[str, Any]:
    """Train what `ev triage train` was asked for and return a summary."""
    if args.corrections or args.data:
        if args.corrections and args.data:
            raise CliError("give --corrections or --data, not both")
        if args.corrections:
            if corrections is None:
                raise CliError("--corrections needs the application (run it as `ev triage`)")
            examples = list(corrections())
            source = "the team's corrections"
        else:
            texts, labels, _ = read_labeled(args.data, args.text_col, args.label_col, "route")
            examples = list(zip(texts, labels, strict=True))
            source = args.data
        out = Path(args.out) if args.out else _default_router_path(data_dir)
        try:
            report = train_router(examples, path=out)
        except RouterError as exc:
            raise CliError(str(exc)) from None
        return {
            "trained": "router",
            "source": source,
            "path": str(out),
            "n": report.n,
            "skipped": report.skipped,
            "routes": report.routes,
            "train_accuracy": round(report.train_accuracy, 4),
        }
    from .starter import default_cache_dir, load_starter

    folder = Path(args.cache_dir) if args.cache_dir else _starter_dir(data_dir, default_cache_dir)
    models = load_starter(folder, retrain=True)
    return {
        "trained": "starter",
        "path": str(folder),
        "sentiment_classes": models.sentiment.classes,
        "intent_classes": models.intent.classes,
        "vocabulary": len(models.intent.vocab),
    }


def _default_router_path(data_dir: Path | None) -> Path:
    base = data_dir or (Path(os.environ["EV_DATA_DIR"]) if os.environ.get("EV_DATA_DIR") else None)
    if base is None:
        raise CliError("no --out given and EV_DATA_DIR is not set: where should the router go?")
    return base / "models" / "router.joblib"


def _starter_dir(data_dir: Path | None, fallback: Callable[[], Path]) -> Path:
    return data_dir / "models" if data_dir is not None else fallback()


def main(
    argv: Sequence[str] | None = None,
    *,
    corrections: CorrectionsLoader | None = None,
    data_dir: Path | None = None,
    stdout: Writer | None = None,
    stderr: Writer | None = None,
) -> int:
    """Run `ev triage` with `argv`; return the exit status (0 ok, 2 user error)."""
    out: Writer = stdout or sys.stdout
    err: Writer = stderr or sys.stderr
    parser = _parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        if args.command == "eval":
            result = run_eval(args)
            if args.json:
                out.write(json.dumps(result) + "\n")
            else:
                out.write(f"task {result['task']} ({result['mode']}) on {args.data}\n")
                out.write(format_report(result) + "\n")
        else:
            result = run_train(args, corrections=corrections, data_dir=data_dir)
            if args.json:
                out.write(json.dumps(result) + "\n")
            elif result["trained"] == "router":
                out.write(
                    f"Trained the learned router on {result['n']} examples from "
                    f"{result['source']} ({len(result['routes'])} routes); saved to "
                    f"{result['path']}.\n"
                )
            else:
                out.write(f"Trained the starter models; cached in {result['path']}.\n")
    except CliError as exc:
        err.write(f"ev triage: error: {exc}\n")
        return 2
    return 0
