"""Maturity scoring: where a social business program stands, and the way to the next stage.

Pure: answers to the versioned questionnaire (planning/data/questionnaire_v<N>.yaml) plus optional
live figures from the product go in; a MaturityResult comes out, with

- the stage of social business transformation (Li & Solis, 2013), the evidence for it and the
  gaps to the next; stages build on each other, so a program is placed at the highest stage whose
  criteria, and every lower stage's, are met;
- the organizational model actually practiced (Owyang, 2010), set against the declared one;
- the strategist's career phase (Owyang, 2010);
- the Social Media Help Desk vs escape velocity verdict, with every factor that made it;
- comparisons with published figures (planning.benchmarks), and a prioritized roadmap;
- contradictions between answers (or between an answer and a live figure), each stated with
  the way it was resolved, so that no result is silently arbitrary.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from importlib import resources
from typing import Any

import yaml

from escapevelocity.planning import benchmarks as bm

LATEST_VERSION = 1
# The verdict's thresholds on the weighted score from 0 (help desk) to 1 (escape velocity).
HELP_DESK_AT = 0.4
ESCAPE_VELOCITY_AT = 0.65
_EPS = 1e-9


# ---------------------------------------------------------------------------------------------
# The frameworks


@dataclass(frozen=True)
class StageInfo:
    number: int
    key: str
    name: str
    tagline: str
    description: str


STAGES: tuple[StageInfo, ...] = (
    StageInfo(
        1,
        "planning",
        "Planning",
        "Listen to learn",
        "Listening, pilots, audits of competitors and of internal readiness.",
    ),
    StageInfo(
        2,
        "presence",
        "Presence",
        "Stake our claim",
        "A formal presence, content that amplifies marketing, metrics tied to department goals.",
    ),
    StageInfo(
        3,
        "engagement",
        "Engagement",
        "Dialogue deepens relationships",
        "Dialogue across the customer lifecycle: communities, support, the path to purchase.",
    ),
    StageInfo(
        4,
        "formalized",
        "Formalized",
        "Organize for scale",
        "An executive sponsor, a hub or center of excellence, organization-wide governance.",
    ),
    StageInfo(
        5,
        "strategic",
        "Strategic",
        "Becoming a social business",
        "C-level visibility through business impact; social methods across functions.",
    ),
    StageInfo(
        6,
        "converged",
        "Converged",
        "Business is social",
        "Social strategy woven into the fabric of the organization.",
    ),
)

# Per stage: (question, minimum level, what the stage needs). Levels are the options' `level`.
STAGE_CRITERIA: dict[int, tuple[tuple[str, float, str], ...]] = {
    1: (
        ("listening", 0.5, "Listening to what customers say on social networks"),
        ("readiness_audit", 0.5, "An audit of competitors and of internal readiness"),
    ),
    2: (
        ("formal_presence", 1.0, "Every official account with an owner, a voice and a calendar"),
        ("department_metrics", 0.5, "Social metrics tied to department goals"),
    ),
    3: (
        (
            "lifecycle_engagement",
            0.67,
            "Dialogue in at least two of support, communities and the path to purchase",
        ),
        ("social_care", 0.5, "Customer care answering customers on social networks"),
    ),
    4: (
        ("executive_sponsor", 1.0, "A named executive sponsor who owns the budget"),
        ("center_of_excellence", 1.0, "A hub with authority to set process and policy"),
        ("governance_policy", 0.67, "Organization-wide governance, published"),
    ),
    5: (
        ("c_level_visibility", 1.0, "C-level executives regularly see social's business impact"),
        ("outcome_metrics", 1.0, "Metrics linked to revenue, reputation and cost"),
        ("cross_functional", 0.5, "Social methods used beyond marketing and care"),
    ),
    6: (
        ("woven_in", 1.0, "Social strategy in every function's plans and budgets"),
        ("cross_functional", 1.0, "Most functions use social methods in their own work"),
        ("coordination", 1.0, "Lines of business work together on one plan"),
    ),
}


@dataclass(frozen=True)
class OrgModelInfo:
    key: str
    label: str
    what: str
    strengths: tuple[str, ...]
    risks: tuple[str, ...]


ORG_MODELS: tuple[OrgModelInfo, ...] = (
    OrgModelInfo(
        "organic",
        "Organic (decentralized)",
        "Efforts bubble up anywhere in the company, without coordination.",
        ("Authentic", "Close to products and customers"),
        (
            "An inconsistent customer experience",
            "Nobody knows what the others do",
            "Account sprawl: rogue and dormant accounts",
        ),
    ),
    OrgModelInfo(
        "centralized",
        "Centralized",
        "One department, often corporate communications, runs everything.",
        ("A consistent voice and experience",),
        ("Less authentic", "Cannot scale with the business units' demands"),
    ),
    OrgModelInfo(
        "hub_and_spoke",
        "Hub and spoke (coordinated)",
        "A cross-functional hub enables business units, products and regions.",
        ("A holistic customer experience", "Shared resources and knowledge"),
        ("Costly", "Needs executive support and program management"),
    ),
    OrgModelInfo(
        "multiple_hub_and_spoke",
        "Multiple hub and spoke (dandelion)",
        "Companies within the company under one brand, each with its own hub.",
        ("Units move freely", "A common experience under one brand"),
        ("Internal noise between hubs", "Needs dedicated staff in every hub"),
    ),
    OrgModelInfo(
        "holistic",
        "Holistic (honeycomb)",
        "Every employee who wants to be social is enabled, in an organized way.",
        ("The whole workforce speaks for the company",),
        ("Executives must let go", "Needs training and governance for everyone"),
    ),
)
_MODEL_BY_KEY = {m.key: m for m in ORG_MODELS}
ORG_MODEL_QUESTIONS = ("who_publishes", "shared_services", "unit_autonomy", "employee_enablement")


@dataclass(frozen=True)
class PhaseInfo:
    key: str
    name: str
    description: str


CAREER_PHASES: tuple[PhaseInfo, ...] = (
    PhaseInfo(
        "awakening",
        "Awakening",
        "A champion adopts the tools on the company's behalf, against resistance.",
    ),
    PhaseInfo(
        "ascension",
        "Ascension",
        "Pilots launched, first resources, a program manager named.",
    ),
    PhaseInfo(
        "storm",
        "Storm of cultural conflict",
        "Expansion meets resistance to transparency, turf battles, legal and security issues "
        "and questions about return on investment.",
    ),
    PhaseInfo(
        "decision_point",
        "Career decision point",
        "The program has grown; customer voices and internal requests become unmanageable. "
        "From here it becomes a Social Media Help Desk or reaches escape velocity.",
    ),
)
_PHASE_BY_KEY = {p.key: p for p in CAREER_PHASES}

CHALLENGES: tuple[tuple[str, str], ...] = (
    ("challenge_culture", "Resistance from internal culture"),
    ("challenge_roi", "Measuring return on investment"),
    ("challenge_resources", "Lack of resources"),
    ("challenge_technology", "An ever-changing technology space"),
    ("challenge_resentment", "Resentment and envy of the role"),
    ("challenge_demand", "A looming increase in business demands"),
)

DIMENSIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "strategy",
        "Strategy and sponsorship",
        ("formal_program", "plan_horizon", "executive_alignment", "executive_sponsor"),
    ),
    (
        "organization",
        "Organization",
        ("center_of_excellence", "coordination", "cross_functional", "woven_in"),
    ),
    (
        "measurement",
        "Measurement",
        ("outcome_metrics", "department_metrics", "c_level_visibility"),
    ),
    (
        "governance",
        "Governance and readiness",
        ("governance_policy", "account_inventory", "crisis_plan", "triage"),
    ),
    ("enablement", "Enablement", ("training", "requirements_published", "demand_response")),
    (
        "engagement",
        "Engagement",
        ("listening", "formal_presence", "lifecycle_engagement", "social_care"),
    ),
)


# ---------------------------------------------------------------------------------------------
# The questionnaire


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    level: float | None = None
    votes: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    id: str
    section: str
    kind: str  # choice | scale | number
    text: str
    help: str
    options: tuple[Option, ...] = ()
    min: int | None = None
    max: int | None = None
    optional: bool = False

    def option(self, value: object) -> Option | None:
        """Return the option with this value, or None."""
        for option in self.options:
            if option.value == value:
                return option
        return None


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    intro: str


@dataclass(frozen=True)
class Questionnaire:
    version: int
    title: str
    sources: str
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question:
        """Return the question with this id (KeyError when there is none)."""
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    def in_section(self, key: str) -> tuple[Question, ...]:
        """Return the questions of one section, in order."""
        return tuple(q for q in self.questions if q.section == key)


class QuestionnaireError(ValueError):
    """The questionnaire data file is malformed."""


def available_versions() -> list[int]:
    """Return the questionnaire versions shipped with the package, oldest first."""
    found = []
    for entry in resources.files("escapevelocity.planning.data").iterdir():
        name = entry.name
        if name.startswith("questionnaire_v") and name.endswith(".yaml"):
            number = name.removeprefix("questionnaire_v").removesuffix(".yaml")
            if number.isdigit():
                found.append(int(number))
    return sorted(found)


@functools.cache
def load_questionnaire(version: int = LATEST_VERSION) -> Questionnaire:
    """Return questionnaire `version`, read from the package data and checked."""
    if version not in available_versions():
        raise QuestionnaireError(f"There is no questionnaire version {version}.")
    text = (
        resources.files("escapevelocity.planning.data")
        .joinpath(f"questionnaire_v{version}.yaml")
        .read_text(encoding="utf-8")
    )
    return parse_questionnaire(yaml.safe_load(text))


def parse_questionnaire(data: Any) -> Questionnaire:
    """Return a Questionnaire built from its YAML data, or raise QuestionnaireError."""
    if not isinstance(data, dict):
        raise QuestionnaireError("The questionnaire must be a mapping.")
    sections = tuple(
        Section(str(s["key"]), str(s["title"]), str(s.get("intro", "")))
        for s in data.get("sections", [])
    )
    section_keys = {s.key for s in sections}
    model_keys = set(_MODEL_BY_KEY)
    questions: list[Question] = []
    seen: set[str] = set()
    for raw in data.get("questions", []):
        qid = str(raw.get("id", ""))
        if not qid or qid in seen:
            raise QuestionnaireError(f"Question id '{qid}' is empty or repeated.")
        seen.add(qid)
        kind = raw.get("kind")
        if kind not in ("choice", "scale", "number"):
            raise QuestionnaireError(f"{qid}: unknown kind {kind!r}.")
        if raw.get("section") not in section_keys:
            raise QuestionnaireError(f"{qid}: unknown section {raw.get('section')!r}.")
        if not raw.get("text") or not raw.get("help"):
            raise QuestionnaireError(f"{qid}: every question needs text and help.")
        options: list[Option] = []
        for opt in raw.get("options", []) or []:
            votes = {str(k): int(v) for k, v in (opt.get("votes") or {}).items()}
            if not set(votes) <= model_keys:
                raise QuestionnaireError(f"{qid}: votes for unknown models {sorted(votes)}.")
            level = opt.get("level")
            if level is not None and not 0 <= float(level) <= 1:
                raise QuestionnaireError(f"{qid}: level {level} is outside 0..1.")
            options.append(
                Option(
                    value=str(opt["value"]),
                    label=str(opt["label"]),
                    level=None if level is None else float(level),
                    votes=votes,
                )
            )
        if kind == "choice" and len(options) < 2:
            raise QuestionnaireError(f"{qid}: a choice needs at least two options.")
        if kind == "scale" and (raw.get("min") is None or raw.get("max") is None):
            raise QuestionnaireError(f"{qid}: a scale needs min and max.")
        questions.append(
            Question(
                id=qid,
                section=str(raw["section"]),
                kind=str(kind),
                text=str(raw["text"]).strip(),
                help=str(raw["help"]).strip(),
                options=tuple(options),
                min=None if raw.get("min") is None else int(raw["min"]),
                max=None if raw.get("max") is None else int(raw["max"]),
                optional=bool(raw.get("optional", False)),
            )
        )
    return Questionnaire(
        version=int(data["version"]),
        title=str(data.get("title", "")),
        sources=str(data.get("sources", "")).strip(),
        sections=sections,
        questions=tuple(questions),
    )


# ---------------------------------------------------------------------------------------------
# Answers and live signals


@dataclass(frozen=True)
class Answer:
    value: str | float
    evidence: str = ""


class InvalidAnswersError(ValueError):
    """Answers that do not fit the questionnaire; `errors` maps each field to its messages."""

    def __init__(self, errors: Mapping[str, list[str]]) -> None:
        self.errors = dict(errors)
        summary = "; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items())
        super().__init__(summary)


MAX_EVIDENCE = 2000


def parse_answers(raw: Mapping[str, Any], questionnaire: Questionnaire) -> dict[str, Answer]:
    """Return validated answers from {question: value or {value, evidence}}.

    Blank values mean "not answered" and are left out. Raises InvalidAnswersError naming every
    bad field at once (unknown question, unknown option, number out of range, evidence too long).
    """
    errors: dict[str, list[str]] = {}
    known = {q.id: q for q in questionnaire.questions}
    answers: dict[str, Answer] = {}
    for qid, given in raw.items():
        key = str(qid)
        question = known.get(key)
        if question is None:
            errors.setdefault(key, []).append("There is no such question in this questionnaire.")
            continue
        evidence: object = ""
        value: object = given
        if isinstance(given, Mapping):
            extra = set(given) - {"value", "evidence"}
            if extra:
                errors.setdefault(key, []).append(
                    f"Unexpected keys {sorted(map(str, extra))}: use value and evidence."
                )
                continue
            value = given.get("value")
            evidence = given.get("evidence") or ""
        if not isinstance(evidence, str):
            errors.setdefault(key, []).append("Evidence must be text.")
            continue
        evidence = evidence.strip()
        if len(evidence) > MAX_EVIDENCE:
            errors.setdefault(key, []).append(f"Evidence is limited to {MAX_EVIDENCE} characters.")
            continue
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        problem, parsed = _check_value(question, value)
        if problem:
            errors.setdefault(key, []).append(problem)
            continue
        assert parsed is not None
        answers[key] = Answer(parsed, evidence)
    if errors:
        raise InvalidAnswersError(errors)
    return answers


def _check_value(question: Question, value: object) -> tuple[str, str | float | None]:
    if question.kind == "choice":
        # YAML reads a bare yes/no as a boolean; accept it for the yes/no options.
        if isinstance(value, bool):
            value = "yes" if value else "no"
        text = str(value).strip()
        if question.option(text) is None:
            allowed = ", ".join(o.value for o in question.options)
            return f"'{text}' is not one of: {allowed}.", None
        return "", text
    if isinstance(value, bool):
        return "A number is expected.", None
    try:
        number = float(str(value).strip())
    except ValueError:
        return f"'{value}' is not a number.", None
    if not math.isfinite(number):
        return "A finite number is expected.", None
    if question.kind == "scale":
        assert question.min is not None
        assert question.max is not None
        if number != int(number) or not question.min <= number <= question.max:
            return f"A whole number from {question.min} to {question.max} is expected.", None
        return "", int(number)
    if number < 0:
        return "A number of zero or more is expected.", None
    return "", number


SIGNAL_FIELDS = (
    "demand_help_desk_risk",
    "care_reactive_load",
    "governance_inventory_coverage",
    "outcomes_business_metric_share",
)


@dataclass(frozen=True)
class LiveSignals:
    """Figures measured by the product, each a share from 0 to 1, or None without data.

    demand_help_desk_risk: Demand's help-desk risk (1 = heading for the help desk);
    care_reactive_load: the share of Care's recent conversations that fell on the hub (in its
    own queue, or escalated);
    governance_inventory_coverage: the share of known accounts that are inventoried and owned;
    outcomes_business_metric_share: the share of Outcomes' metrics tied to business results.
    """

    demand_help_desk_risk: float | None = None
    care_reactive_load: float | None = None
    governance_inventory_coverage: float | None = None
    outcomes_business_metric_share: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{f.name}: a number from 0 to 1 is expected.")
            if not (math.isfinite(value) and 0 <= value <= 1):
                raise ValueError(f"{f.name}: a number from 0 to 1 is expected, not {value}.")

    def present(self) -> dict[str, float]:
        """Return the signals that have a value."""
        return {k: v for k, v in asdict(self).items() if v is not None}


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Criterion:
    question: str
    need: str
    met: bool
    answer: str  # the label of the answer given, or "not answered"
    evidence: str = ""


@dataclass(frozen=True)
class StageResult:
    number: int
    key: str
    name: str
    tagline: str
    description: str
    evidence: list[Criterion]
    next_number: int | None
    next_name: str | None
    gaps: list[Criterion]
    progress_to_next: float
    explanation: str


@dataclass(frozen=True)
class OrgModelResult:
    practiced: str | None
    practiced_label: str
    declared: str | None
    declared_label: str
    matches: bool | None
    votes: dict[str, int]
    confidence: float
    strengths: list[str]
    risks: list[str]
    explanation: str


@dataclass(frozen=True)
class CareerResult:
    phase: str | None
    name: str
    description: str
    explanation: str


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    value: float  # 0 = help desk, 1 = escape velocity
    weight: float
    source: str  # "answer" or "live"
    detail: str


@dataclass(frozen=True)
class VerdictResult:
    verdict: str  # escape_velocity | help_desk | undecided | unknown
    headline: str
    score: float | None
    factors: list[Factor]
    explanation: str


@dataclass(frozen=True)
class Contradiction:
    key: str
    message: str
    resolution: str


@dataclass(frozen=True)
class BenchmarkComparison:
    key: str
    question: str
    statement: str
    figure: str
    source: str
    among: bool | None  # is the program in the group the figure describes?


@dataclass(frozen=True)
class RoadmapItem:
    rank: int
    key: str
    title: str
    why: str
    path: str
    place: str
    horizon: str  # next_stage | escape_velocity | later


@dataclass(frozen=True)
class ChallengeRating:
    key: str
    label: str
    rating: int | None


@dataclass(frozen=True)
class MaturityResult:
    questionnaire_version: int
    stage: StageResult
    org_model: OrgModelResult
    career: CareerResult
    verdict: VerdictResult
    challenges: list[ChallengeRating]
    dimensions: dict[str, int]
    overall: int
    benchmarks: list[BenchmarkComparison]
    roadmap: list[RoadmapItem]
    contradictions: list[Contradiction]
    unanswered: list[str]
    signals: dict[str, float]
    answers: dict[str, dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """Return the result as plain JSON-ready data."""
        return asdict(self)


# ---------------------------------------------------------------------------------------------
# Scoring


class _Context:
    """The answers with their levels, and the corrections contradictions made to them."""

    def __init__(self, questionnaire: Questionnaire, answers: Mapping[str, Answer]) -> None:
        self.q = questionnaire
        self.answers = answers
        self.overrides: dict[str, float] = {}
        self.contradictions: list[Contradiction] = []

    def value(self, qid: str) -> str | float | None:
        answer = self.answers.get(qid)
        return None if answer is None else answer.value

    def level(self, qid: str) -> float | None:
        if qid in self.overrides:
            return self.overrides[qid]
        answer = self.answers.get(qid)
        if answer is None:
            return None
        option = self.q.question(qid).option(answer.value)
        return None if option is None else option.level

    def rating(self, qid: str) -> int | None:
        value = self.value(qid)
        return int(value) if isinstance(value, int | float) else None

    def label(self, qid: str) -> str:
        answer = self.answers.get(qid)
        if answer is None:
            return "not answered"
        question = self.q.question(qid)
        option = question.option(answer.value)
        return (
            option.label
            if option
            else f"{answer.value:g}"
            if isinstance(answer.value, float)
            else str(answer.value)
        )

    def evidence(self, qid: str) -> str:
        answer = self.answers.get(qid)
        return answer.evidence if answer else ""

    def met(self, qid: str, minimum: float) -> bool:
        level = self.level(qid)
        return level is not None and level >= minimum - _EPS

    def contradict(self, key: str, message: str, resolution: str) -> None:
        self.contradictions.append(Contradiction(key, message, resolution))


def assess(
    answers: Mapping[str, Answer],
    *,
    declared_org_model: str | None = None,
    signals: LiveSignals | None = None,
    questionnaire: Questionnaire | None = None,
) -> MaturityResult:
    """Return the full maturity result for validated answers (see parse_answers)."""
    questionnaire = questionnaire or load_questionnaire()
    signals = signals or LiveSignals()
    if declared_org_model is not None and declared_org_model not in _MODEL_BY_KEY:
        raise InvalidAnswersError(
            {"declared_org_model": [f"'{declared_org_model}' is not one of the five models."]}
        )
    ctx = _Context(questionnaire, answers)
    _resolve_contradictions(ctx)
    stage = _stage(ctx)
    org_model = _org_model(ctx, declared_org_model)
    career = _career(ctx)
    verdict = _verdict(ctx, signals, career)
    dimensions = _dimensions(ctx)
    overall = round(sum(dimensions.values()) / len(dimensions)) if dimensions else 0
    unanswered = [q.id for q in questionnaire.questions if not q.optional and q.id not in answers]
    return MaturityResult(
        questionnaire_version=questionnaire.version,
        stage=stage,
        org_model=org_model,
        career=career,
        verdict=verdict,
        challenges=[ChallengeRating(k, label, ctx.rating(k)) for k, label in CHALLENGES],
        dimensions=dimensions,
        overall=overall,
        benchmarks=_benchmarks(ctx, org_model),
        roadmap=_roadmap(ctx, stage, verdict, org_model),
        contradictions=ctx.contradictions,
        unanswered=unanswered,
        signals=signals.present(),
        answers={k: {"value": a.value, "evidence": a.evidence} for k, a in answers.items()},
    )


def _resolve_contradictions(ctx: _Context) -> None:
    """Find answers that cannot all be true; state each and the reading the score uses."""
    if ctx.value("formal_program") == "yes" and ctx.value("plan_horizon") in ("none", "quarter"):
        ctx.overrides["formal_program"] = 0.5
        ctx.contradict(
            "formal_program_without_horizon",
            "You say the program is formalized with a long-term direction, but your plan looks "
            f"no further than: {ctx.label('plan_horizon').lower()}.",
            "A long-term direction needs a plan that looks beyond a few months, so the program "
            "is scored as partly formalized.",
        )
    if ctx.value("executive_alignment") == "aligned" and ctx.value("executive_sponsor") == "no":
        ctx.overrides["executive_alignment"] = 0.67
        ctx.contradict(
            "aligned_without_sponsor",
            "You say executives are informed, engaged and aligned, yet none sponsors the program.",
            "Alignment without a sponsor is scored as engaged; name the sponsor to count as "
            "aligned.",
        )
    if ctx.value("demand_response") == "checklist" and ctx.value("requirements_published") == "no":
        ctx.overrides["demand_response"] = 0.5
        ctx.contradict(
            "checklist_not_published",
            "You say units meet published requirements before the hub decides, but you also say "
            "no requirements have been given to them.",
            "Without published requirements the checklist is scored halfway: decisions are "
            "made, but units cannot prepare for them.",
        )
    if ctx.value("governance_policy") == "enforced" and ctx.value("training") == "none":
        ctx.overrides["governance_policy"] = 0.67
        ctx.contradict(
            "policy_enforced_without_training",
            "You say the policy is trained and audited, but also that employees get no social "
            "media education.",
            "The policy is scored as published, not enforced.",
        )
    if ctx.value("account_inventory") == "complete" and ctx.value("governance_policy") == "none":
        ctx.contradict(
            "inventory_without_policy",
            "Every account is inventoried, yet there is no policy deciding who may open one.",
            "The inventory counts as done; expect it to go stale without a policy. Both answers "
            "are kept as given.",
        )
    if ctx.value("center_of_excellence") == "none" and (
        ctx.value("who_publishes") == "units_with_hub" or ctx.value("shared_services") == "one_hub"
    ):
        ctx.contradict(
            "hub_in_practice_not_recognized",
            "You say there is no hub, yet a central team supports and coordinates the units in "
            "practice.",
            "The practiced model counts that team; the Formalized stage does not, because a "
            "center of excellence needs recognized authority over process and policy.",
        )


def _lower(text: str) -> str:
    """Lower-case a sentence's first letter for use mid-sentence, keeping C-level and the like."""
    if (len(text) > 1 and text[1].isupper()) or text[1:2] == "-":
        return text
    return text[:1].lower() + text[1:]


