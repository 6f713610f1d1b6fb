"""Triage engine: from a post's text to sentiment, intent, priority, route and advised response.

Pure Python (no Django). `Triager.default().triage(posts)` is the entry point; see
docs/benchmarks.md for how well it does on real data.
"""

from .engine import Triager
from .records import INTENTS, RESPONSES, SENTIMENTS, Decision, Post
from .router import RouterError, RouterReport, train_router
from .rules import RulesError

__all__ = [
    "INTENTS",
    "RESPONSES",
    "SENTIMENTS",
    "Decision",
    "Post",
    "RouterError",
    "RouterReport",
    "RulesError",
    "Triager",
    "train_router",
]
