from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from escapevelocity.triage import INTENTS, Post, RulesError, Triager
from escapevelocity.triage.rules import PostFacts, load_rules, parse_rules, route_names


def facts(**kw: str) -> PostFacts:
    base = {
        "text": "",
        "normalized": "",
        "intent": "other",
        "sentiment": "neutral",
        "channel": "mastodon",
        "language": "en",
        "account": "acme",
        "author": "someone",
    }
    base.update(kw)
    return PostFacts(**base)


def test_it_ships_rules_that_route_by_intent_to_unit_functions() -> None:
    rules = load_rules()
    expected = {
        "complaint": "customer_care",
        "question": "customer_care",
        "feedback": "product",
        "purchase_intent": "sales",
        "crisis": "communications",
        "praise": "marketing",
        "spam": "hub",
    }
    for intent, route in expected.items():
        match = rules.first_match(facts(intent=intent))
        assert match is not None, intent
        assert match[0].route == route, intent
    assert rules.first_match(facts(intent="other")) is None
    assert rules.default == "customer_care"
    legal = rules.first_match(facts(intent="crisis", normalized="i will call my lawyer"))
    assert legal is not None
    assert legal[0].route == "legal"
    assert "legal" in route_names(rules)


def test_it_takes_the_first_matching_rule_in_order() -> None:
    rules = parse_rules(
        {
            "default": "hub",
            "rules": [
                {"name": "vip", "when": {"author": "@BigStar"}, "route": "vip-desk"},
                {"name": "complaints", "when": {"intent": "complaint"}, "route": "care"},
            ],
        }
    )
    match = rules.first_match(facts(intent="complaint", author="bigstar"))
    assert match is not None
    assert match[0].name == "vip"
    match = rules.first_match(facts(intent="complaint", author="other"))
    assert match is not None
    assert match[0].name == "complaints"


def test_it_requires_every_condition_of_a_rule() -> None:
    rules = parse_rules(
        {
            "default": "hub",
            "rules": [
                {
                    "name": "es-billing",
                    "when": {
                        "language": ["es", "pt"],
                        "channel": "bluesky",
                        "account": "acme_es",
                        "sentiment": "negative",
                        "keywords": ["factura", "cobro doble"],
                        "regex": r"\bfac\w+",
                    },
                    "route": "billing-es",
                }
            ],
        }
    )
    hit = facts(
        text="Mi FACTURA otra vez",
        normalized="mi factura otra vez",
        language="es",
        channel="bluesky",
        account="acme_es",
        sentiment="negative",
    )
    match = rules.first_match(hit)
    assert match is not None
    assert match[1] == [
        "language is 'es'",
        "channel is 'bluesky'",
        "account is 'acme_es'",
        "sentiment is 'negative'",
        "keyword 'factura'",
        "pattern /\\bfac\\w+/ matched 'FACTURA'",
    ]
    for change in ({"language": "fr"}, {"channel": "x"}, {"sentiment": "neutral"}):
        assert rules.first_match(replace(hit, **change)) is None


def test_it_matches_keywords_as_whole_words() -> None:
    rules = parse_rules(
        {"default": "hub", "rules": [{"when": {"keywords": ["sue"]}, "route": "legal"}]}
    )
    assert rules.first_match(facts(normalized="i will sue")) is not None
    assert rules.first_match(facts(normalized="my name is suet")) is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "expected a mapping"),
        ({"rules": []}, "'default' must name a route"),
        ({"default": "hub", "rules": [{"when": {"intent": "anger"}, "route": "x"}]}, "anger"),
        ({"default": "hub", "rules": [{"when": {"mood": "x"}, "route": "x"}]}, "mood"),
        ({"default": "hub", "rules": [{"when": {"regex": "("}, "route": "x"}]}, "regex"),
        ({"default": "hub", "rules": [{"name": "a", "when": {}}]}, "rule 'a': 'route'"),
        ({"default": "hub", "rules": [{"name": "a", "route": "x"}] * 2}, "two rules"),
        ({"default": "hub", "extra": 1}, "unknown top-level"),
    ],
)
def test_it_rejects_bad_rules_naming_the_problem(data: object, message: str) -> None:
    with pytest.raises(RulesError, match=message):
        parse_rules(data)


def test_it_reports_unreadable_and_invalid_files(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("default: [unclosed", encoding="utf-8")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_rules(bad)


def test_it_routes_with_a_companys_own_rules_file(tmp_path: Path, model_cache: Path) -> None:
    rules = tmp_path / "routing.yaml"
    rules.write_text(
        "default: care-desk\n"
        "rules:\n"
        "  - name: emea-x\n"
        "    when: {channel: x, keywords: [refund]}\n"
        "    route: emea-refunds\n",
        encoding="utf-8",
    )
    triager = Triager.default(rules_path=rules, cache_dir=model_cache)
    a, b = triager.triage(
        [
            Post(external_id="1", channel="x", text="still waiting for my refund"),
            Post(external_id="2", channel="mastodon", text="still waiting for my refund"),
        ]
    )
    assert (a.route, a.route_source, a.route_rule) == ("emea-refunds", "rule", "emea-x")
    assert (b.route, b.route_source, b.route_rule) == ("care-desk", "default", None)
    assert b.reasons["route"] == ["no rule matched: default route"]


def test_what_the_intent_alone_decides_is_what_first_match_finds() -> None:
    custom = parse_rules(
        {
            "default": "hub",
            "rules": [
                {"name": "complaints", "when": {"intent": "complaint"}, "route": "care"},
                {"name": "junk", "when": {"intent": ["spam", "other"]}, "route": "hub"},
                {"name": "vip", "when": {"author": "bigstar"}, "route": "vip-desk"},
            ],
        }
    )
    for rules in (load_rules(), custom):
        for intent in INTENTS:
            decided = rules.decided_by_intent(intent)
            if decided is not None:
                assert decided == rules.first_match(facts(intent=intent, author="bigstar"))
    junk = custom.decided_by_intent("other")
    assert junk is not None
    assert junk[0].name == "junk"
    assert custom.decided_by_intent("question") is None  # the vip rule tests the author
    assert load_rules().decided_by_intent("crisis") is None  # legal-threats tests keywords