def _stage(ctx: _Context) -> StageResult:
    def criteria(number: int) -> list[Criterion]:
        return [
            Criterion(qid, need, ctx.met(qid, minimum), ctx.label(qid), ctx.evidence(qid))
            for qid, minimum, need in STAGE_CRITERIA[number]
        ]

    by_stage = {n: criteria(n) for n in STAGE_CRITERIA}
    complete = {n: all(c.met for c in cs) for n, cs in by_stage.items()}
    reached = 0
    for number in sorted(STAGE_CRITERIA):
        if not complete[number]:
            break
        reached = number
    current = max(reached, 1)
    info = STAGES[current - 1]
    next_number = current + 1 if reached < 6 else None
    gaps: list[Criterion] = []
    target: list[Criterion] = []
    if next_number is not None:
        for number in range(1, next_number + 1):
            gaps.extend(c for c in by_stage[number] if not c.met)
            if number > reached:
                target.extend(by_stage[number])
    evidence = [c for n in range(1, current + 1) for c in by_stage[n] if c.met]
    progress = sum(c.met for c in target) / len(target) if target else 1.0
    ahead = [n for n in by_stage if n > reached + 1 and complete[n]]
    if reached == 0:
        explanation = (
            "Planning is where every program starts; its own criteria are not all met yet: "
            + "; ".join(_lower(c.need) for c in by_stage[1] if not c.met)
            + "."
        )
    else:
        explanation = (
            f"Every criterion of stages 1 to {reached} is met, so the program stands at "
            f"{info.name} ({info.tagline.lower()})."
        )
    if ahead:
        names = ", ".join(STAGES[n - 1].name for n in ahead)
        missing = "; ".join(_lower(c.need) for c in gaps)
        ctx.contradict(
            "stage_skipped",
            f"You meet every criterion of {names}, but not those of an earlier stage: {missing}.",
            f"Stages build on each other, so the program is placed at {info.name}. Closing those "
            "gaps moves it up several stages at once.",
        )
        explanation += f" It already meets the criteria of {names} (see the contradictions)."
    next_info = STAGES[next_number - 1] if next_number else None
    return StageResult(
        number=current,
        key=info.key,
        name=info.name,
        tagline=info.tagline,
        description=info.description,
        evidence=evidence,
        next_number=next_info.number if next_info else None,
        next_name=next_info.name if next_info else None,
        gaps=gaps,
        progress_to_next=round(progress, 2),
        explanation=explanation,
    )


