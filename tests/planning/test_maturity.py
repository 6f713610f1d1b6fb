"""planning.maturity: table-driven — each stage, each organizational model and each career phase
has answers that must score to it; contradictions give a stated, explained result."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escapevelocity.planning import benchmarks as bm
from escapevelocity.planning import maturity as m

Q = m.load_questionnaire()

# Everything answered, at its lowest.
LOW: dict[str, Any] = {
    "listening": "none",
    "readiness_audit": "no",
    "formal_presence": "none",
    "department_metrics": "no",
    "lifecycle_engagement": "none",
    "social_care": "no",
    "executive_sponsor": "no",
    "center_of_excellence": "none",
    "governance_policy": "none",
    "c_level_visibility": "never",
    "cross_functional": "none",
    "woven_in": "no",
    "who_publishes": "anyone",
    "shared_services": "none",
    "unit_autonomy": "freely",
    "employee_enablement": "informally",
    "strategist_role": "champion",
    "pilots": "none",
    "request_load": "few",
    "demand_response": "no_requests",
    "requirements_published": "no",
    "challenge_culture": 2,
    "challenge_roi": 2,
    "challenge_resources": 2,
    "challenge_technology": 2,
    "challenge_resentment": 2,
    "challenge_demand": 1,
    "formal_program": "no",
    "plan_horizon": "none",
    "executive_alignment": "unaware",
    "outcome_metrics": "activity",
    "coordination": "none",
    "training": "none",
    "account_inventory": "none",
    "crisis_plan": "none",
    "triage": "none",
}

# What each stage adds, at the least that meets its criteria.
STEPS: dict[int, dict[str, Any]] = {
    1: {"listening": "ad_hoc", "readiness_audit": "partly"},
    2: {"formal_presence": "formal", "department_metrics": "some"},
    3: {"lifecycle_engagement": "two", "social_care": "ad_hoc"},
    4: {
        "executive_sponsor": "named",
        "center_of_excellence": "formal",
        "governance_policy": "published",
    },
    5: {
        "c_level_visibility": "regularly",
        "outcome_metrics": "business_outcomes",
        "cross_functional": "few",
    },
    6: {"woven_in": "yes", "cross_functional": "most", "coordination": "holistic"},
}


def answers(*stages: int, **overrides: Any) -> dict[str, m.Answer]:
    raw = dict(LOW)
    for s in stages:
        raw.update(STEPS[s])
    raw.update(overrides)
    return m.parse_answers(raw, Q)


def upto(n: int) -> tuple[int, ...]:
    return tuple(range(1, n + 1))


def keys(result: m.MaturityResult) -> set[str]:
    return {c.key for c in result.contradictions}


# --- the questionnaire ------------------------------------------------------------------------


def test_it_ships_about_thirty_questions_each_with_help_and_known_sections() -> None:
    assert 30 <= len(Q.questions) <= 45
    assert Q.version == 1
    assert all(q.help and q.text for q in Q.questions)
    sections = {s.key for s in Q.sections}
    assert {q.section for q in Q.questions} == sections
    for topic in (
        "executive_alignment",
        "plan_horizon",
        "outcome_metrics",
        "coordination",
        "training",
        "governance_policy",
        "crisis_plan",
        "account_inventory",
        "strategist_role",
    ):
        Q.question(topic)
    assert len(Q.in_section("challenges")) == 6


def test_it_can_meet_every_stage_criterion_with_some_option() -> None:
    for criteria in m.STAGE_CRITERIA.values():
        for qid, minimum, _need in criteria:
            levels = [o.level for o in Q.question(qid).options if o.level is not None]
            assert max(levels) >= minimum, qid
            assert qid in m.ACTIONS, f"no roadmap action for {qid}"


def test_it_refuses_a_malformed_questionnaire() -> None:
    good = {"version": 9, "sections": [{"key": "s", "title": "S"}]}
    with pytest.raises(m.QuestionnaireError, match="help"):
        m.parse_questionnaire(
            {
                **good,
                "questions": [
                    {"id": "a", "section": "s", "kind": "scale", "text": "A", "min": 1, "max": 5}
                ],
            }
        )
    q = {"id": "a", "section": "s", "kind": "number", "text": "A", "help": "h"}
    with pytest.raises(m.QuestionnaireError, match="repeated"):
        m.parse_questionnaire({**good, "questions": [q, q]})
    with pytest.raises(m.QuestionnaireError, match="unknown models"):
        m.parse_questionnaire(
            {
                **good,
                "questions": [
                    {
                        "id": "a",
                        "section": "s",
                        "kind": "choice",
                        "text": "A",
                        "help": "h",
                        "options": [
                            {"value": "x", "label": "X", "votes": {"matrix": 1}},
                            {"value": "y", "label": "Y"},
                        ],
                    }
                ],
            }
        )
    with pytest.raises(m.QuestionnaireError, match="no questionnaire version"):
        m.load_questionnaire(99)


# --- stages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_stages", "number", "name", "next_name"),
    [
        ((), 1, "Planning", "Presence"),
        (upto(1), 1, "Planning", "Presence"),
        (upto(2), 2, "Presence", "Engagement"),
        (upto(3), 3, "Engagement", "Formalized"),
        (upto(4), 4, "Formalized", "Strategic"),
        (upto(5), 5, "Strategic", "Converged"),
        (upto(6), 6, "Converged", None),
    ],
)
def test_it_scores_each_stage(
    given_stages: tuple[int, ...], number: int, name: str, next_name: str | None
) -> None:
    result = m.assess(answers(*given_stages))
    assert (result.stage.number, result.stage.name, result.stage.next_name) == (
        number,
        name,
        next_name,
    )
    assert "stage_skipped" not in keys(result)
    if next_name is None:
        assert result.stage.gaps == []
    else:
        nxt = number + 1 if given_stages else 2
        needed = {q for s in range(1, nxt + 1) for q, _m, _n in m.STAGE_CRITERIA[s]}
        assert {g.question for g in result.stage.gaps} <= needed
        assert result.stage.gaps, "a stage below the top has gaps to the next"


@pytest.mark.parametrize("stage", [2, 3, 4, 5, 6])
def test_it_stays_a_stage_lower_when_one_criterion_is_missing(stage: int) -> None:
    question, _minimum, need = m.STAGE_CRITERIA[stage][0]
    result = m.assess(answers(*upto(stage), **{question: LOW.get(question)}))
    assert result.stage.number == stage - 1
    assert need in [g.need for g in result.stage.gaps]


def test_it_lists_the_evidence_given_for_the_stage() -> None:
    result = m.assess(
        answers(*upto(2), listening={"value": "systematic", "evidence": "Brandwatch since 2024"})
    )
    listened = next(c for c in result.stage.evidence if c.question == "listening")
    assert listened.met
    assert listened.evidence == "Brandwatch since 2024"
    assert listened.answer == "Listening runs continuously and findings are shared"


def test_it_places_a_program_that_skips_a_stage_at_the_last_complete_one_and_says_why() -> None:
    result = m.assess(answers(1, 2, 3, 5))
    assert result.stage.number == 3
    (skip,) = [c for c in result.contradictions if c.key == "stage_skipped"]
    assert "Strategic" in skip.message
    assert "executive sponsor" in skip.message
    assert "placed at Engagement" in skip.resolution
    assert "Strategic" in result.stage.explanation


# --- organizational models --------------------------------------------------------------------

MODEL_CASES = {
    "organic": {
        "who_publishes": "anyone",
        "shared_services": "none",
        "unit_autonomy": "freely",
        "employee_enablement": "informally",
    },
    "centralized": {
        "who_publishes": "one_department",
        "shared_services": "does_it_all",
        "unit_autonomy": "no",
        "employee_enablement": "no",
    },
    "hub_and_spoke": {
        "who_publishes": "units_with_hub",
        "shared_services": "one_hub",
        "unit_autonomy": "with_requirements",
        "employee_enablement": "no",
    },
    "multiple_hub_and_spoke": {
        "who_publishes": "divisions_with_hubs",
        "shared_services": "several_hubs",
        "unit_autonomy": "division_decides",
        "employee_enablement": "no",
    },
    "holistic": {
        "who_publishes": "trained_employees",
        "shared_services": "one_hub",
        "unit_autonomy": "with_requirements",
        "employee_enablement": "certified",
        "training": "certified",
    },
}


@pytest.mark.parametrize("model", list(MODEL_CASES))
def test_it_finds_each_practiced_model(model: str) -> None:
    result = m.assess(answers(*upto(3), **MODEL_CASES[model]), declared_org_model=model)
    assert result.org_model.practiced == model
    assert result.org_model.matches is True
    info = {i.key: i for i in m.ORG_MODELS}[model]
    assert result.org_model.strengths == list(info.strengths)
    assert result.org_model.risks == list(info.risks)
    assert not {"org_model_mismatch", "org_model_tie"} & keys(result)


def test_it_states_a_declared_model_that_differs_from_practice() -> None:
    result = m.assess(answers(**MODEL_CASES["organic"]), declared_org_model="hub_and_spoke")
    assert result.org_model.practiced == "organic"
    assert result.org_model.matches is False
    mismatch = next(c for c in result.contradictions if c.key == "org_model_mismatch")
    assert "Hub and spoke" in mismatch.message
    assert "Organic" in mismatch.message
    assert any(i.key == "org_model" and i.path == "/org/" for i in result.roadmap)


def test_it_calls_untrained_employee_speech_organic_not_holistic() -> None:
    result = m.assess(answers(**{**MODEL_CASES["holistic"], "training": "none"}))
    assert result.org_model.practiced != "holistic"
    assert result.org_model.votes["holistic"] == 0
    assert "holistic_without_training" in keys(result)


@pytest.mark.parametrize(
    ("declared", "expected"),
    [(None, "organic"), ("organic", "organic"), ("centralized", "centralized")],
)
def test_it_breaks_a_tie_between_models_openly(declared: str | None, expected: str) -> None:
    tie = {
        "who_publishes": "one_department",
        "shared_services": "none",
        "unit_autonomy": "freely",
        "employee_enablement": "no",
    }
    result = m.assess(answers(**tie), declared_org_model=declared)
    assert result.org_model.votes["organic"] == result.org_model.votes["centralized"]
    assert result.org_model.practiced == expected
    tie_note = next(c for c in result.contradictions if c.key == "org_model_tie")
    assert "equally" in tie_note.message


def test_it_refuses_an_unknown_declared_model() -> None:
    with pytest.raises(m.InvalidAnswersError) as exc:
        m.assess(answers(), declared_org_model="matrix")
    assert "declared_org_model" in exc.value.errors


# --- career phases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "phase"),
    [
        ({"pilots": "none"}, "awakening"),
        ({"pilots": "pilots", "strategist_role": "program_manager"}, "ascension"),
        ({"pilots": "expanding", "strategist_role": "program_manager"}, "ascension"),
        (
            {"pilots": "expanding", "strategist_role": "program_manager", "challenge_culture": 5},
            "storm",
        ),
        (
            {
                "pilots": "expanding",
                "strategist_role": "dedicated_team",
                "challenge_roi": 4,
                "challenge_resentment": 4,
                "challenge_culture": 3,
            },
            "storm",
        ),
        (
            {
                "pilots": "expanding",
                "strategist_role": "dedicated_team",
                "request_load": "exceeding",
                "challenge_demand": 5,
            },
            "decision_point",
        ),
        (
            {
                "pilots": "expanding",
                "strategist_role": "dedicated_team",
                "request_load": "manageable",
                "challenge_demand": 4,
            },
            "decision_point",
        ),
    ],
)
def test_it_finds_each_career_phase(overrides: dict[str, Any], phase: str) -> None:
    assert m.assess(answers(**overrides)).career.phase == phase


def test_it_places_early_overload_at_the_decision_point_and_says_so() -> None:
    result = m.assess(answers(pilots="pilots", request_load="exceeding", challenge_demand=5))
    assert result.career.phase == "decision_point"
    assert "overwhelmed_before_expansion" in keys(result)


def test_it_flags_demand_rated_low_while_requests_exceed_capacity() -> None:
    result = m.assess(answers(pilots="expanding", request_load="exceeding", challenge_demand=1))
    assert result.career.phase == "decision_point"
    note = next(c for c in result.contradictions if c.key == "demand_rated_low_but_exceeding")
    assert "1 of 5" in note.message


def test_it_flags_a_champion_leading_a_program_at_the_decision_point() -> None:
    result = m.assess(
        answers(strategist_role="champion", pilots="expanding", request_load="exceeding")
    )
    assert "champion_leads_large_program" in keys(result)
    assert any(i.key == "strategist_role" for i in result.roadmap)


# --- the verdict ------------------------------------------------------------------------------

HELP_DESK = {
    "pilots": "expanding",
    "strategist_role": "dedicated_team",
    "request_load": "exceeding",
    "challenge_demand": 5,
    "demand_response": "take_orders",
    "requirements_published": "no",
    "training": "none",
}
ESCAPE = {
    "pilots": "expanding",
    "strategist_role": "dedicated_team",
    "request_load": "manageable",
    "challenge_demand": 2,
    "demand_response": "self_service",
    "requirements_published": "published",
    "training": "certified",
    "account_inventory": "complete",
    "coordination": "coordinated",
}


def test_it_sees_the_help_desk_path() -> None:
    result = m.assess(answers(*upto(3), **HELP_DESK))
    assert result.verdict.verdict == "help_desk"
    assert result.verdict.headline == "Heading for the Social Media Help Desk"
    assert "requirements given to units before they ask" in result.verdict.explanation
    assert result.roadmap[0].horizon == "next_stage"
    evs = [i for i in result.roadmap if i.horizon == "escape_velocity"]
    assert {"requirements_published", "demand_response"} <= {i.key for i in evs}


def test_it_sees_escape_velocity() -> None:
    result = m.assess(answers(*upto(4), **ESCAPE, outcome_metrics="business_outcomes"))
    assert result.verdict.verdict == "escape_velocity"
    assert result.verdict.score is not None
    assert result.verdict.score >= m.ESCAPE_VELOCITY_AT


def test_it_says_an_early_program_is_not_at_the_decision_point_yet() -> None:
    result = m.assess(
        answers(**{**HELP_DESK, "pilots": "pilots", "request_load": "few", "challenge_demand": 1})
    )
    assert result.career.phase == "ascension"
    assert result.verdict.headline.startswith("Not at the decision point yet")


def test_it_lets_live_figures_replace_answers_and_says_where_they_disagree() -> None:
    calm = {**ESCAPE, "request_load": "few", "challenge_demand": 1}
    base = answers(*upto(4), **calm, outcome_metrics="business_outcomes")
    signals = m.LiveSignals(
        demand_help_desk_risk=0.95,
        care_reactive_load=0.9,
        governance_inventory_coverage=0.1,
        outcomes_business_metric_share=0.05,
    )
    result = m.assess(base, signals=signals)
    live = {f.key: f for f in result.verdict.factors if f.source == "live"}
    assert set(live) == {"pressure", "inventory", "measurement", "reactive_load"}
    assert live["inventory"].value == pytest.approx(0.1)
    assert {"signal_inventory", "signal_measurement", "signal_pressure"} <= keys(result)
    assert result.verdict.verdict != "escape_velocity"
    assert result.signals == signals.present()
    note = next(c for c in result.contradictions if c.key == "signal_inventory")
    assert "10%" in note.message
    assert "uses the measured figure" in note.resolution


def test_it_keeps_answers_when_live_figures_agree() -> None:
    result = m.assess(
        answers(account_inventory="complete"),
        signals=m.LiveSignals(governance_inventory_coverage=0.9),
    )
    assert "signal_inventory" not in keys(result)


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan"), "high", True])
def test_it_refuses_live_figures_outside_zero_to_one(bad: Any) -> None:
    with pytest.raises(ValueError, match="care_reactive_load"):
        m.LiveSignals(care_reactive_load=bad)


def test_it_gives_no_verdict_without_answers() -> None:
    result = m.assess({})
    assert result.verdict.verdict == "unknown"
    assert result.org_model.practiced is None
    assert result.career.phase is None
    assert result.stage.number == 1
    assert len(result.unanswered) == len([q for q in Q.questions if not q.optional])


# --- other contradictions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "key", "question", "scored"),
    [
        (
            {"formal_program": "yes", "plan_horizon": "quarter"},
            "formal_program_without_horizon",
            "formal_program",
            0.5,
        ),
        (
            {"executive_alignment": "aligned", "executive_sponsor": "no"},
            "aligned_without_sponsor",
            "executive_alignment",
            0.67,
        ),
        (
            {"demand_response": "checklist", "requirements_published": "no"},
            "checklist_not_published",
            "demand_response",
            0.5,
        ),
        (
            {"governance_policy": "enforced", "training": "none"},
            "policy_enforced_without_training",
            "governance_policy",
            0.67,
        ),
    ],
)
def test_it_resolves_contradictory_answers_and_explains_how(
    overrides: dict[str, Any], key: str, question: str, scored: float
) -> None:
    result = m.assess(answers(**overrides))
    note = next(c for c in result.contradictions if c.key == key)
    assert note.message
    assert note.resolution
    dims = {k: qs for k, _l, qs in m.DIMENSIONS}
    dim = next(k for k, qs in dims.items() if question in qs)
    others = [q for q in dims[dim] if q != question]
    ctx_levels = [
        Q.question(q).option(LOW[q] if q not in overrides else overrides[q]).level for q in others
    ]
    expected = round(100 * (scored + sum(x or 0 for x in ctx_levels)) / len(dims[dim]))
    assert result.dimensions[dim] == expected


def test_it_does_not_count_a_contradicted_formal_program_among_the_23_percent() -> None:
    result = m.assess(answers(formal_program="yes", plan_horizon="none"))
    statements = " ".join(b.statement for b in result.benchmarks)
    assert "You are among the 23%" not in statements
    assert (
        "23% have a formalized program with long-term direction; your program does not yet."
        in statements
    )


def test_it_notes_a_hub_working_in_practice_without_recognized_authority() -> None:
    result = m.assess(
        answers(*upto(3), center_of_excellence="none", who_publishes="units_with_hub")
    )
    assert "hub_in_practice_not_recognized" in keys(result)
    assert result.stage.number == 3


# --- benchmarks -------------------------------------------------------------------------------


def test_it_places_the_program_among_published_figures_with_sources() -> None:
    result = m.assess(
        answers(
            *upto(5),
            formal_program="yes",
            plan_horizon="beyond_year",
            executive_alignment="aligned",
            executive_sponsor="named",
        )
    )
    by_key = {b.key: b for b in result.benchmarks}
    assert by_key["formalized_program"].statement == (
        "You are among the 23% who have a formalized program with long-term direction."
    )
    assert by_key["plan_beyond_year"].statement == (
        "You are among the 12% who are confident their plan looks beyond the next year."
    )
    assert by_key["executives_aligned"].among is True
    assert "Charlene Li & Brian Solis" in by_key["plan_beyond_year"].source
    assert "Career Path of the Corporate Social Strategist" in by_key["formalized_program"].source


def test_it_compares_account_counts_with_the_average_of_178() -> None:
    result = m.assess(answers(account_count=214))
    (b,) = [b for b in result.benchmarks if b.key == "accounts_average"]
    assert "more than the average large enterprise (178)" in b.statement


def test_it_never_shows_an_unconfirmed_figure_as_fact() -> None:
    unconfirmed = [f for f in bm.all_figures() if not f.confirmed]
    assert {f.key for f in unconfirmed} >= {
        "heading_to_help_desk",
        "report_to_communications",
        "model_2012_holistic",
    }
    for f in unconfirmed:
        with pytest.raises(bm.UnconfirmedFigureError):
            bm.published(f.key)
    holistic = m.assess(answers(**MODEL_CASES["holistic"]), declared_org_model="holistic")
    text = " ".join(b.statement for b in holistic.benchmarks)
    assert "1.4% in 2010" in text
    assert "2.5" not in text
    for reporting in ("communications", "digital", "customer_service", "product"):
        result = m.assess(answers(reporting_line=reporting))
        for b in result.benchmarks:
            assert bm.published(b.key).confirmed
            for f in unconfirmed:
                assert f.claim not in b.statement
        line = next(b for b in result.benchmarks if b.key == "report_to_marketing")
        assert "30%" not in line.statement
        assert "11%" not in line.statement


# --- roadmap ----------------------------------------------------------------------------------

NAV = {"/care/", "/demand/", "/governance/", "/outcomes/", "/org/", "/maturity/"}


@pytest.mark.parametrize("stage", [0, 1, 2, 3, 4, 5])
def test_it_builds_a_prioritized_roadmap_linked_to_where_the_work_is_done(stage: int) -> None:
    result = m.assess(answers(*upto(stage)), declared_org_model="hub_and_spoke")
    assert result.roadmap
    assert [i.rank for i in result.roadmap] == list(range(1, len(result.roadmap) + 1))
    assert {i.path for i in result.roadmap} <= NAV
    order = {"next_stage": 0, "escape_velocity": 1, "later": 2}
    horizons = [order[i.horizon] for i in result.roadmap]
    assert horizons == sorted(horizons)
    assert len({i.key for i in result.roadmap}) == len(result.roadmap)
    gap_questions = {g.question for g in result.stage.gaps}
    assert {i.key for i in result.roadmap if i.horizon == "next_stage"} == gap_questions


def test_it_puts_the_executive_sponsor_first_on_the_way_to_formalized() -> None:
    result = m.assess(
        answers(*upto(3), center_of_excellence="formal", governance_policy="published")
    )
    first = result.roadmap[0]
    assert (first.key, first.path, first.title) == (
        "executive_sponsor",
        "/org/",
        "Appoint an executive sponsor",
    )


# --- answers, answer files and comparison -----------------------------------------------------


def test_it_names_every_bad_answer_at_once() -> None:
    with pytest.raises(m.InvalidAnswersError) as exc:
        m.parse_answers(
            {
                "listening": "sometimes",
                "challenge_roi": 7,
                "account_count": -3,
                "nope": "x",
                "training": {"value": "none", "evidence": "x" * 2001},
                "pilots": {"value": "none", "proof": "y"},
            },
            Q,
        )
    assert set(exc.value.errors) == {
        "listening",
        "challenge_roi",
        "account_count",
        "nope",
        "training",
        "pilots",
    }
    assert "systematic" in exc.value.errors["listening"][0]


def test_it_reads_yes_and_no_written_bare_in_yaml() -> None:
    parsed = m.parse_answers({"readiness_audit": True, "woven_in": False, "challenge_roi": "3"}, Q)
    assert parsed["readiness_audit"].value == "yes"
    assert parsed["woven_in"].value == "no"
    assert parsed["challenge_roi"].value == 3


def test_it_reads_an_answer_file_and_refuses_a_bad_one() -> None:
    f = m.parse_answer_file(
        {
            "questionnaire": 1,
            "declared_org_model": "organic",
            "answers": {"listening": "none"},
            "signals": {"care_reactive_load": 0.3},
        }
    )
    assert f.declared_org_model == "organic"
    assert f.signals.care_reactive_load == 0.3
    for bad, field in [
        ({"answers": [1]}, "answers"),
        ({"questionnaire": 7}, "questionnaire"),
        ({"declared_org_model": "matrix"}, "declared_org_model"),
        ({"signals": {"care_reactive_load": 2}}, "signals.care_reactive_load"),
        ({"signals": {"mood": 0.2}}, "signals.mood"),
        ({"extra": 1}, "extra"),
    ]:
        with pytest.raises(m.InvalidAnswersError) as exc:
            m.parse_answer_file(bad)
        assert field in exc.value.errors
    with pytest.raises(m.InvalidAnswersError):
        m.parse_answer_file(["not", "a", "mapping"])


def test_it_compares_two_assessments() -> None:
    before = m.assess(answers(*upto(2))).to_dict()
    after = m.assess(answers(*upto(3), training="formal")).to_dict()
    diff = m.compare(before, after)
    assert diff["stage"] == {
        "before": 2,
        "after": 3,
        "before_name": "Presence",
        "after_name": "Engagement",
        "delta": 1,
    }
    assert {g["question"] for g in diff["gaps_closed"]} == {"lifecycle_engagement", "social_care"}
    changed = {c["question"]: (c["before"], c["after"]) for c in diff["answers_changed"]}
    assert changed["training"] == ("none", "formal")
    assert diff["overall"]["delta"] == after["overall"] - before["overall"] > 0
    engagement = next(d for d in diff["dimensions"] if d["key"] == "engagement")
    assert engagement["delta"] > 0


# --- any answers at all -----------------------------------------------------------------------


def _answer_strategy() -> st.SearchStrategy[dict[str, Any]]:
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for q in Q.questions:
        if q.kind == "choice":
            fields[q.id] = st.sampled_from([o.value for o in q.options])
        elif q.kind == "scale":
            assert q.min is not None
            assert q.max is not None
            fields[q.id] = st.integers(q.min, q.max)
        else:
            fields[q.id] = st.integers(0, 500)
    return st.fixed_dictionaries({}, optional=fields)


@settings(max_examples=150, deadline=None)
@given(
    raw=_answer_strategy(),
    declared=st.sampled_from([None, *[x.key for x in m.ORG_MODELS]]),
    risk=st.one_of(st.none(), st.floats(0, 1)),
)
def test_it_scores_any_valid_answers_consistently(
    raw: dict[str, Any], declared: str | None, risk: float | None
) -> None:
    result = m.assess(
        m.parse_answers(raw, Q),
        declared_org_model=declared,
        signals=m.LiveSignals(demand_help_desk_risk=risk),
    )
    assert 1 <= result.stage.number <= 6
    assert 0 <= result.overall <= 100
    assert result.verdict.score is None or 0 <= result.verdict.score <= 1
    assert {i.path for i in result.roadmap} <= NAV
    for c in result.contradictions:
        assert c.message
        assert c.resolution
    for b in result.benchmarks:
        assert bm.published(b.key).confirmed
    data = result.to_dict()
    assert m.compare(data, data)["stage"]["delta"] == 0
