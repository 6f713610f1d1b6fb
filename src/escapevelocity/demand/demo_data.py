"""Demo data for demand: six months of requests from Lumen's units, growing the way the research
warns ("a looming increase in business demands"), the hub's goals, and a few playbooks.

Idempotent: a second run finds the playbooks and the history and adds nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from decimal import Decimal

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from escapevelocity.demand import selectors, services
from escapevelocity.demand.models import (
    DemandRequest,
    EventKind,
    KindKey,
    Playbook,
    ProgramGoal,
    RequestEvent,
    RequestKind,
    Status,
)
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit

WEEKS = 26
START_PER_WEEK = 3.2
GROWTH_PER_MONTH = 0.15  # the research's "looming increase": steady, compounding growth
DEMO_LINK = "https://intranet.lumen.example/demand/demo"

# How often each unit asks, relative to the others.
UNIT_WEIGHTS: dict[str, float] = {
    "marketing": 5,
    "sales": 3,
    "product": 2,
    "care-na": 2,
    "care-eu": 1.5,
    "comms": 2,
    "hr": 1.5,
    "legal": 0.5,
}
KIND_WEIGHTS: dict[str, float] = {
    KindKey.NEW_ACCOUNT: 3,
    KindKey.CAMPAIGN: 4,
    KindKey.CONTENT: 4,
    KindKey.LISTENING: 2,
    KindKey.TRAINING: 1.5,
    KindKey.CRISIS: 0.5,
    KindKey.TOOL: 1,
    KindKey.OTHER: 1,
}
TITLES: dict[str, list[str]] = {
    KindKey.NEW_ACCOUNT: ["Our own Instagram account", "A TikTok for {unit}", "A LinkedIn page"],
    KindKey.CAMPAIGN: ["Spring launch campaign", "Holiday promotion", "Event live coverage"],
    KindKey.CONTENT: ["Product video cut-downs", "Infographic on coverage", "Weekly tips posts"],
    KindKey.LISTENING: ["What people say about the new plan", "Competitor pricing chatter"],
    KindKey.TRAINING: ["Social training for new hires", "Answering customers on social"],
    KindKey.CRISIS: ["Outage backlash", "Misleading claim going viral"],
    KindKey.TOOL: ["Evaluate a scheduling tool", "Evaluate a listening vendor"],
    KindKey.OTHER: ["Help with a contest's rules", "Social section for the annual report"],
}
GOALS = [
    ("Cut the cost to serve through social care", 3),
    ("Protect the brand's reputation", 2),
    ("Grow revenue from social leads", 2),
]
PLAYBOOKS: list[tuple[str, str, str, list[str]]] = [
    (
        "Launch a social account the right way",
        "Before you ask for a new account: the checklist, worked through with examples.",
        """## Before you start

Most new accounts go quiet within a year. Answer these first:

1. **Purpose and audience** — who will follow this, and why can't the main account serve them?
2. **Owner and backup** — two named people; the password lives in the company vault.
3. **Staffing** — at least three hours a week, and a promised response time.
4. **Content plan** — twelve weeks of posts, drafted.
5. **Training** — both owners take the hub's course.
6. **Exit plan** — if the unit stops, the account is archived and followers pointed home.

## Then

File a *new social account* request with these answers; the hub registers the account.
""",
        [KindKey.NEW_ACCOUNT],
    ),
    (
        "Run your own listening report",
        "Set up a saved search and read it weekly: a template and the questions to ask.",
        """## The template

| Section | What goes in it |
|---|---|
| Question | The decision the report informs |
| Terms | Product names, hashtags, competitor names |
| Volume | Mentions a week, and the change |
| Themes | Three to five, each with an example post |

Share the result with the hub's listening channel so others can reuse it.
""",
        [KindKey.LISTENING],
    ),
    (
        "Campaign social kit",
        "Post templates, image sizes, approval steps and the tagging plan for campaigns.",
        """## The kit

