"""`ev assess --answers FILE.yaml [--json]`: score a maturity questionnaire without a server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from django.core.management.base import BaseCommand, CommandError, CommandParser

from escapevelocity.planning import maturity

HORIZONS = {"next_stage": "next stage", "escape_velocity": "escape velocity", "later": "later"}


class Command(BaseCommand):
    help = (
        "Score a maturity questionnaire from an answer file (docs/assess.md), without a server.\n"
        "Prints the stage, the verdict, benchmarks and the roadmap; --json prints everything."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--answers", required=True, help="the answer file (YAML or JSON)")
        parser.add_argument("--json", action="store_true", help="print the full result as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["answers"])
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except yaml.YAMLError as exc:
            raise CommandError(f"{path} is not valid YAML: {exc}") from exc
        try:
            parsed = maturity.parse_answer_file(data)
            result = maturity.assess(
                parsed.answers,
                declared_org_model=parsed.declared_org_model,
                signals=parsed.signals,
                questionnaire=maturity.load_questionnaire(parsed.questionnaire_version),
            )
        except maturity.InvalidAnswersError as exc:
            lines = [f"  {field}: {' '.join(msgs)}" for field, msgs in exc.errors.items()]
            raise CommandError(f"{path} has invalid answers:\n" + "\n".join(lines)) from exc
        if options["json"]:
            self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
            return
        self._print(result)

    def _print(self, r: maturity.MaturityResult) -> None:
        w = self.stdout.write
        w(f"Stage {r.stage.number} of 6: {r.stage.name} — {r.stage.tagline}")
        w(f"  {r.stage.explanation}")
        if r.stage.next_name:
            w(f"  Gaps to {r.stage.next_name}:")
            for gap in r.stage.gaps:
                w(f"    - {gap.need} (answer: {gap.answer})")
        w("")
        w(f"Verdict: {r.verdict.headline}")
        w(f"  {r.verdict.explanation}")
        w("")
        w(
            f"Organizational model practiced: {r.org_model.practiced_label}"
            f" (declared: {r.org_model.declared_label})"
        )
        w(f"Career phase: {r.career.name}")
        w(f"Overall score: {r.overall} / 100")
        if r.contradictions:
            w("")
            w("Answers that disagree:")
            for c in r.contradictions:
                w(f"  - {c.message}")
                w(f"    {c.resolution}")
        if r.benchmarks:
            w("")
            w("Benchmarks:")
            for b in r.benchmarks:
                w(f"  - {b.statement} [{b.source}]")
        w("")
        w("Roadmap:")
        for item in r.roadmap:
            w(f"  {item.rank:>2}. {item.title} ({HORIZONS[item.horizon]}; {item.path})")
            w(f"      {item.why}")
        if r.unanswered:
            w("")
            w(f"Not answered: {', '.join(r.unanswered)}")
