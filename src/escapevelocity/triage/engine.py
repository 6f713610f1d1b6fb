"""The Triager: posts in, decisions out — sentiment, intent, priority, route, advised response —
vectorized over the batch, each part with the reasons behind it."""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from .language import detect_batch
from .lexicon import LexiconScore, load_lexicon, score_tokens
from .normalize import Normalized, normalize_batch
from .priority import priority
from .records import INTENTS, Decision, Post
from .response import advise
from .router import LearnedRouter, load_router
from .rules import PostFacts, Rule, RuleSet, load_rules
from .signals import Signals, find_signals
from .starter import StarterModels, lexicon_features, load_starter
from .textmodel import FloatArray

ROUTER_FILE = "router.joblib"
RULES_FILE = "routing.yaml"
# A crisis term lifts the crisis probability to at least this much (more terms, more lift).
CRISIS_FLOOR = 0.45


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
        # the intent model's columns in the order of INTENTS
        self._perm = [self._intent_index[c] for c in INTENTS]
        self._sentiment_index = {c: i for i, c in enumerate(models.sentiment.classes)}
        names = [""] * len(models.intent.vocab)
        for name, j in models.intent.vocab.items():
            names[j] = name
        # How a reason quotes each feature, built once rather than per post.
        self._quoted = [f"'{n[4:]}' (negated)" if n[:4] == "neg_" else f"'{n}'" for n in names]
        # Features worth naming in a reason: words and emoji, not pairs or punctuation.
        self._showable = np.array(
            [
                " " not in n
                and (n[:1].isalnum() or n[:1] in "#@" or ord(n[:1] or " ") > 0x2000)
                and not n.startswith("_")
                for n in names
            ],
            dtype=bool,
        )

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
                # an older version of the same files is no longer wanted: keep memory bounded
                for old in [
                    k for k in cls._cache if (k[0], k[2], k[4]) == (key[0], key[2], key[4])
                ]:
                    del cls._cache[old]
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
        signals = [find_signals(d) for d in docs]
        intent_model = self.models.intent
        x = intent_model.featurize(docs)
        xs = x if self.models.sentiment.vocab is intent_model.vocab else None
        scores, sentiment_proba = self.sentiment_scores(docs, lex, x=xs)
        sentiment_classes = self.models.sentiment.classes
        labels = [sentiment_classes[j] for j in sentiment_proba.argmax(axis=1).tolist()]
        best_sentiment = sentiment_proba.max(axis=1).tolist()
        score_list = scores.tolist()
        # Python's round(score, 4) for the whole batch: a float32 times 10**4 is exact in float64,
        # so numpy's multiply, round-half-even and divide give the same floats, far faster.
        rounded_scores = np.round(scores.astype(np.float64), 4).tolist()
        intent_proba = intent_model.proba_x(x)
        intents = self._intents(intent_proba, signals)
        best = np.array([self._intent_index[name] for name, _ in intents], dtype=np.intp)
        top_words = self._top_words(x, best)
        rounded = np.round(intent_proba[:, self._perm], 4).tolist()
        learned: list[tuple[str, float]] | None = None
        if self.router is not None:
            learned = self.router.predict(docs)
        rules = self.rules
        keywords = rules.uses_keywords
        out: list[Decision] = []
        for i, post in enumerate(posts):
            intent_name, intent_extra = intents[i]
            score = score_list[i]
            label = labels[i]
            lang = languages[i][0]
            match = rules.decided_by_intent(intent_name)
            if match is None:
                facts = PostFacts(
                    text=texts[i],
                    normalized=" ".join(docs[i]) if keywords else "",
                    intent=intent_name,
                    sentiment=label,
                    channel=post.channel or "",
                    language=lang,
                    account=(post.account or "").lstrip("@"),
                    author=(post.author_handle or "").lstrip("@"),
                )
                match = rules.first_match(facts)
            # every row has one column per intent; strict= would cost 0.5 us a post
            probs = dict(zip(INTENTS, rounded[i]))  # noqa: B905
            sig = signals[i]
            age = None
            if post.created_at is not None and post.created_at.tzinfo is not None:
                age = max(0.0, (moment - post.created_at).total_seconds() / 3600)
            value, priority_reasons = priority(
                intent=intent_name,
                sentiment_score=score,
                crisis_terms=[t for t, _ in sig.crisis] if sig.crisis else [],
                reach=post.author_reach,
                contact_count=post.author_contact_count,
                age_hours=age,
            )
            route, source, rule_name, route_reasons = self._route(
                match, learned[i] if learned is not None else None
            )
            response, response_reasons = advise(
                intent=intent_name,
                sentiment=label,
                sentiment_score=score,
                signals=sig,
                sarcasm=lex[i].sarcasm,
                shouting=normalized[i].shouting,
            )
            intent_reasons = [f"model: P({intent_name}) = {probs[intent_name]:.2f}", *intent_extra]
            if top_words[i]:
                intent_reasons.append(f"words pointing to {intent_name}: {top_words[i]}")
            out.append(
                Decision(
                    language=lang,
                    sentiment=label,
                    sentiment_score=rounded_scores[i],
                    intent=intent_name,
                    intent_probability=probs[intent_name],
                    intent_probabilities=probs,
                    priority=value,
                    route=route,
                    route_source=source,
                    route_rule=rule_name,
                    response=response,
                    reasons={
                        "sentiment": self._sentiment_reasons(
                            normalized[i], lex[i], score, label, best_sentiment[i]
                        ),
                        "intent": intent_reasons,
                        "priority": priority_reasons,
                        "route": route_reasons,
                        "response": response_reasons,
                    },
                )
            )
        return out

    def sentiment_scores(
        self,
        docs: Sequence[list[str]],
        lex: Sequence[LexiconScore],
        *,
        x: sp.csr_matrix | None = None,
    ) -> tuple[FloatArray, FloatArray]:
        """Return (scores in -1..1, probabilities) of the sentiment model.

        The model reads the post's n-grams and the lexicon's scores side by side (trained on the
        project's corpus, it learned how far to trust each); the label is its most probable
        class and the score is P(positive) - P(negative).
        """
        model = self.models.sentiment
        dense = lexicon_features(lex) * float(model.meta.get("dense_scale", 1.0))
        if x is None:
            x = model.featurize(docs)
        proba = model.proba_x(x, dense)
        pos = proba[:, self._sentiment_index["positive"]]
        neg = proba[:, self._sentiment_index["negative"]]
        return (pos - neg).astype(np.float32), proba

    def _intents(
        self, proba: FloatArray, signals: Sequence[Signals]
    ) -> list[tuple[str, list[str]]]:
        classes = self.models.intent.classes
        crisis = self._intent_index["crisis"]
        best = proba.argmax(axis=1).tolist()
        out: list[tuple[str, list[str]]] = []
        for i, sig in enumerate(signals):
            if not sig.crisis:
                out.append((classes[best[i]], []))
                continue
            row = proba[i]
            floor = min(0.9, CRISIS_FLOOR + 0.15 * (len(sig.crisis) - 1))
            if row[crisis] < floor:
                rest = 1.0 - row[crisis]
                row *= (1.0 - floor) / rest if rest > 0 else 0.0
                row[crisis] = floor
            terms = ", ".join(f"'{t}' ({kind})" for t, kind in sig.crisis[:3])
            out.append((classes[int(row.argmax())], [f"crisis terms: {terms}"]))
        return out

    def _top_words(self, x: sp.csr_matrix, classes: npt.NDArray[np.intp], k: int = 3) -> list[str]:
        """Return, per row, the words that pushed it most towards its class (vectorized)."""
        model = self.models.intent
        counts = np.diff(x.indptr)
        rows = np.repeat(np.arange(x.shape[0]), counts)
        contrib = x.data * model.coef[x.indices, classes[rows]]
        # Only showable words that pushed towards the class can be named: sort just those, by
        # row and then strongest first (the sort is stable, so ties keep the column order).
        keep = (contrib > 0) & self._showable[x.indices]
        rows, contrib, features = rows[keep], contrib[keep], x.indices[keep]
        order = np.lexsort((-contrib, rows))
        rows, features = rows[order], features[order]
        # an entry's rank in its row is its distance from the row's first entry
        top = np.arange(len(rows)) - np.searchsorted(rows, rows) < k
        picked: list[list[str]] = [[] for _ in range(x.shape[0])]
        quoted = self._quoted
        for r, j in zip(rows[top].tolist(), features[top].tolist(), strict=True):
            picked[r].append(quoted[j])
        return [", ".join(p) for p in picked]

    def _sentiment_reasons(
        self, norm: Normalized, lex: LexiconScore, score: float, label: str, p: float
    ) -> list[str]:
        reasons = [f"score {score:+.2f}: model P({label}) = {p:.2f}, lexicon {lex.compound:+.2f}"]
        if lex.hits:
            words = ", ".join(
                [f"'{h[4:]}' (negated)" if h[:4] == "neg_" else f"'{h}'" for h in lex.hits[:5]]
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
        self, match: tuple[Rule, list[str]] | None, learned: tuple[str, float] | None
    ) -> tuple[str, str, str | None, list[str]]:
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


def _mtime(path: Path | None) -> float | None:
    if path is None:
        return None
    try:
        return path.stat().st_mtime
    except OSError:
        return None