- Post templates for each network, with character limits.
- Image sizes and the brand's colour rules.
- **Approvals**: legal signs off any claim about price or coverage.
- Tag every link with the campaign code so outcomes can count it.
""",
        [KindKey.CAMPAIGN, KindKey.CONTENT],
    ),
    (
        "Answering customers on social",
        "The response decision tree, tone guide and when to hand over to Care.",
        """## The decision tree

- Positive or balanced? Acknowledge, or let it stand.
- A troll or a rager? Monitor only.
- Misguided? Correct the facts politely, with a source.
- An unhappy customer? Restore: hand over to Care with the conversation link.
""",
        [KindKey.TRAINING, KindKey.OTHER],
    ),
]


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _arrivals(rng: random.Random, rate: float) -> int:
    """A count near `rate`, rounded up or down at random (so the weeks average to the rate)."""
    return math.floor(rate + rng.random())


def _seed_playbooks(actor: object) -> int:
    kinds = {k.key: k for k in RequestKind.objects.all()}
    made = 0
    for title, summary, body, kind_keys in PLAYBOOKS:
        if Playbook.objects.filter(title=title).exists():
            continue
        services.playbook_save(
            actor=actor,
            title=title,
            summary=summary,
            body=body,
            kinds=[kinds[k] for k in kind_keys],
        )
        made += 1
    return made


def _status_for(rng: random.Random, age_weeks: int) -> str:
    """Older requests are settled; the last weeks' are still on the board. About one in eight
    is redirected to a playbook, at every age, so deflection does not bend the trend."""
    if age_weeks > 0 and rng.random() < 0.12:
        return Status.REDIRECTED
    if age_weeks == 0:
        return rng.choice([Status.SUBMITTED, Status.SUBMITTED, Status.UNDER_REVIEW])
    if age_weeks == 1:
        return rng.choice([Status.SUBMITTED, Status.UNDER_REVIEW, Status.SCHEDULED])
    if age_weeks == 2:
        return rng.choice([Status.UNDER_REVIEW, Status.SCHEDULED, Status.DONE])
    if age_weeks <= 4:
        return rng.choice([Status.IN_PROGRESS, Status.DONE, Status.DONE])
    roll = rng.random()
    if roll < 0.1:
        return Status.DECLINED
    if roll < 0.15:
        return Status.DEFERRED
    return Status.DONE


@transaction.atomic
def seed() -> str | None:
    """Add the demand demo: goals, playbooks and six months of requests."""
    actor = permissions.system_actor()
    selectors.kinds_with_requirements()
    for title, weight in GOALS:
        if not ProgramGoal.objects.filter(title=title).exists():
            services.goal_save(actor=actor, title=title, weight=weight)
    playbooks = _seed_playbooks(actor)
    if DemandRequest.objects.filter(links=DEMO_LINK).exists():
        return None
    units = {u.key: u for u in Unit.objects.filter(key__in=UNIT_WEIGHTS)}
    if not units:
        return f"{playbooks} playbooks (no demo units, so no request history)"
    weights = {k: w for k, w in UNIT_WEIGHTS.items() if k in units}
    kinds = {k.key: k for k in RequestKind.objects.all()}
    reqs = {k.pk: services.current_requirements(k) for k in kinds.values()}
    goals = list(ProgramGoal.objects.all())
    by_slug = {p.slug: p for p in Playbook.objects.prefetch_related("kinds")}
    rng = random.Random(2026)
    now = timezone.now()
    today = timezone.localdate()
    this_monday = today - dt.timedelta(days=today.weekday())
    weekly_growth = (1 + GROWTH_PER_MONTH) ** (12 / 52)
    tz = timezone.get_current_timezone()

    rows: list[DemandRequest] = []
    for week in range(WEEKS + 1):  # the last "week" is this one, up to now
        monday = this_monday - dt.timedelta(weeks=WEEKS - week)
        rate = START_PER_WEEK * weekly_growth**week
        count = _arrivals(rng, rate if week < WEEKS else rate * min(today.weekday(), 4) / 5)
        for _ in range(count):
            submitted = dt.datetime.combine(
                monday + dt.timedelta(days=rng.randrange(5)),
                dt.time(rng.randrange(8, 18), rng.randrange(60)),
                tzinfo=tz,
            )
            if submitted >= now:
                continue
            age = (this_monday - monday).days // 7
            unit_key = _pick(rng, weights)
            kind = kinds[_pick(rng, KIND_WEIGHTS)]
            status = _status_for(rng, age)
            if kind.key == KindKey.CRISIS and status == Status.REDIRECTED:
                status = Status.DONE
            effort = Decimal(rng.choice([2, 4, 4, 6, 8, 8, 12, 16]))
            reqset = reqs[kind.pk]
            checklist = {
                i["key"]: f"{i['label']}: answered by {unit_key} for the demo."
                for i in (reqset.items if reqset else [])
            }
            r = DemandRequest(
                unit=units[unit_key],
                kind=kind,
                title=rng.choice(TITLES[kind.key]).format(unit=units[unit_key].name),
                business_goal="Reach more of our customers where they already talk about us.",
                outcome_metric=rng.choice(
                    ["Qualified leads a month", "Cost per contact", "Share of positive mentions"]
                ),
                expected_value=Decimal(rng.choice([0, 5_000, 20_000, 50_000, 250_000])),
                due_date=submitted.date() + dt.timedelta(days=rng.choice([7, 14, 30, 60, 90])),
                effort_hours=effort,
                goal=rng.choice([*goals, None]),
                legal_risk=rng.random() < 0.1,
                brand_risk=rng.random() < 0.2,
                checklist=checklist,
                links=DEMO_LINK,
                status=status,
                requirement_version=reqset.version if reqset else None,
                submitted=submitted,
                decided=submitted + dt.timedelta(days=2) if age > 1 else None,
            )
            if status in (Status.SCHEDULED, Status.IN_PROGRESS):
                r.scheduled_for = this_monday + dt.timedelta(weeks=rng.randrange(0, 4))
            if status == Status.DEFERRED:
                r.deferred_until = today + dt.timedelta(days=rng.choice([14, 30, 60]))
                r.decision_reason = "After the quarter's launch."
            if status == Status.DECLINED:
                r.decision_reason = "Serves none of the program's goals this quarter."
            if status == Status.REDIRECTED:
                linked = [p for p in by_slug.values() if kind in p.kinds.all()]
                r.playbook = linked[0] if linked else next(iter(by_slug.values()), None)
            priority = services.request_score(r)
            r.priority, r.priority_band = priority.score, priority.band
            r.score_reasons = [
                {"factor": f.name, "points": round(f.points, 1), "max": f.max_points,
                 "reason": f.reason}
                for f in priority.factors
            ]  # fmt: skip
            rows.append(r)
    created = DemandRequest.objects.bulk_create(rows)
    DemandRequest.objects.filter(links=DEMO_LINK).update(created=F("submitted"))
    events = []
    for r in created:
        events.append(
            RequestEvent(
                request=r,
                kind=EventKind.STATUS,
                from_status=Status.DRAFT,
                to_status=Status.SUBMITTED,
            )
        )
        if r.status not in (Status.SUBMITTED,):
            events.append(
                RequestEvent(
                    request=r,
                    kind=EventKind.STATUS,
                    from_status=Status.SUBMITTED,
                    to_status=r.status,
                    text=r.decision_reason,
                )
            )
    RequestEvent.objects.bulk_create(events)
    # Date the history as it happened: submissions when submitted, decisions when decided.
    own = DemandRequest.objects.filter(pk=OuterRef("request_id"))
    demo_events = RequestEvent.objects.filter(request__links=DEMO_LINK)
    demo_events.filter(from_status=Status.DRAFT).update(
        created=Subquery(own.values("submitted")[:1])
    )
    demo_events.exclude(from_status=Status.DRAFT).update(
        created=Subquery(own.annotate(when=Coalesce("decided", "submitted")).values("when")[:1])
    )
    return (
        f"{len(created)} requests over {WEEKS} weeks (growing {GROWTH_PER_MONTH:.0%} a month), "
        f"{playbooks} playbooks, {len(GOALS)} goals"
    )