def _org_model(ctx: _Context, declared: str | None) -> OrgModelResult:
    votes = {m.key: 0 for m in ORG_MODELS}
    answered = 0
    for qid in ORG_MODEL_QUESTIONS:
        answer = ctx.answers.get(qid)
        if answer is None:
            continue
        option = ctx.q.question(qid).option(answer.value)
        if option is None:
            continue
        answered += 1
        for model, weight in option.votes.items():
            votes[model] += weight
    untrained = ctx.level("training") is not None and not ctx.met("training", 0.67)
    claims_holistic = (
        ctx.value("employee_enablement") == "certified"
        or ctx.value("who_publishes") == "trained_employees"
    )
    if votes["holistic"] and claims_holistic and untrained:
        moved = votes["holistic"]
        votes["organic"] += moved
        votes["holistic"] = 0
        ctx.contradict(
            "holistic_without_training",
            "Employees are said to speak for the company after training, but employees get no "
            "formal social media education.",
            "Without training, employees speaking freely is organic, not holistic: those answers "
            "count toward the organic model.",
        )
    declared_label = _MODEL_BY_KEY[declared].label if declared else "not declared"
    total = sum(votes.values())
    if answered < 2 or total == 0:
        return OrgModelResult(
            practiced=None,
            practiced_label="not enough answers",
            declared=declared,
            declared_label=declared_label,
            matches=None,
            votes=votes,
            confidence=0.0,
            strengths=[],
            risks=[],
            explanation="Answer at least two questions on how you are organized to see the model "
            "you practice.",
        )
    best = max(votes.values())
    tied = [m.key for m in ORG_MODELS if votes[m.key] == best]
    notes: list[str] = []
    if len(tied) > 1:
        practiced = declared if declared in tied else tied[0]
        labels = " and ".join(_MODEL_BY_KEY[k].label for k in tied)
        how = (
            "the declared one was kept"
            if practiced == declared
            else f"{_MODEL_BY_KEY[practiced].label} was chosen, being first in the order of the "
            "framework"
        )
        ctx.contradict(
            "org_model_tie",
            f"Your answers describe {labels} equally.",
            f"Of those, {how}. Answer the organization questions for what happens most often.",
        )
        notes.append(f"The answers point equally to {labels}.")
    else:
        practiced = tied[0]
    info = _MODEL_BY_KEY[practiced]
    matches = None if declared is None else practiced == declared
    if matches is False:
        assert declared is not None
        ctx.contradict(
            "org_model_mismatch",
            f"The company is declared as {declared_label}, but day to day it works as "
            f"{info.label}.",
            "The practiced model is what this assessment scores; change the declared model in "
            "the organization, or change how the work is done.",
        )
        notes.append(f"Declared as {declared_label}; practiced as {info.label}.")
    elif matches:
        notes.append("The practiced model is the declared one.")
    explanation = f"{info.label}: {info.what} " + " ".join(notes)
    return OrgModelResult(
        practiced=practiced,
        practiced_label=info.label,
        declared=declared,
        declared_label=declared_label,
        matches=matches,
        votes=votes,
        confidence=round(best / total, 2),
        strengths=list(info.strengths),
        risks=list(info.risks),
        explanation=explanation.strip(),
    )


