"""Classification metrics for `ev triage eval`: accuracy, macro-F1, macro-recall, per-class
precision/recall/F1 and the confusion matrix, as one JSON-serializable dict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def evaluate(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Return accuracy, macro_f1, macro_recall, per_class, confusion and n.

    Classes are those present in the truth; a predicted label the truth never uses still counts
    against precision of nothing and recall of the true class. `confusion[true][predicted]` is
    a count; per_class[label] holds precision, recall, f1 and support.
    """
    if len(truth) != len(predicted):
        raise ValueError("truth and predictions differ in length")
    n = len(truth)
    labels = sorted(set(truth))
    all_labels = sorted(set(truth) | set(predicted))
    confusion = {t: dict.fromkeys(all_labels, 0) for t in labels}
    for t, p in zip(truth, predicted, strict=True):
        confusion[t][p] += 1
    correct = sum(confusion[t][t] for t in labels)
    per_class: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = confusion[label][label]
        support = sum(confusion[label].values())
        predicted_n = sum(row.get(label, 0) for row in confusion.values())
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {
            "precision": round(precision, 4),
            "recall": round(recall, 4),
            "f1": round(f1, 4),
            "support": support,
        }
    k = len(labels) or 1
    return {
        "accuracy": round(correct / n, 4) if n else 0.0,
        "macro_f1": round(sum(c["f1"] for c in per_class.values()) / k, 4),
        "macro_recall": round(sum(c["recall"] for c in per_class.values()) / k, 4),
        "per_class": per_class,
        "confusion": confusion,
        "n": n,
    }


def format_report(result: dict[str, Any]) -> str:
    """Return the metrics as a plain-text report for a terminal."""
    lines = [
        f"n = {result['n']}"
        + (
            f" (skipped {result['skipped']} rows with an empty label)"
            if result.get("skipped")
            else ""
        ),
        f"accuracy      {result['accuracy']:.4f}",
        f"macro-F1      {result['macro_f1']:.4f}",
        f"macro-recall  {result['macro_recall']:.4f}",
        "",
    ]
    per_class: dict[str, dict[str, float]] = result["per_class"]
    width = max([len(c) for c in per_class] + [5])
    lines.append(f"{'class':<{width}}  precision  recall     f1  support")
    for label, c in per_class.items():
        lines.append(
            f"{label:<{width}}  {c['precision']:9.4f}  {c['recall']:6.4f}  {c['f1']:5.4f}"
            f"  {int(c['support']):7d}"
        )
    confusion: dict[str, dict[str, int]] = result["confusion"]
    columns = sorted({p for row in confusion.values() for p in row})
    cw = max([len(c) for c in columns] + [5])
    lines += ["", "confusion (rows: true, columns: predicted)"]
    lines.append(" " * width + "  " + " ".join(f"{c[:cw]:>{cw}}" for c in columns))
    for label, row in confusion.items():
        lines.append(f"{label:<{width}}  " + " ".join(f"{row.get(c, 0):>{cw}}" for c in columns))
    return "\n".join(lines)
