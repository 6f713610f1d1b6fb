"""Every outcome metric, defined once: its formula in words, unit, owner, the tier of reader it
serves (the ROI pyramid: executives read revenue, reputation and cost; strategists and unit
leads read social analytics; community managers read engagement), how it is computed, and
where the posts or requests behind it are listed.

A metric computes over a `Window` (a period and, optionally, some units). It returns a
`Measure` whose value is None when there is no data yet — an app not built, nothing in the
period — and the dashboards say so instead of showing a zero they cannot vouch for.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from escapevelocity.org.models import Unit
from escapevelocity.outcomes import selectors
from escapevelocity.outcomes.models import OutcomeSettings
from escapevelocity.outcomes.selectors import Window

EXECUTIVE = "executive"
STRATEGIST = "strategist"
COMMUNITY = "community"
TIERS = (EXECUTIVE, STRATEGIST, COMMUNITY)

NO_DATA = "No data yet"


@dataclass(frozen=True)
class Measure:
    value: float | None
    note: str = ""  # why there is no value, or what the value rests on

    @property
    def has_value(self) -> bool:
        return self.value is not None


@dataclass
class Context:
    """What every metric of one computation shares: settings and results read once."""

    settings: OutcomeSettings
    cache: dict[tuple[str, Window], Any] = field(default_factory=dict)

    def once(self, key: str, w: Window, read: Callable[[Window], Any]) -> Any:
        if (key, w) not in self.cache:
            self.cache[(key, w)] = read(w)
        return self.cache[(key, w)]


Compute = Callable[[Window, Context], Measure]
ComputeByUnit = Callable[[Window, Context], dict[int, Measure]]
Link = Callable[[Unit | None], str | None]


@dataclass(frozen=True)
class Metric:
    key: str
    name: str
    pillar: str  # revenue, reputation, cost, care, product, program
    tier: str
    unit: str  # count, currency, minutes, hours, percent, score
    formula: str
    owner: str  # who answers for it
    compute: Compute
    higher_is_better: bool = True
    per_unit: bool = True  # meaningful for one unit, not only the whole company
    additive: bool = False  # a period's value is the sum of its days' values
    change_of: str | None = None  # this metric is another's change on the previous period
    point_in_time: bool = False  # a state now, not a sum over the period: not recomputable
    link: Link | None = None
    # The same formula for many units at once in a few grouped queries (for unit tables).
    by_unit: ComputeByUnit | None = None

    def measure(self, w: Window, ctx: Context) -> Measure:
        if not self.per_unit and w.unit_ids is not None:
            return Measure(None, "Company-wide only")
        return self.compute(w, ctx)

    def measure_units(self, w: Window, ctx: Context, unit_ids: list[int]) -> dict[int, Measure]:
        """This metric for each unit, in a constant number of queries when it can be."""
        if self.by_unit is None:
            return {u: self.measure(Window(w.start, w.end, frozenset({u})), ctx) for u in unit_ids}
        scoped = Window(w.start, w.end, frozenset(unit_ids))
        found = self.by_unit(scoped, ctx)
        return {u: found.get(u, self.empty_for_unit) for u in unit_ids}

    @property
    def empty_for_unit(self) -> Measure:
        """What a unit with no rows in a grouped query scores."""
        return Measure(0.0) if self.unit in ("count", "currency") else Measure(None, NO_DATA)

    def url(self, unit: Unit | None = None) -> str | None:
        return self.link(unit) if self.link else None


REGISTRY: dict[str, Metric] = {}


def register(metric: Metric) -> Metric:
    if metric.key in REGISTRY:
        raise ValueError(f"metric {metric.key} defined twice")
    if metric.tier not in TIERS:
        raise ValueError(f"metric {metric.key}: unknown tier {metric.tier}")
    REGISTRY[metric.key] = metric
    return metric


def get(key: str) -> Metric:
    return REGISTRY[key]


def for_tier(tier: str) -> list[Metric]:
    return [m for m in REGISTRY.values() if m.tier == tier]


def compute_all(
    w: Window, *, keys: list[str] | None = None, ctx: Context | None = None
) -> dict[str, Measure]:
    ctx = ctx or Context(selectors.settings_get())
    chosen = [REGISTRY[k] for k in keys] if keys else list(REGISTRY.values())
    return {m.key: m.measure(w, ctx) for m in chosen}


# --- helpers -----------------------------------------------------------------------------------


def _none(reason: str = NO_DATA) -> Measure:
    return Measure(None, reason)


def _median_minutes(pairs: list[tuple[dt.datetime, dt.datetime]] | None) -> Measure:
    if pairs is None:
        return _none("Care is not available")
    durations = [(b - a).total_seconds() / 60 for a, b in pairs if a is not None and b is not None]
    if not durations:
        return _none()
    return Measure(statistics.median(durations), f"median of {len(durations)}")


def _percent(part: int, whole: int, what: str) -> Measure:
    if whole == 0:
        return _none()
    return Measure(100.0 * part / whole, f"{part} of {whole} {what}")


def _grouped(rows: list[tuple[Any, ...]] | None) -> dict[int, list[tuple[Any, ...]]]:
    out: dict[int, list[tuple[Any, ...]]] = {}
    for unit_id, *rest in rows or []:
        out.setdefault(int(unit_id), []).append(tuple(rest))
    return out


def _sla(rows: list[tuple[Any, ...]], now: dt.datetime) -> Measure:
    # A deadline counts once it has passed: met if answered by then, missed if not.
    due = [(d, answered) for d, answered in rows if d <= now]
    met = sum(1 for d, answered in due if answered is not None and answered <= d)
    return _percent(met, len(due), "first responses on time")


def _net(counts: dict[str, int]) -> Measure:
    total = sum(counts.values())
    if total == 0:
        return _none()
    net = 100.0 * (counts.get("positive", 0) - counts.get("negative", 0)) / total
    return Measure(net, f"{total} posts")


def _negative(counts: dict[str, int]) -> Measure:
    return _percent(counts.get("negative", 0), sum(counts.values()), "posts negative")


def _inbox(**params: str) -> Link:
    return lambda unit: selectors.inbox_url(unit=unit, **params)


def _board(**params: str) -> Link:
    return lambda unit: selectors.board_url(unit=unit, **params)


def _sentiments(w: Window, ctx: Context) -> dict[str, int] | None:
    result: dict[str, int] | None = ctx.once("sentiments", w, selectors.sentiment_counts)
    return result


# --- care --------------------------------------------------------------------------------------


def care_volume(w: Window, ctx: Context) -> Measure:
    qs = selectors.conversations(w)
    if qs is None:
        return _none("Care is not available")
    return Measure(float(qs.exclude(intent="spam").count()))


def care_inbound_posts(w: Window, ctx: Context) -> Measure:
    n = selectors.inbound_posts(w)
    return _none("Care is not available") if n is None else Measure(float(n))


def care_volume_by_unit(w: Window, ctx: Context) -> dict[int, Measure]:
    counts = selectors.conversation_counts_by_unit(w)
    return {u: Measure(float(n)) for u, n in (counts or {}).items()}


def care_first_response(w: Window, ctx: Context) -> Measure:
    return _median_minutes(selectors.first_responses(w))


def care_first_response_by_unit(w: Window, ctx: Context) -> dict[int, Measure]:
    groups = _grouped(selectors.first_responses(w, with_unit=True))
    return {u: _median_minutes(rows) for u, rows in groups.items()}


def care_resolution(w: Window, ctx: Context) -> Measure:
    m = _median_minutes(selectors.resolutions(w))
    return m if m.value is None else Measure(m.value / 60, m.note)


def care_sla_attainment(w: Window, ctx: Context) -> Measure:
    rows = selectors.first_response_deadlines(w)
    if rows is None:
        return _none("Care is not available")
    return _sla(rows, max(w.start, min(w.end, _now())))


def care_sla_attainment_by_unit(w: Window, ctx: Context) -> dict[int, Measure]:
    now = max(w.start, min(w.end, _now()))
    groups = _grouped(selectors.first_response_deadlines(w, with_unit=True))
    return {u: _sla(rows, now) for u, rows in groups.items()}


def care_replies(w: Window, ctx: Context) -> Measure:
    n = selectors.replies_written(w)
    return _none("Care is not available") if n is None else Measure(float(n))


def care_authors_reached(w: Window, ctx: Context) -> Measure:
    n = selectors.authors_reached(w)
    return _none("Care is not available") if n is None else Measure(float(n))


# --- cost --------------------------------------------------------------------------------------


def cost_resolved_in_social(w: Window, ctx: Context) -> Measure:
    n = ctx.once("resolved", w, selectors.resolved_in_social)
    return _none("Care is not available") if n is None else Measure(float(n))


def cost_avoided(w: Window, ctx: Context) -> Measure:
    n = ctx.once("resolved", w, selectors.resolved_in_social)
    if n is None:
        return _none("Care is not available")
    per = ctx.settings.avoided_cost_per_contact
    return Measure(float(n * per), f"{n} contacts × {per:.2f} {ctx.settings.currency}")


# --- revenue -----------------------------------------------------------------------------------


def revenue_leads_routed(w: Window, ctx: Context) -> Measure:
    qs = selectors.conversations(w)
    if qs is None:
        return _none("Care is not available")
    return Measure(float(qs.filter(intent="purchase_intent").count()))


def revenue_leads_routed_by_unit(w: Window, ctx: Context) -> dict[int, Measure]:
    counts = selectors.conversation_counts_by_unit(w, intent="purchase_intent")
    return {u: Measure(float(n)) for u, n in (counts or {}).items()}


def revenue_won_value_by_unit(w: Window, ctx: Context) -> dict[int, Measure]:
    return {
        u: Measure(value, f"{n} leads won")
        for u, (n, value) in selectors.leads_won_by_unit(w).items()
    }


def revenue_leads_won(w: Window, ctx: Context) -> Measure:
    n, _value = ctx.once("won", w, selectors.leads_won)
    return Measure(float(n))


def revenue_won_value(w: Window, ctx: Context) -> Measure:
    n, value = ctx.once("won", w, selectors.leads_won)
    return Measure(value, f"{n} leads won")


def revenue_win_rate(w: Window, ctx: Context) -> Measure:
    n, _value = ctx.once("won", w, selectors.leads_won)
    return _percent(n, selectors.leads_closed(w), "closed leads won")


# --- reputation --------------------------------------------------------------------------------


def reputation_net_sentiment(w: Window, ctx: Context) -> Measure:
    counts = _sentiments(w, ctx)
    if counts is None:
        return _none("Care is not available")
    return _net(counts)


def reputation_net_sentiment_by_unit(w: Window, ctx: Context) -> dict[int, Measure]:
    by_unit = selectors.sentiment_counts_by_unit(w) or {}
    return {u: _net(counts) for u, counts in by_unit.items()}


def reputation_negative_share_by_unit(w: Window, ctx: Context) -> dict[int, Measure]:
    by_unit = selectors.sentiment_counts_by_unit(w) or {}
    return {u: _negative(counts) for u, counts in by_unit.items()}


def reputation_net_sentiment_trend(w: Window, ctx: Context) -> Measure:
    now = reputation_net_sentiment(w, ctx)
    before = reputation_net_sentiment(w.previous(), ctx)
    if now.value is None or before.value is None:
        return _none("Needs posts in this period and the one before")
    return Measure(now.value - before.value, "points against the previous period")


def reputation_negative_share(w: Window, ctx: Context) -> Measure:
    counts = _sentiments(w, ctx)
    if counts is None:
        return _none("Care is not available")
    return _negative(counts)


def reputation_crises(w: Window, ctx: Context) -> Measure:
    return Measure(float(selectors.alerts_in(w).count()))


def reputation_time_to_detect(w: Window, ctx: Context) -> Measure:
    rows = list(selectors.alerts_in(w).values_list("started_at", "created"))
    if not rows:
        return _none("No crisis alerts in the period")
    minutes = [(created - started).total_seconds() / 60 for started, created in rows]
    return Measure(statistics.median(minutes), f"median of {len(minutes)} alerts")


# --- product -----------------------------------------------------------------------------------


def product_feedback_delivered(w: Window, ctx: Context) -> Measure:
    qs = selectors.conversations(w)
    if qs is None:
        return _none("Care is not available")
    return Measure(float(qs.filter(intent="feedback", unit__function="product").count()))


def product_feedback_decided(w: Window, ctx: Context) -> Measure:
    qs = selectors.conversations(w)
    if qs is None:
        return _none("Care is not available")
    delivered = qs.filter(intent="feedback", unit__function="product")
    decided = delivered.filter(status="resolved").count()
    return _percent(decided, delivered.count(), "feedback items closed by product")


# --- program -----------------------------------------------------------------------------------


def program_helpdesk_risk(w: Window, ctx: Context) -> Measure:
    assessment = ctx.once("risk", w, lambda _w: selectors.helpdesk_risk())
    if assessment is None:
        return _none("Demand's help-desk forecast is not available")
    label = getattr(assessment, "verdict_label", getattr(assessment, "verdict", ""))
    return Measure(100.0 * float(assessment.headline_load), f"reactive load, next 4 weeks; {label}")


def program_request_backlog(w: Window, ctx: Context) -> Measure:
    counts = ctx.once("requests", w, selectors.request_counts)
    if counts is None:
        return _none("Demand is not available")
    return Measure(float(counts.get("open", 0)))


def program_deflection(w: Window, ctx: Context) -> Measure:
    counts = ctx.once("requests", w, selectors.request_counts)
    if counts is None:
        return _none("Demand is not available")
    decided = sum(v for k, v in counts.items() if k not in ("open", "draft", "submitted"))
    return _percent(counts.get("redirected", 0), decided, "decided requests sent to playbooks")


def program_governed_accounts(w: Window, ctx: Context) -> Measure:
    bench = ctx.once("governance", w, lambda _w: selectors.governance_benchmarks())
    if bench is None or bench.inventoried_share is None:
        return _none("No accounts in the registry yet")
    return Measure(100.0 * bench.inventoried_share, f"of {bench.accounts} accounts")


def program_training_coverage(w: Window, ctx: Context) -> Measure:
    bench = ctx.once("governance", w, lambda _w: selectors.governance_benchmarks())
    if bench is None or bench.trained_share is None:
        return _none("No training records yet")
    return Measure(100.0 * bench.trained_share, "of working members currently certified")


def _now() -> dt.datetime:
    from django.utils import timezone

    return timezone.now()


# --- the registry ------------------------------------------------------------------------------

register(
    Metric(
        "revenue.won_value",
        "Revenue won from social leads",
        "revenue",
        EXECUTIVE,
        "currency",
        "Sum of the value of leads marked won in the period (closed date in the period).",
        "Sales spoke lead",
        revenue_won_value,
        link=_inbox(intent="purchase_intent"),
        by_unit=revenue_won_value_by_unit,
        additive=True,
    )
)
register(
    Metric(
        "reputation.net_sentiment",
        "Net sentiment",
        "reputation",
        EXECUTIVE,
        "score",
        "(positive − negative) ÷ all inbound posts in the period, × 100 (spam left out); "
        "from −100 to 100.",
        "Corporate communications",
        reputation_net_sentiment,
        link=_inbox(sentiment="negative"),
        by_unit=reputation_net_sentiment_by_unit,
    )
)
register(
    Metric(
        "cost.avoided",
        "Cost avoided by resolving in social",
        "cost",
        EXECUTIVE,
        "currency",
        "Contacts resolved in social × (phone share × cost per phone contact + (1 − phone "
        "share) × cost per email contact − cost per social contact), with the costs set in "
        "outcome settings.",
        "Customer care lead",
        cost_avoided,
        link=_inbox(status="resolved"),
        additive=True,
    )
)
register(
    Metric(
        "reputation.net_sentiment_trend",
        "Net sentiment change",
        "reputation",
        STRATEGIST,
        "points",
        "Net sentiment in the period minus net sentiment in the period of equal length before.",
        "Corporate communications",
        reputation_net_sentiment_trend,
        change_of="reputation.net_sentiment",
    )
)
register(
    Metric(
        "reputation.negative_share",
        "Share negative",
        "reputation",
        STRATEGIST,
        "percent",
        "Negative inbound posts ÷ all inbound posts in the period (spam left out).",
        "Corporate communications",
        reputation_negative_share,
        higher_is_better=False,
        link=_inbox(sentiment="negative"),
        by_unit=reputation_negative_share_by_unit,
    )
)
register(
    Metric(
        "reputation.crises",
        "Crisis alerts",
        "reputation",
        STRATEGIST,
        "count",
        "Spikes the crisis radar flagged (detected) in the period.",
        "Strategist",
        reputation_crises,
        higher_is_better=False,
        link=lambda unit: selectors.url_or_none("outcomes:alerts"),
        additive=True,
    )
)
register(
    Metric(
        "reputation.time_to_detect",
        "Time to detect a crisis",
        "reputation",
        STRATEGIST,
        "minutes",
        "Median over the period's alerts of (when the radar recorded the alert − start of the "
        "first flagged hour).",
        "Strategist",
        reputation_time_to_detect,
        higher_is_better=False,
        link=lambda unit: selectors.url_or_none("outcomes:alerts"),
    )
)
register(
    Metric(
        "revenue.leads_routed",
        "Leads routed to sales",
        "revenue",
        STRATEGIST,
        "count",
        "Conversations opened in the period whose intent is purchase intent.",
        "Sales spoke lead",
        revenue_leads_routed,
        link=_inbox(intent="purchase_intent"),
        by_unit=revenue_leads_routed_by_unit,
        additive=True,
    )
)
register(
    Metric(
        "revenue.leads_won",
        "Leads won",
        "revenue",
        STRATEGIST,
        "count",
        "Leads marked won in the period.",
        "Sales spoke lead",
        revenue_leads_won,
        link=_inbox(intent="purchase_intent"),
        additive=True,
    )
)
register(
    Metric(
        "revenue.win_rate",
        "Lead win rate",
        "revenue",
        STRATEGIST,
        "percent",
        "Leads won ÷ leads closed (won or lost) in the period.",
        "Sales spoke lead",
        revenue_win_rate,
        link=_inbox(intent="purchase_intent"),
    )
)
register(
    Metric(
        "cost.resolved_in_social",
        "Contacts resolved in social",
        "cost",
        STRATEGIST,
        "count",
        "Conversations resolved in the period that the company answered in social (spam left out).",
        "Customer care lead",
        cost_resolved_in_social,
        link=_inbox(status="resolved"),
        additive=True,
    )
)
register(
    Metric(
        "care.volume",
        "Care volume",
        "care",
        STRATEGIST,
        "count",
        "Conversations opened in the period (spam left out).",
        "Customer care lead",
        care_volume,
        link=_inbox(),
        by_unit=care_volume_by_unit,
        additive=True,
    )
)
register(
    Metric(
        "care.first_response",
        "First-response time",
        "care",
        STRATEGIST,
        "minutes",
        "Median of (first response − conversation opened) over conversations first answered "
        "in the period.",
        "Customer care lead",
        care_first_response,
        higher_is_better=False,
        link=_inbox(),
        by_unit=care_first_response_by_unit,
    )
)
register(
    Metric(
        "care.resolution",
        "Resolution time",
        "care",
        STRATEGIST,
        "hours",
        "Median of (resolved − opened) over conversations resolved in the period.",
        "Customer care lead",
        care_resolution,
        higher_is_better=False,
        link=_inbox(status="resolved"),
    )
)
register(
    Metric(
        "care.sla_attainment",
        "SLA attainment",
        "care",
        STRATEGIST,
        "percent",
        "First-response deadlines in the period that have passed and were met ÷ all such "
        "deadlines.",
        "Customer care lead",
        care_sla_attainment,
        link=_inbox(sla="breached", status="open"),
        by_unit=care_sla_attainment_by_unit,
    )
)
register(
    Metric(
        "product.feedback_delivered",
        "Feedback delivered to product",
        "product",
        STRATEGIST,
        "count",
        "Feedback conversations opened in the period in a product-management unit's queue.",
        "Product spoke lead",
        product_feedback_delivered,
        link=_inbox(intent="feedback"),
        additive=True,
    )
)
register(
    Metric(
        "product.feedback_decided",
        "Feedback decided by product",
        "product",
        STRATEGIST,
        "percent",
        "Of the feedback delivered in the period, the share product management has closed "
        "(resolved).",
        "Product spoke lead",
        product_feedback_decided,
        link=_inbox(intent="feedback", status="resolved"),
    )
)
register(
    Metric(
        "program.helpdesk_risk",
        "Help-desk risk (reactive load, next 4 weeks)",
        "program",
        STRATEGIST,
        "percent",
        "Demand's forecast: reactive hours the hub will owe over the next four weeks ÷ its "
        "reactive capacity (the home page's gauge), with demand's verdict.",
        "Strategist",
        program_helpdesk_risk,
        higher_is_better=False,
        per_unit=False,
        point_in_time=True,
        link=lambda unit: selectors.url_or_none("demand:risk"),
    )
)
register(
    Metric(
        "program.request_backlog",
        "Request backlog",
        "program",
        STRATEGIST,
        "count",
        "Requests from units incoming, under review, scheduled or in progress now.",
        "Strategist",
        program_request_backlog,
        higher_is_better=False,
        point_in_time=True,
        link=_board(),
    )
)
register(
    Metric(
        "program.deflection",
        "Deflection to playbooks",
        "program",
        STRATEGIST,
        "percent",
        "Requests redirected to a playbook ÷ requests decided in the period.",
        "Strategist",
        program_deflection,
        link=lambda unit: selectors.url_or_none("demand:playbooks"),
    )
)
register(
    Metric(
        "program.governed_accounts",
        "Governed accounts",
        "program",
        STRATEGIST,
        "percent",
        "Accounts (not retired) with an owning unit and an owner ÷ all known accounts.",
        "Strategist",
        program_governed_accounts,
        per_unit=False,
        point_in_time=True,
        link=lambda unit: selectors.url_or_none("governance:index"),
    )
)
register(
    Metric(
        "program.training_coverage",
        "Training coverage",
        "program",
        STRATEGIST,
        "percent",
        "Working members (strategists, hub members, spoke leads, agents) with a current "
        "certification ÷ all working members.",
        "Strategist",
        program_training_coverage,
        per_unit=False,
        point_in_time=True,
        link=lambda unit: selectors.url_or_none("governance:index"),
    )
)
register(
    Metric(
        "care.inbound_posts",
        "Inbound posts",
        "care",
        COMMUNITY,
        "count",
        "Posts from customers received in the period.",
        "Community manager",
        care_inbound_posts,
        link=_inbox(),
        additive=True,
    )
)
register(
    Metric(
        "care.replies",
        "Replies written",
        "care",
        COMMUNITY,
        "count",
        "Replies the company wrote to customers in the period.",
        "Community manager",
        care_replies,
        link=_inbox(),
        additive=True,
    )
)
register(
    Metric(
        "care.authors_reached",
        "People answered",
        "care",
        COMMUNITY,
        "count",
        "Distinct authors the company replied to in the period.",
        "Community manager",
        care_authors_reached,
        link=_inbox(),
    )
)

EXECUTIVE_KEYS = ("revenue.won_value", "reputation.net_sentiment", "cost.avoided")


def format_value(metric: Metric, value: float | None, currency: str = "USD") -> str:
    """A value as a person reads it, with its unit."""
    if value is None:
        return NO_DATA
    if metric.unit == "currency":
        return f"{currency} {value:,.0f}"
    if metric.unit == "percent":
        return f"{value:.0f}%"
    if metric.unit == "minutes":
        return f"{value:,.0f} min"
    if metric.unit == "hours":
        return f"{value:,.1f} h"
    if metric.unit in ("score", "points"):
        return f"{value:+.0f}"
    return f"{value:,.0f}"