def _career(ctx: _Context) -> CareerResult:
    pilots = ctx.value("pilots")
    load = ctx.value("request_load")
    demand = ctx.rating("challenge_demand")
    storm_ratings = [
        r
        for r in (
            ctx.rating(k) for k in ("challenge_culture", "challenge_roi", "challenge_resentment")
        )
        if r is not None
    ]
    stormy = bool(storm_ratings) and (
        max(storm_ratings) >= 4 or sum(storm_ratings) / len(storm_ratings) >= 3.5
    )
    overwhelmed = load == "exceeding" or (demand is not None and demand >= 4)
    if pilots is None and load is None:
        return CareerResult(
            None,
            "not enough answers",
            "",
            "Answer how far the program has gone and how requests compare with the hub's capacity.",
        )
    reasons: list[str] = []
    if overwhelmed and pilots in ("expanding", None):
        phase = "decision_point"
        reasons.append("the program is expanding and requests exceed what the hub can handle")
    elif overwhelmed:
        phase = "decision_point"
        ctx.contradict(
            "overwhelmed_before_expansion",
            "Requests already exceed what the hub can handle, although the program has not "
            "expanded beyond pilots.",
            "Unmanageable demand is what defines the career decision point, so the program is "
            "placed there; expect it early, and publish requirements before expanding.",
        )
        reasons.append("requests exceed what the hub can handle")
    elif pilots == "expanding" and stormy:
        phase = "storm"
        reasons.append("expansion meets resistance: culture, ROI or resentment rated high")
    elif pilots == "expanding":
        phase = "ascension"
        reasons.append("the program expands without strong resistance or overload yet")
    elif pilots == "pilots":
        phase = "ascension"
        reasons.append("pilots are launched and succeeding")
    else:
        phase = "awakening"
        reasons.append("no pilots yet")
    if load == "exceeding" and demand is not None and demand <= 2:
        ctx.contradict(
            "demand_rated_low_but_exceeding",
            f"Business demands are rated {demand} of 5 as a challenge, yet requests exceed what "
            "the hub can handle.",
            "The phase follows the observed load (requests exceeding capacity); the rating is "
            "shown as given.",
        )
    if ctx.value("strategist_role") == "champion" and phase in ("storm", "decision_point"):
        ctx.contradict(
            "champion_leads_large_program",
            "The program is past its pilots, yet it is still led by an enthusiast on the side.",
            f"The phase follows the program ({_PHASE_BY_KEY[phase].name}); the step that "
            "ascension brings — a named program manager with resources — is missing, and it is "
            "on the roadmap.",
        )
    info = _PHASE_BY_KEY[phase]
    return CareerResult(
        phase=phase,
        name=info.name,
        description=info.description,
        explanation=f"{info.name}: " + "; ".join(reasons) + ".",
    )


