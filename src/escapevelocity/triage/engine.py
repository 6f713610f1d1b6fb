"""The Triager: posts in, decisions out — sentiment, intent, priority, route, advised response —
vectorized over the batch, each part with the reasons behind it."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .language import detect_batch
from .lexicon import LexiconScore, load_lexicon, score_tokens
from .normalize import Normalized, normalize_batch
from .priority import priority
from .records import INTENTS, Decision, Post
from .response import advise
from .router import LearnedRouter, load_router
from .rules import PostFacts, RuleSet, load_rules
from .signals import Signals, find_signals
from .starter import StarterModels, lexicon_features, load_starter
from .textmodel import FloatArray, TextModel

ROUTER_FILE = "router.joblib"
RULES_FILE = "routing.yaml"
# The default blends the trained model with the lexicon; measured in docs/benchmarks.md.
MODEL_WEIGHT = 0.5
NEUTRAL_BAND = 0.1
# A crisis term lifts the crisis probability to at least this much (more terms, more lift).
CRISIS_FLOOR = 0.45


def sentiment_label(score: float, band: float = NEUTRAL_BAND) -> str:
    """Return negative / neutral / positive for a score in -1..1."""
    if score >= band:
        return "positive"
    if score <= -band:
        return "negative"
    return "neutral"


class Triager:
    """Turns batches of posts into decisions. Immutable once built, so safe across threads."""

    def __init__(
        self,
        *,
        models: StarterModels,
        rules: RuleSet,
        router: LearnedRouter | None = None,
    ) -> None:
        self.models = models
        self.rules = rules
        self.router = router
        self.lexicon = load_lexicon()
        self._intent_index = {c: i for i, c in enumerate(models.intent.classes)}
        self._sentiment_index = {c: i for i, c in enumerate(models.sentiment.classes)}

    _cache: dict[tuple[object, ...], Triager] = {}
    _cache_lock = threading.Lock()

    @classmethod
    def default(
        cls,
        *,
        rules_path: str | Path | None = None,
        router_path: str | Path | None = None,
        cache_dir: str | Path | None = None,
    ) -> Triager:
        """Return the shared Triager for these files, loading it once (per file version).

        Without `rules_path`, EV_DATA_DIR/routing.yaml is used when it exists, else the shipped
        rules. Without `router_path`, EV_DATA_DIR/models/router.joblib is used when it exists.
        """
        data_dir = os.environ.get("EV_DATA_DIR")
        rules_file = Path(rules_path) if rules_path is not None else None
        if rules_file is None and data_dir and (Path(data_dir) / RULES_FILE).is_file():
            rules_file = Path(data_dir) / RULES_FILE
        router_file = Path(router_path) if router_path is not None else None
        if router_file is None and data_dir and (Path(data_dir) / "models" / ROUTER_FILE).is_file():
            router_file = Path(data_dir) / "models" / ROUTER_FILE
        key = (
            str(rules_file),
            _mtime(rules_file),
            str(router_file),
            _mtime(router_file),
            str(cache_dir),
            data_dir,
        )
        with cls._cache_lock:
            found = cls._cache.get(key)
            if found is None:
                found = cls(
                    models=load_starter(cache_dir),
                    rules=load_rules(rules_file),
                    router=load_router(router_file) if router_file is not None else None,
                )
                cls._cache[key] = found
            return found

    def triage(self, posts: Sequence[Post], *, now: datetime | None = None) -> list[Decision]:
        """Return one Decision per post, in order."""
        if not posts:
            return []
        moment = now or datetime.now(UTC)
        texts = [p.text or "" for p in posts]
        normalized = normalize_batch(texts)
        docs = [n.tokens for n in normalized]
        languages = detect_batch(texts, docs, [p.language for p in posts])
        lexicon = self.lexicon
        lex = [score_tokens(d, lexicon) for d in docs]
        scores, sentiment_proba = self.sentiment_scores(docs, lex)
        intent_proba = self.models.intent.predict_proba(docs)
        signals = [find_signals(d) for d in docs]
        intents = self._intents(intent_proba, signals)
        need_router = self.router is not None
        facts: list[PostFacts] = []
        for post, norm, (lang, _), (intent, _), score in zip(
            posts, normalized, languages, intents, scores, strict=True
        ):
            facts.append(
                PostFacts(
                    text=post.text or "",
                    normalized=" ".join(norm.tokens),
                    intent=intent,
                    sentiment=sentiment_label(float(score)),
                    channel=post.channel or "",
                    language=lang,
                    account=(post.account or "").lstrip("@"),
                    author=(post.author_handle or "").lstrip("@"),
                )
            )
        learned: list[tuple[str, float]] | None = None
        if need_router and self.router is not None:
            learned = self.router.predict(docs)
        out: list[Decision] = []
        for i, post in enumerate(posts):
            out.append(
                self._decide(
                    post,
                    normalized[i],
                    languages[i],
                    lex[i],
                    float(scores[i]),
                    sentiment_proba[i],
                    intent_proba[i],
                    intents[i],
                    signals[i],
                    facts[i],
                    learned[i] if learned is not None else None,
                    moment,
                )
            )
        return out

    def sentiment_scores(
        self, docs: Sequence[list[str]], lex: Sequence[LexiconScore]
    ) -> tuple[FloatArray, FloatArray]:
        """Return (scores in -1..1, model probabilities) blending the model and the lexicon."""
        model = self.models.sentiment
        dense = lexicon_features(lex) * float(model.meta.get("dense_scale", 1.0))
        proba = model.predict_proba(docs, dense)
        pos = proba[:, self._sentiment_index["positive"]]
        neg = proba[:, self._sentiment_index["negative"]]
        compound = np.array([s.compound for s in lex], dtype=np.float32)
        scores = MODEL_WEIGHT * (pos - neg) + (1.0 - MODEL_WEIGHT) * compound
        return np.clip(scores, -1.0, 1.0).astype(np.float32), proba

    def _intents(
        self, proba: FloatArray, signals: Sequence[Signals]
    ) -> list[tuple[str, list[str]]]:
        classes = self.models.intent.classes
        crisis = self._intent_index["crisis"]
        out: list[tuple[str, list[str]]] = []
        for i, sig in enumerate(signals):
            row = proba[i]
            extra: list[str] = []
            if sig.crisis:
                floor = min(0.9, CRISIS_FLOOR + 0.15 * (len(sig.crisis) - 1))
                if row[crisis] < floor:
                    rest = 1.0 - row[crisis]
                    row *= (1.0 - floor) / rest if rest > 0 else 0.0
                    row[crisis] = floor
                terms = ", ".join(f"'{t}' ({kind})" for t, kind in sig.crisis[:3])
                extra.append(f"crisis terms: {terms}")
            best = int(row.argmax())
            out.append((classes[best], extra))
        return out

    def _decide(
        self,
        post: Post,
        norm: Normalized,
        language: tuple[str, str],
        lex: LexiconScore,
        score: float,
        sentiment_proba: FloatArray,
        intent_row: FloatArray,
        intent: tuple[str, list[str]],
        sig: Signals,
        facts: PostFacts,
        learned: tuple[str, float] | None,
        now: datetime,
    ) -> Decision:
        label = sentiment_label(score)
        intent_name, intent_extra = intent
        sentiment_reasons = self._sentiment_reasons(norm, lex, score, sentiment_proba)
        probs = {c: round(float(intent_row[j]), 4) for c, j in self._intent_index.items()}
        probs = {c: probs.get(c, 0.0) for c in INTENTS}
        intent_reasons = [
            f"model: P({intent_name}) = {probs[intent_name]:.2f}",
            *intent_extra,
            *_top_words(self.models.intent, norm.tokens, intent_name),
        ]
        age = None
        if post.created_at is not None and post.created_at.tzinfo is not None:
            age = max(0.0, (now - post.created_at).total_seconds() / 3600)
        value, priority_reasons = priority(
            intent=intent_name,
            sentiment_score=score,
            crisis_terms=[t for t, _ in sig.crisis],
            reach=post.author_reach,
            contact_count=post.author_contact_count,
            age_hours=age,
        )
        route, source, rule_name, route_reasons = self._route(facts, learned)
        response, response_reasons = advise(
            intent=intent_name,
            sentiment=label,
            sentiment_score=score,
            signals=sig,
            sarcasm=lex.sarcasm,
            shouting=norm.shouting,
        )
        return Decision(
            language=language[0],
            sentiment=label,
            sentiment_score=round(score, 4),
            intent=intent_name,
            intent_probability=probs[intent_name],
            intent_probabilities=probs,
            priority=value,
            route=route,
            route_source=source,
            route_rule=rule_name,
            response=response,
            reasons={
                "sentiment": sentiment_reasons,
                "intent": intent_reasons,
                "priority": priority_reasons,
                "route": route_reasons,
                "response": response_reasons,
            },
        )

    def _sentiment_reasons(
        self, norm: Normalized, lex: LexiconScore, score: float, proba: FloatArray
    ) -> list[str]:
        classes = self.models.sentiment.classes
        best = int(proba.argmax())
        reasons = [
            f"score {score:+.2f}: model P({classes[best]}) = {float(proba[best]):.2f}, "
            f"lexicon {lex.compound:+.2f}"
        ]
        if lex.hits:
            words = ", ".join(
                f"'{h[4:]}' (negated)" if h.startswith("neg_") else f"'{h}'" for h in lex.hits[:5]
            )
            reasons.append(f"lexicon words: {words}")
        if lex.sarcasm:
            reasons.append("sarcasm cue: praise words read as complaint")
        if norm.elongated:
            reasons.append("elongated words (emphasis)")
        if norm.shouting:
            reasons.append("written in capitals (emphasis)")
        return reasons

    def _route(
        self, facts: PostFacts, learned: tuple[str, float] | None
    ) -> tuple[str, str, str | None, list[str]]:
        match = self.rules.first_match(facts)
        confident = (
            learned is not None
            and self.router is not None
            and learned[1] >= self.router.min_confidence
        )
        if match is not None:
            rule, why = match
            overridden = (
                rule.learned_may_override
                and confident
                and learned is not None
                and learned[0] != rule.route
            )
            if overridden and learned is not None:
                return (
                    learned[0],
                    "learned",
                    None,
                    [
                        f"learned router: '{learned[0]}' (p = {learned[1]:.2f}) overrides "
                        f"rule '{rule.name}' ('{rule.route}'), which allows it"
                    ],
                )
            return rule.route, "rule", rule.name, [f"rule '{rule.name}': {'; '.join(why)}"]
        if confident and learned is not None:
            return (
                learned[0],
                "learned",
                None,
                [f"no rule matched; learned router: '{learned[0]}' (p = {learned[1]:.2f})"],
            )
        reason = "no rule matched"
        if learned is not None:
            reason += f"; learned router unsure ('{learned[0]}', p = {learned[1]:.2f})"
        return self.rules.default, "default", None, [f"{reason}: default route"]


def _top_words(model: TextModel, tokens: list[str], label: str, k: int = 3) -> list[str]:
    """Return a sentence naming the post's words that pushed most towards `label`."""
    try:
        col = model.classes.index(label)
    except ValueError:
        return []
    weights: dict[str, float] = {}
    for tok in tokens:
        j = model.vocab.get(tok)
        if j is not None and tok not in weights:
            w = float(model.coef[j, col] * model.idf[j])
            if w > 0:
                weights[tok] = w
    if not weights:
        return []
    top = sorted(weights, key=lambda t: -weights[t])[:k]
    shown = ", ".join(f"'{t[4:]}' (negated)" if t.startswith("neg_") else f"'{t}'" for t in top)
    return [f"words pointing to {label}: {shown}"]


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime
    except OSError:
        return None
