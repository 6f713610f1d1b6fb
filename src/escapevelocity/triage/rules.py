"""Declarative routing rules: an ordered list in a YAML file the user edits, first match wins.

    default: customer_care            # where a post goes when nothing else decides
    rules:
      - name: legal-threats
        when:
          intent: crisis              # one value or a list; every listed condition must hold
          keywords: [lawsuit, lawyer] # any of these words or phrases (case-insensitive)
        route: legal
      - name: complaints
        when: {intent: complaint}
        route: customer_care
        learned_may_override: true    # a confident learned router may decide instead

Conditions: intent, sentiment, keywords, regex (searched in the raw text, case-insensitive),
channel, language, account, author (the author's handle, without @). Routes are unit keys or
unit function names; the application resolves them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .records import INTENTS, SENTIMENTS

SHIPPED_RULES = Path(__file__).with_name("routing.yaml")
LIST_CONDITIONS = ("intent", "sentiment", "channel", "language", "account", "author")
CONDITIONS = (*LIST_CONDITIONS, "keywords", "regex")


class RulesError(ValueError):
    """The routing rules file is not valid; the message names the rule and the field."""


@dataclass(slots=True)  # not frozen: one per post, and a frozen __init__ costs twice as much
class PostFacts:
    """What a rule may test about one post."""

    text: str
    normalized: str
    intent: str
    sentiment: str
    channel: str
    language: str
    account: str
    author: str


@dataclass(frozen=True)
class Rule:
    """One routing rule: its conditions (all must hold) and the route it gives."""

    name: str
    route: str
    values: dict[str, frozenset[str]] = field(default_factory=dict)
    keywords: tuple[str, ...] = ()
    keyword_re: re.Pattern[str] | None = None
    regex: re.Pattern[str] | None = None
    learned_may_override: bool = False
    intent_only: bool = False  # tests nothing but the intent (set by parse_rules)

    def matches(self, post: PostFacts) -> list[str] | None:
        """Return why the rule matches `post` (one sentence per condition), or None."""
        if self.intent_only:
            # the common shipped rule: RuleSet.by_intent already chose it by intent
            if post.intent in self.values["intent"]:
                return [f"intent is '{post.intent}'"]
            return None
        why: list[str] = []
        for key, allowed in self.values.items():
            value = getattr(post, key)
            if value not in allowed and value.lower() not in allowed:
                return None
            why.append(f"{key} is '{value}'")
        if self.keyword_re is not None:
            found = self.keyword_re.search(post.normalized)
            if not found:
                return None
            why.append(f"keyword '{found.group(1)}'")
        if self.regex is not None:
            found = self.regex.search(post.text)
            if not found:
                return None
            why.append(f"pattern /{self.regex.pattern}/ matched '{found.group(0)[:40]}'")
        return why


@dataclass(frozen=True)
class RuleSet:
    """Ordered routing rules with the default route."""

    rules: tuple[Rule, ...]
    default: str
    source: str
    by_intent: dict[str, tuple[Rule, ...]] = field(default_factory=dict)
    decided: dict[str, tuple[Rule, list[str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # For each intent, the rules that can match it, still in order: most posts then test
        # one or two rules instead of all of them.
        for intent in INTENTS:
            candidates = tuple(
                r for r in self.rules if "intent" not in r.values or intent in r.values["intent"]
            )
            self.by_intent[intent] = candidates
            if candidates and candidates[0].intent_only:
                # the first candidate tests nothing but the intent: it matches every such post
                self.decided[intent] = (candidates[0], [f"intent is '{intent}'"])

    @property
    def uses_keywords(self) -> bool:
        """Return True when some rule tests keywords (which read the normalized text)."""
        return any(r.keyword_re is not None for r in self.rules)

    def decided_by_intent(self, intent: str) -> tuple[Rule, list[str]] | None:
        """Return the first match of every post with this intent when the intent alone decides
        it (as `first_match` would), else None: the caller then needs no PostFacts."""
        found = self.decided.get(intent)
        return None if found is None else (found[0], list(found[1]))

    def first_match(self, post: PostFacts) -> tuple[Rule, list[str]] | None:
        """Return the first rule that matches and why, or None."""
        for rule in self.by_intent.get(post.intent, self.rules):
            why = rule.matches(post)
            if why is not None:
                return rule, why
        return None


def _as_set(rule_name: str, key: str, value: Any) -> frozenset[str]:
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(v, str | int) for v in items):
        raise RulesError(f"rule '{rule_name}': '{key}' must be a word or a list of words")
    values = frozenset(str(v).lower().lstrip("@") for v in items)
    if key == "intent" and not values <= set(INTENTS):
        bad = ", ".join(sorted(values - set(INTENTS)))
        raise RulesError(f"rule '{rule_name}': unknown intent {bad} (known: {', '.join(INTENTS)})")
    if key == "sentiment" and not values <= set(SENTIMENTS):
        bad = ", ".join(sorted(values - set(SENTIMENTS)))
        raise RulesError(f"rule '{rule_name}': unknown sentiment {bad}")
    return values


def parse_rules(data: Any, source: str = "<rules>") -> RuleSet:
    """Return the RuleSet described by parsed YAML `data`; RulesError says what is wrong."""
    if not isinstance(data, dict):
        raise RulesError(f"{source}: expected a mapping with 'rules' and 'default'")
    unknown = set(data) - {"rules", "default"}
    if unknown:
        raise RulesError(f"{source}: unknown top-level key(s): {', '.join(sorted(unknown))}")
    default = data.get("default")
    if not isinstance(default, str) or not default.strip():
        raise RulesError(f"{source}: 'default' must name a route")
    raw_rules = data.get("rules") or []
    if not isinstance(raw_rules, list):
        raise RulesError(f"{source}: 'rules' must be a list")
    rules: list[Rule] = []
    names: set[str] = set()
    for i, raw in enumerate(raw_rules, start=1):
        if not isinstance(raw, dict):
            raise RulesError(f"{source}: rule {i} must be a mapping")
        name = str(raw.get("name") or f"rule-{i}")
        if name in names:
            raise RulesError(f"{source}: two rules are named '{name}'")
        names.add(name)
        extra = set(raw) - {"name", "when", "route", "learned_may_override"}
        if extra:
            raise RulesError(f"rule '{name}': unknown key(s): {', '.join(sorted(extra))}")
        route = raw.get("route")
        if not isinstance(route, str) or not route.strip():
            raise RulesError(f"rule '{name}': 'route' must name a unit key or unit function")
        when = raw.get("when") or {}
        if not isinstance(when, dict):
            raise RulesError(f"rule '{name}': 'when' must be a mapping of conditions")
        bad = set(when) - set(CONDITIONS)
        if bad:
            raise RulesError(
                f"rule '{name}': unknown condition(s) {', '.join(sorted(bad))} "
                f"(known: {', '.join(CONDITIONS)})"
            )
        values = {k: _as_set(name, k, v) for k, v in when.items() if k in LIST_CONDITIONS}
        keywords: tuple[str, ...] = ()
        keyword_re = None
        if "keywords" in when:
            kw = when["keywords"]
            items = kw if isinstance(kw, list) else [kw]
            keywords = tuple(str(k).lower().strip() for k in items if str(k).strip())
            if not keywords:
                raise RulesError(f"rule '{name}': 'keywords' is empty")
            alts = "|".join(re.escape(k) for k in sorted(keywords, key=len, reverse=True))
            keyword_re = re.compile(rf"(?<![\w#@])({alts})(?!\w)")
        regex = None
        if "regex" in when:
            try:
                regex = re.compile(str(when["regex"]), re.IGNORECASE)
            except re.error as exc:
                raise RulesError(f"rule '{name}': 'regex' does not compile: {exc}") from None
        rules.append(
            Rule(
                name=name,
                route=route.strip(),
                values=values,
                keywords=keywords,
                keyword_re=keyword_re,
                regex=regex,
                learned_may_override=bool(raw.get("learned_may_override", False)),
                intent_only=set(values) == {"intent"} and keyword_re is None and regex is None,
            )
        )
    return RuleSet(rules=tuple(rules), default=default.strip(), source=source)


def load_rules(path: str | Path | None = None) -> RuleSet:
    """Return the rules in `path` (the shipped file when None)."""
    file = Path(path) if path is not None else SHIPPED_RULES
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError(f"cannot read routing rules {file}: {exc.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise RulesError(f"{file}: not valid YAML: {exc}") from None
    return parse_rules(data, source=str(file))


def route_names(rules: RuleSet) -> Sequence[str]:
    """Return every route the rules can give, the default last."""
    seen = dict.fromkeys(r.route for r in rules.rules)
    seen[rules.default] = None
    return list(seen)