_FACTOR_LABELS = {
    "requirements": "Requirements given to units before they ask",
    "demand_response": "How units' requests are met",
    "pressure": "Pressure of business demands",
    "hub": "A sponsored hub with authority",
    "measurement": "Measures tied to business outcomes",
    "enablement": "Training that lets units deploy themselves",
    "inventory": "Accounts inventoried",
    "coordination": "Coordination across units",
    "reactive_load": "Customer posts falling on the hub",
}


def _verdict(ctx: _Context, signals: LiveSignals, career: CareerResult) -> VerdictResult:
    factors: list[Factor] = []

    def add(
        key: str,
        answered: float | None,
        weight: float,
        detail: str,
        measured: float | None = None,
        measured_detail: str = "",
    ) -> None:
        """Add a factor; a live figure, when there is one, replaces the answer."""
        if measured is None:
            if answered is not None:
                factors.append(
                    Factor(key, _FACTOR_LABELS[key], round(answered, 3), weight, "answer", detail)
                )
            return
        if answered is not None and abs(answered - measured) > 0.5:
            ctx.contradict(
                f"signal_{key}",
                f"Your answers on {_FACTOR_LABELS[key].lower()} score {answered:.0%} ({detail}), "
                f"but the product measures {measured_detail}, which scores {measured:.0%}.",
                "The verdict uses the measured figure; check the answer, or the data behind it.",
            )
        factors.append(
            Factor(key, _FACTOR_LABELS[key], round(measured, 3), weight, "live", measured_detail)
        )

    add(
        "requirements",
        ctx.level("requirements_published"),
        2.0,
        ctx.label("requirements_published"),
    )
    add("demand_response", ctx.level("demand_response"), 2.0, ctx.label("demand_response"))

    load, demand = ctx.level("request_load"), ctx.rating("challenge_demand")
    parts = [x for x in (load, None if demand is None else (demand - 1) / 4) if x is not None]
    risk = signals.demand_help_desk_risk
    add(
        "pressure",
        1 - max(parts) if parts else None,
        2.0,
        f"{ctx.label('request_load')}; demand rated {demand if demand is not None else '—'} of 5",
        None if risk is None else 1 - risk,
        f"Demand's help-desk risk at {risk:.0%}" if risk is not None else "",
    )
    hub_parts = [
        x
        for x in (ctx.level("executive_sponsor"), ctx.level("center_of_excellence"))
        if x is not None
    ]
    add(
        "hub",
        sum(hub_parts) / len(hub_parts) if hub_parts else None,
        1.5,
        f"sponsor: {ctx.label('executive_sponsor')}; hub: {ctx.label('center_of_excellence')}",
    )
    share = signals.outcomes_business_metric_share
    add(
        "measurement",
        ctx.level("outcome_metrics"),
        1.5,
        ctx.label("outcome_metrics"),
        share,
        f"{share:.0%} of Outcomes' metrics tied to business results" if share is not None else "",
    )
    add("enablement", ctx.level("training"), 1.0, ctx.label("training"))
    coverage = signals.governance_inventory_coverage
    add(
        "inventory",
        ctx.level("account_inventory"),
        1.0,
        ctx.label("account_inventory"),
        coverage,
        f"{coverage:.0%} of known accounts inventoried in Governance"
        if coverage is not None
        else "",
    )
    add("coordination", ctx.level("coordination"), 1.0, ctx.label("coordination"))
    reactive = signals.care_reactive_load
    if reactive is not None:
        add(
            "reactive_load",
            None,
            1.5,
            "",
            1 - reactive,
            f"{reactive:.0%} of Care's recent conversations fell on the hub",
        )

    if len(factors) < 3:
        return VerdictResult(
            "unknown",
            "Not enough answers for a verdict",
            None,
            factors,
            "Answer the questions on requirements, requests, the hub and measurement.",
        )
    score = sum(f.value * f.weight for f in factors) / sum(f.weight for f in factors)
    weakest = sorted((f for f in factors if f.value < 0.5), key=lambda f: (f.value - 1) * f.weight)
    strongest = sorted((f for f in factors if f.value >= 0.67), key=lambda f: -f.value * f.weight)
    if score >= ESCAPE_VELOCITY_AT - _EPS:
        verdict, headline = "escape_velocity", "Escape velocity"
    elif score <= HELP_DESK_AT + _EPS:
        verdict, headline = "help_desk", "Heading for the Social Media Help Desk"
    else:
        verdict, headline = "undecided", "At the tipping point"
    if career.phase in ("awakening", "ascension"):
        lean = {
            "escape_velocity": "toward escape velocity",
            "help_desk": "toward the help desk",
            "undecided": "either way",
        }[verdict]
        headline = f"Not at the decision point yet; today's habits lead {lean}"
    parts_text = [
        f"Score {score:.0%} (the help desk at {HELP_DESK_AT:.0%} or below, escape velocity at "
        f"{ESCAPE_VELOCITY_AT:.0%} or above)."
    ]
    if strongest:
        parts_text.append(
            "Pulling ahead: " + ", ".join(f.label.lower() for f in strongest[:3]) + "."
        )
    if weakest:
        parts_text.append("Holding back: " + ", ".join(f.label.lower() for f in weakest[:3]) + ".")
    live = [f.label.lower() for f in factors if f.source == "live"]
    if live:
        parts_text.append("Measured by the product: " + ", ".join(live) + ".")
    return VerdictResult(verdict, headline, round(score, 3), factors, " ".join(parts_text))


