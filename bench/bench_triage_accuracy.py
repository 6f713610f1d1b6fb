"""Triage accuracy on the real, labeled posts in ../shared/data (skipped when absent).

    .venv/bin/python bench/bench_triage_accuracy.py [--quick]

1. Out of the box (shipped models, no training on the evaluated data): TweetEval sentiment
   macro-recall and airline sentiment accuracy, against vaderSentiment (compound ±0.05) in the
   same run.
2. Trained on the dev file, as `ev triage eval --cv 5` does (the held-out test splits are not
   here, so 5-fold cross-validation stands in for --train): airline sentiment accuracy,
   complaints macro-F1, airline negative_reason (10 routes) macro-F1 — against a plain TF-IDF
   (word 1–2-grams) + logistic regression baseline on the same folds.
3. Care topics: per brand and topic, a learned router (topic vs. not) in 5-fold
   cross-validation; per-topic F1 beside the zero-shot NLI figures quoted in the data README.

--quick skips the slow parts (2 and 3).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
NLI = {("AmazonHelp", "Delivery"): 0.87, ("AmazonHelp", "Bad Support"): 0.75,
       ("SpotifyCares", "Account"): 0.58}  # fmt: skip


def read(rel: str, text: str, label: str) -> tuple[list[str], list[str]] | None:
    path = DATA / rel
    if not path.is_file():
        print(f"SKIPPED {rel}: {path} is absent")
        return None
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if (r.get(label) or "").strip()]
    return [r[text] for r in rows], [r[label].strip() for r in rows]


def vader_labels(texts: Sequence[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = []
    for t in texts:
        c = analyzer.polarity_scores(t)["compound"]
        out.append("positive" if c >= 0.05 else "negative" if c <= -0.05 else "neutral")
    return out


def cross_validate(task: str, texts: list[str], labels: list[str], k: int = 5) -> list[str]:
    from escapevelocity.triage.cli import stratified_folds
    from escapevelocity.triage.tasks import train_predictor

    predicted = [""] * len(labels)
    for fold in stratified_folds(labels, k):
        held = set(fold)
        train = [i for i in range(len(labels)) if i not in held]
        predict = train_predictor(task, [texts[i] for i in train], [labels[i] for i in train])
        for i, p in zip(fold, predict([texts[i] for i in fold]), strict=True):
            predicted[i] = p
    return predicted


def baseline_cv(texts: list[str], labels: list[str], k: int = 5) -> list[str]:
    """TF-IDF word 1-2-grams + logistic regression (scikit-learn defaults), same folds."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from escapevelocity.triage.cli import stratified_folds

    predicted = [""] * len(labels)
    for fold in stratified_folds(labels, k):
        held = set(fold)
        train = [i for i in range(len(labels)) if i not in held]
        vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
        x = vec.fit_transform([texts[i] for i in train])
        clf = LogisticRegression(max_iter=2000).fit(x, [labels[i] for i in train])
        for i, p in zip(fold, clf.predict(vec.transform([texts[i] for i in fold])), strict=True):
            predicted[i] = str(p)
    return predicted


def out_of_the_box() -> None:
    from escapevelocity.triage.metrics import evaluate
    from escapevelocity.triage.tasks import builtin_predictor

    predict = builtin_predictor("sentiment")
    for rel, metric in (
        ("tweeteval/sentiment_val.csv", "macro_recall"),
        ("airline/airline_dev.csv", "accuracy"),
    ):
        data = read(rel, "text", "sentiment")
        if data is None:
            continue
        texts, labels = data
        ours = evaluate(labels, predict(texts))
        vader = evaluate(labels, vader_labels(texts))
        print(
            f"{rel:32s} {metric:12s} triage {ours[metric]:.3f}  vader {vader[metric]:.3f}  "
            f"ratio {ours[metric] / vader[metric]:.2f}  (macro-F1 {ours['macro_f1']:.3f} "
            f"vs {vader['macro_f1']:.3f}; n={ours['n']})"
        )


def trained() -> None:
    from escapevelocity.triage.metrics import evaluate

    for rel, label, task, metric in (
        ("airline/airline_dev.csv", "sentiment", "sentiment", "accuracy"),
        ("complaints/complaints_dev.csv", "complaint", "complaint", "macro_f1"),
        ("airline/airline_dev.csv", "negative_reason", "route", "macro_f1"),
    ):
        data = read(rel, "text", label)
        if data is None:
            continue
        texts, labels = data
        if task == "complaint":
            labels = ["1" if v.strip().lower() in ("1", "true") else "0" for v in labels]
        start = time.perf_counter()
        ours = evaluate(labels, cross_validate(task, texts, labels))
        seconds = time.perf_counter() - start
        base = evaluate(labels, baseline_cv(texts, labels))
        print(
            f"{rel}:{label:16s} {metric:9s} triage {ours[metric]:.3f}  tfidf+lr {base[metric]:.3f}"
            f"  ratio {ours[metric] / base[metric]:.3f}  (accuracy {ours['accuracy']:.3f}; "
            f"n={ours['n']}; 5-fold CV in {seconds:.0f} s)"
        )


def care_topics() -> None:
    from escapevelocity.triage.metrics import evaluate

    for brand in ("AmazonHelp", "AppleSupport", "SpotifyCares"):
        path = DATA / "care_topics" / f"{brand}_dev.csv"
        if not path.is_file():
            print(f"SKIPPED care_topics/{brand}: {path} is absent")
            continue
        with open(path, encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        texts = [r["text"] for r in rows]
        topics = [{t.strip() for t in (r["topics"] or "").split("|") if t.strip()} for r in rows]
        names = sorted({t for ts in topics for t in ts})
        for topic in names:
            labels = [topic if topic in ts else "-" for ts in topics]
            positives = labels.count(topic)
            if positives < 3:
                print(f"care_topics {brand:12s} {topic:22s} only {positives} examples: skipped")
                continue
            k = min(5, positives)
            result = evaluate(labels, cross_validate("route", texts, labels, k=k))
            f1 = result["per_class"][topic]["f1"]
            nli = NLI.get((brand, topic))
            beside = f"  zero-shot NLI {nli:.2f}" if nli is not None else ""
            print(
                f"care_topics {brand:12s} {topic:22s} F1 {f1:.3f}  "
                f"(n={len(labels)}, {positives} with the topic, {k}-fold CV){beside}"
            )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="out-of-the-box figures only")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if not DATA.is_dir():
        print(f"SKIPPED: {DATA} is absent; the accuracy benchmark needs the real data.")
        return 0
    print("== out of the box (no training on the evaluated data)")
    out_of_the_box()
    if not args.quick:
        print("== trained on the dev file (5-fold cross-validation)")
        trained()
        print("== care topics: learned router per brand and topic")
        care_topics()
    return 0


if __name__ == "__main__":
    sys.exit(main())