def _dimensions(ctx: _Context) -> dict[str, int]:
    scores: dict[str, int] = {}
    for key, _label, qids in DIMENSIONS:
        levels = [ctx.level(q) or 0.0 for q in qids]
        scores[key] = round(100 * sum(levels) / len(levels))
    return scores


def dimension_label(key: str) -> str:
    """Return the human name of a score dimension."""
    for k, label, _q in DIMENSIONS:
        if k == key:
            return label
    raise KeyError(key)


# ---------------------------------------------------------------------------------------------
# Benchmarks


def _pct(key: str) -> str:
    """Return a confirmed published figure as text (23%, 178); raises for unconfirmed ones."""
    figure = bm.published(key)
    return bm.percent(figure.value) if figure.unit == "%" else f"{figure.value:g}"


def _benchmarks(ctx: _Context, org_model: OrgModelResult) -> list[BenchmarkComparison]:
    out: list[BenchmarkComparison] = []
    P = _pct

    def add(key: str, qid: str, statement: str, among: bool | None) -> None:
        figure = bm.published(key)  # raises for an unconfirmed figure: never shown as fact
        out.append(BenchmarkComparison(key, qid, statement, P(key), figure.source.cite(), among))

    def among(key: str, qid: str, yes: bool) -> None:
        claim = bm.published(key).claim
        if yes:
            add(key, qid, f"You are among the {P(key)} who {claim}.", True)
        else:
            add(key, qid, f"{P(key)} {claim}; your program does not yet.", False)

    v = ctx.value
    if v("formal_program") is not None:
        formal = ctx.met("formal_program", 1.0)
        among("formalized_program", "formal_program", formal)
        if formal:
            add(
                "formal_roadmap",
                "formal_program",
                f"{P('formal_roadmap')} have a formal roadmap; a formalized program with a "
                "long-term direction has one.",
                True,
            )
    if v("plan_horizon") is not None:
        among("plan_beyond_year", "plan_horizon", ctx.met("plan_horizon", 1.0))
    if v("executive_alignment") is not None:
        among("executives_aligned", "executive_alignment", ctx.met("executive_alignment", 1.0))
    if v("outcome_metrics") is not None:
        linked = ctx.met("outcome_metrics", 1.0)
        among("metrics_to_outcomes", "outcome_metrics", linked)
        if linked:
            add(
                "tie_to_revenue",
                "outcome_metrics",
                f"Only {P('tie_to_revenue')} tie social to revenue effectively; keep revenue "
                "among your measures.",
                True,
            )
    if v("coordination") == "holistic":
        among("holistic_lines_of_business", "coordination", True)
    elif v("coordination") == "coordinated":
        add(
            "coordinate_across_company",
            "coordination",
            f"Like the {P('coordinate_across_company')} who coordinate social across the "
            "company, you coordinate through the hub.",
            True,
        )
    elif v("coordination") is not None:
        add(
            "coordinate_across_company",
            "coordination",
            f"{P('coordinate_across_company')} coordinate social across the company; your units "
            "do not yet.",
            False,
        )
    if v("account_inventory") is not None:
        among("inventoried_accounts", "account_inventory", v("account_inventory") == "complete")
    count = v("account_count")
    if isinstance(count, int | float):
        avg = bm.published("accounts_average").value
        side = "more than" if count > avg else "fewer than" if count < avg else "as many as"
        add(
            "accounts_average",
            "account_count",
            f"You own about {count:g} corporate accounts, {side} the average large enterprise "
            f"({P('accounts_average')}).",
            None,
        )
    if v("training") is not None:
        if ctx.met("training", 0.67):
            among("offer_education", "training", True)
        else:
            add(
                "no_or_adhoc_education",
                "training",
                f"Like over {P('no_or_adhoc_education')} of companies, you offer no or only ad "
                f"hoc employee education; {P('offer_education')} offer social media education.",
                False,
            )
    if v("crisis_plan") is not None:
        has_plan = ctx.met("crisis_plan", 0.67)
        add(
            "prepared_with_plan" if has_plan else "prepared_without_plan",
            "crisis_plan",
            f"{P('prepared_with_plan')} of companies with a formal crisis plan feel prepared, "
            f"against {P('prepared_without_plan')} without one; "
            + ("you have one." if has_plan else "you do not have one yet."),
            has_plan,
        )
    if v("triage") is not None:
        formal_triage = ctx.met("triage", 1.0)
        add(
            "advanced_with_triage",
            "triage",
            f"{P('advanced_with_triage')} of 18 advanced companies had triage processes; "
            + ("so do you." if formal_triage else "yours is not formal yet."),
            formal_triage,
        )
    roi = ctx.rating("challenge_roi")
    if roi is not None and roi >= 4:
        add(
            "roi_top_priority",
            "challenge_roi",
            "Measuring ROI is hard for you too: it was the top priority for 2011 of "
            f'{P("roi_top_priority")} of strategists ("creating ROI measurements").',
            True,
        )
    age = v("program_age_years")
    if isinstance(age, int | float):
        young = age < 3
        add(
            "under_three_years",
            "program_age_years",
            f"Like about {P('under_three_years')} of programs in 2010, yours is under three "
            "years old."
            if young
            else f"About {P('under_three_years')} of programs were under three years old in "
            "2010; yours is older.",
            young,
        )
    budget = v("annual_budget")
    if budget is not None:
        under = budget in ("under_100k", "100k_500k")
        add(
            "budget_under_500k",
            "annual_budget",
            f"Like over {P('budget_under_500k')} of programs, you spend under $500,000 a year."
            if under
            else f"You spend $500,000 a year or more; over {P('budget_under_500k')} of programs "
            "spend less.",
            under,
        )
    line = v("reporting_line")
    if line is not None:
        add(
            "report_to_marketing",
            "reporting_line",
            f"Like the {P('report_to_marketing')} or more who report to marketing, your program "
            "does."
            if line == "marketing"
            else f"At least {P('report_to_marketing')} of programs report to marketing; yours "
            f"reports to {ctx.label('reporting_line').lower()}.",
            line == "marketing",
        )
    if org_model.practiced:
        shares = bm.model_share(org_model.practiced)
        if shares:
            text = "; ".join(f"{bm.percent(f.value)} in {year}" for year, f in shares)
            add(
                shares[-1][1].key,
                "who_publishes",
                f"Share of large companies organized as {org_model.practiced_label}: {text}.",
                True,
            )
    return out


# ---------------------------------------------------------------------------------------------
# Roadmap


@dataclass(frozen=True)
class Action:
    key: str
    title: str
    path: str
    place: str


ACTIONS: dict[str, Action] = {
    a.key: a
    for a in (
        Action(
            "listening",
            "Listen continuously to customers, products and competitors",
            "/care/",
            "Care",
        ),
        Action(
            "readiness_audit",
            "Audit competitors and your internal readiness",
            "/governance/",
            "Governance",
        ),
        Action(
            "formal_presence",
            "Give every official account an owner, a voice and a calendar",
            "/governance/",
            "Governance",
        ),
        Action(
            "department_metrics",
            "Tie each unit's social metrics to its department goals",
            "/outcomes/",
            "Outcomes",
        ),
        Action(
            "lifecycle_engagement",
            "Extend dialogue to support, communities and the path to purchase",
            "/care/",
            "Care",
        ),
        Action("social_care", "Staff social customer care with service levels", "/care/", "Care"),
        Action("executive_sponsor", "Appoint an executive sponsor", "/org/", "Organization"),
        Action(
            "center_of_excellence",
            "Give the hub authority to set process and policy",
            "/org/",
            "Organization",
        ),
        Action(
            "governance_policy",
            "Publish an organization-wide social media policy",
            "/governance/",
            "Governance",
        ),
        Action(
            "c_level_visibility",
            "Put revenue, reputation and cost in front of the C-level",
            "/outcomes/",
            "Outcomes",
        ),
        Action(
            "cross_functional",
            "Bring HR, product, sales and legal in as spokes",
            "/org/",
            "Organization",
        ),
        Action(
            "woven_in", "Write social into every function's plan and budget", "/demand/", "Demand"
        ),
        Action(
            "requirements_published",
            "Publish requirements for business units before they ask",
            "/demand/",
            "Demand",
        ),
        Action(
            "demand_response",
            "Decide requests against the requirements; redirect to playbooks",
            "/demand/",
            "Demand",
        ),
        Action(
            "outcome_metrics",
            "Tie metrics to revenue, reputation and cost",
            "/outcomes/",
            "Outcomes",
        ),
        Action("training", "Train and certify spokespeople", "/governance/", "Governance"),
        Action(
            "account_inventory", "Inventory every corporate account", "/governance/", "Governance"
        ),
        Action(
            "crisis_plan", "Write the crisis plan and rehearse it", "/governance/", "Governance"
        ),
        Action(
            "triage", "Set up real-time triage to the team that owns each post", "/care/", "Care"
        ),
        Action(
            "coordination", "Coordinate units through the hub on one plan", "/demand/", "Demand"
        ),
        Action(
            "plan_horizon",
            "Plan beyond the next year, with capacity behind it",
            "/demand/",
            "Demand",
        ),
        Action(
            "formal_program",
            "Formalize the program: a charter, a budget line, a roadmap",
            "/maturity/",
            "Maturity",
        ),
        Action(
            "executive_alignment",
            "Brief executives with the executive report",
            "/outcomes/",
            "Outcomes",
        ),
        Action(
            "strategist_role",
            "Name a program manager with first resources",
            "/org/",
            "Organization",
        ),
        Action(
            "org_model",
            "Declare the model you practice, or change how the work is done",
            "/org/",
            "Organization",
        ),
        Action(
            "pressure",
            "Move units to self-service playbooks to relieve demand",
            "/demand/",
            "Demand",
        ),
        Action(
            "reactive_load",
            "Route customer posts to the spokes that own them, so the hub stops firefighting",
            "/care/",
            "Care",
        ),
    )
}
_FACTOR_ACTIONS = {
    "requirements": "requirements_published",
    "demand_response": "demand_response",
    "pressure": "pressure",
    "hub": "center_of_excellence",
    "measurement": "outcome_metrics",
    "enablement": "training",
    "inventory": "account_inventory",
    "coordination": "coordination",
    "reactive_load": "reactive_load",
}


def _roadmap(
    ctx: _Context, stage: StageResult, verdict: VerdictResult, org_model: OrgModelResult
) -> list[RoadmapItem]:
    items: list[tuple[str, str, str]] = []  # (action, why, horizon)
    seen: set[str] = set()

    def push(action: str, why: str, horizon: str) -> None:
        if action not in seen:
            seen.add(action)
            items.append((action, why, horizon))

    for gap in stage.gaps:
        target = next(
            n for n, cs in STAGE_CRITERIA.items() if any(c[0] == gap.question for c in cs)
        )
        push(gap.question, f"{STAGES[target - 1].name} needs: {_lower(gap.need)}.", "next_stage")
    weak = sorted(
        (f for f in verdict.factors if f.value < 0.67 - _EPS),
        key=lambda f: (f.value - 1) * f.weight,
    )
    for f in weak:
        push(
            _FACTOR_ACTIONS[f.key],
            f"Escape velocity: {f.label.lower()} scores {f.value:.0%} ({f.detail}).",
            "escape_velocity",
        )
    if ctx.value("strategist_role") == "champion" and ctx.value("pilots") in (
        "pilots",
        "expanding",
    ):
        push(
            "strategist_role",
            "The program outgrows a champion working on the side.",
            "escape_velocity",
        )
    if org_model.matches is False:
        push(
            "org_model",
            f"Declared {org_model.declared_label}, practiced {org_model.practiced_label}.",
            "escape_velocity",
        )
    for qid, level_needed, why in (
        (
            "crisis_plan",
            0.67,
            f"{_pct('prepared_with_plan')} of companies with a formal crisis plan feel prepared.",
        ),
        (
            "plan_horizon",
            1.0,
            f"Only {_pct('plan_beyond_year')} are confident their plan looks beyond a year.",
        ),
        (
            "formal_program",
            1.0,
            f"{_pct('formalized_program')} have a formalized program with long-term direction.",
        ),
        (
            "executive_alignment",
            1.0,
            f"{_pct('executives_aligned')} say their executives are informed, engaged, aligned.",
        ),
        (
            "triage",
            1.0,
            f"{_pct('advanced_with_triage')} of 18 advanced companies had triage processes.",
        ),
    ):
        if not ctx.met(qid, level_needed):
            push(qid, why, "later")
    if stage.next_number is not None and stage.next_number < 6:
        after = STAGES[stage.next_number]
        for qid, minimum, need in STAGE_CRITERIA[after.number]:
            if not ctx.met(qid, minimum):
                push(qid, f"Then {after.name} needs: {_lower(need)}.", "later")
    order = {"next_stage": 0, "escape_velocity": 1, "later": 2}
    items.sort(key=lambda item: order[item[2]])
    return [
        RoadmapItem(
            rank=i,
            key=key,
            title=ACTIONS[key].title,
            why=why,
            path=ACTIONS[key].path,
            place=ACTIONS[key].place,
            horizon=horizon,
        )
        for i, (key, why, horizon) in enumerate(items, start=1)
    ]


# ---------------------------------------------------------------------------------------------
# Answer files and comparison


@dataclass(frozen=True)
class AnswerFile:
    questionnaire_version: int
    declared_org_model: str | None
    answers: dict[str, Answer]
    signals: LiveSignals


def parse_answer_file(data: Any) -> AnswerFile:
    """Return the contents of an answer file (see docs/assess.md), validated.

    Raises InvalidAnswersError naming every bad field.
    """
    if not isinstance(data, Mapping):
        raise InvalidAnswersError({"file": ["An answer file is a mapping with an answers key."]})
    extra = set(data) - {"questionnaire", "declared_org_model", "answers", "signals"}
    if extra:
        raise InvalidAnswersError({str(k): ["Unknown key."] for k in sorted(map(str, extra))})
    version = data.get("questionnaire", LATEST_VERSION)
    if (
        not isinstance(version, int)
        or isinstance(version, bool)
        or version not in available_versions()
    ):
        raise InvalidAnswersError(
            {"questionnaire": [f"Versions available: {available_versions()}."]}
        )
    declared = data.get("declared_org_model")
    if declared is not None and declared not in _MODEL_BY_KEY:
        raise InvalidAnswersError({"declared_org_model": [f"One of: {', '.join(_MODEL_BY_KEY)}."]})
    raw_answers = data.get("answers") or {}
    if not isinstance(raw_answers, Mapping):
        raise InvalidAnswersError({"answers": ["A mapping of question id to answer."]})
    answers = parse_answers(raw_answers, load_questionnaire(version))
    raw_signals = data.get("signals") or {}
    if not isinstance(raw_signals, Mapping):
        raise InvalidAnswersError({"signals": ["A mapping of signal name to a share from 0 to 1."]})
    unknown = set(raw_signals) - set(SIGNAL_FIELDS)
    if unknown:
        raise InvalidAnswersError(
            {f"signals.{k}": ["Unknown signal."] for k in sorted(map(str, unknown))}
        )
    try:
        signals = LiveSignals(**{str(k): v for k, v in raw_signals.items()})
    except ValueError as exc:
        name = str(exc).split(":", 1)[0]
        raise InvalidAnswersError({f"signals.{name}": [str(exc)]}) from exc
    return AnswerFile(version, declared, answers, signals)


def compare(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Return what changed between two results (MaturityResult.to_dict(), oldest first)."""

    def gap_keys(result: Mapping[str, Any]) -> dict[str, str]:
        return {g["question"]: g["need"] for g in result["stage"]["gaps"]}

    before_gaps, after_gaps = gap_keys(before), gap_keys(after)
    dims = sorted(set(before["dimensions"]) | set(after["dimensions"]))
    changed = []
    all_qids = sorted(set(before["answers"]) | set(after["answers"]))
    for qid in all_qids:
        a = before["answers"].get(qid, {}).get("value")
        b = after["answers"].get(qid, {}).get("value")
        if a != b:
            changed.append({"question": qid, "before": a, "after": b})
    before_score = before["verdict"]["score"]
    after_score = after["verdict"]["score"]
    return {
        "stage": {
            "before": before["stage"]["number"],
            "after": after["stage"]["number"],
            "before_name": before["stage"]["name"],
            "after_name": after["stage"]["name"],
            "delta": after["stage"]["number"] - before["stage"]["number"],
        },
        "overall": {
            "before": before["overall"],
            "after": after["overall"],
            "delta": after["overall"] - before["overall"],
        },
        "dimensions": [
            {
                "key": d,
                "label": dimension_label(d),
                "before": before["dimensions"].get(d, 0),
                "after": after["dimensions"].get(d, 0),
                "delta": after["dimensions"].get(d, 0) - before["dimensions"].get(d, 0),
            }
            for d in dims
        ],
        "verdict": {
            "before": before["verdict"]["verdict"],
            "after": after["verdict"]["verdict"],
            "before_headline": before["verdict"]["headline"],
            "after_headline": after["verdict"]["headline"],
            "score_delta": None
            if before_score is None or after_score is None
            else round(after_score - before_score, 3),
        },
        "org_model": {
            "before": before["org_model"]["practiced"],
            "after": after["org_model"]["practiced"],
            "before_label": before["org_model"]["practiced_label"],
            "after_label": after["org_model"]["practiced_label"],
        },
        "career": {
            "before": before["career"]["phase"],
            "after": after["career"]["phase"],
            "before_label": before["career"]["name"],
            "after_label": after["career"]["name"],
        },
        "gaps_closed": [
            {"question": q, "need": need} for q, need in before_gaps.items() if q not in after_gaps
        ],
        "gaps_opened": [
            {"question": q, "need": need} for q, need in after_gaps.items() if q not in before_gaps
        ],
        "answers_changed": changed,
    }
