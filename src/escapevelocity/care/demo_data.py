"""Demo data for care: a realistic morning of customer posts to Lumen Telecom, and the team's
work on them so far. Generated here from templates (no real customer's words), deterministic,
idempotent: run twice, it adds nothing.

The morning: about 260 posts over the last nine hours on three networks, in English, Spanish,
German and French; complaints and questions most of all, feedback, buying questions, praise,
spam, a handful of crisis posts (an outage, a legal threat), repeat contacts who follow up,
and one post with HTML in it. The hub has already re-routed North American customers from the
European care queue (the router is not trained yet: those corrections teach it), product bugs
to product management, and the teams have answered and resolved part of the early backlog.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

EXTERNAL_PREFIX = "demo-"
SEED = 20261122

PRODUCTS = ["fibre", "internet", "5G plan", "mobile plan", "router", "TV box", "app", "landline"]
CITIES = ["Toronto", "Chicago", "Austin", "Denver", "Boston", "Seattle", "Atlanta", "Portland"]
DAYS = ["three days", "a week", "since Monday", "two weeks", "all weekend"]

EN: dict[str, list[str]] = {
    "complaint": [
        "My {p} has been down for {d} and nobody at @LumenTelecom can tell me why. Unacceptable.",
        "Third call today about my {p}. Still broken. Still no technician. Done waiting.",
        "You charged me twice this month for the {p}. I want a refund, not another form.",
        "Worst customer service ever. Two hours on hold and the line just dropped.",
        "The {p} keeps disconnecting every evening in {c}. I pay for 500 Mbps and get 5.",
        "Technician didn't show up again. Took the day off work for nothing. "
        "Thanks a lot @LumenTelecom",
        "Why did my bill go up by $20 without any notice? Feels like a scam.",
        "Moved house two weeks ago and the {p} still isn't connected. I work from home!",
        "Roaming charges of $180 for one weekend? Your website said it was included.",
        "Your {p} is so slow I can't even join a video call. Fix it.",
    ],
    "question": [
        "Hi @LumenTelecom, how do I change the wifi password on the new {p}?",
        "Is there an outage in {c} right now? My {p} stopped working an hour ago.",
        "Can I keep my number if I switch to the {p}?",
        "What time does the store on Main Street open today?",
        "How do I cancel the TV add-on? I can't find it in the app.",
        "Does the {p} work abroad or do I need a roaming pass?",
        "When will fibre be available on my street in {c}?",
        "Can someone explain the 'service fee' on my latest bill?",
        "How long does a SIM swap take? Lost my phone this morning.",
        "Is the {p} compatible with my own router?",
    ],
    "feedback": [
        "Suggestion: let us pause the {p} while on holiday instead of cancelling.",
        "The new app update hides the usage meter. Please bring it back to the home screen.",
        "Would love a dark mode in the Lumen app, the bright screen at night is painful.",
        "Feature request: text me when the technician is 30 minutes away.",
        "The {p} setup guide skips the step where you pair the remote. Took me an hour.",
        "Bug: the app logs me out every time I switch between wifi and 5G.",
    ],
    "purchase_intent": [
        "Thinking of switching to Lumen. What does the {p} cost for a family of four?",
        "Is there a deal if I bundle the {p} with TV? Ready to sign up this week.",
        "Looking to buy the new 5G plan for my small business, 6 lines. Who do I talk to?",
        "How much is the upgrade to gigabit fibre? I want it before the weekend.",
    ],
    "praise": [
        "Shout out to the Lumen tech who fixed our {p} in 20 minutes this morning. Legend!",
        "Honestly the best customer support chat I've had in years. Thank you @LumenTelecom!",
        "The new {p} is fantastic, streaming in 4K with no buffering at all. Love it.",
        "Thanks for sorting out my bill so quickly yesterday, really appreciated.",
    ],
    "spam": [
        "Earn $500 a day from home!!! Click here: bit.ly/free-money-now",
        "FREE iPhone giveaway for Lumen customers, just DM your password to claim",
        "Crypto signals group, 1000% guaranteed, join now @LumenTelecom @everyone",
    ],
    "crisis": [
        "Massive Lumen outage across all of {c}, hospitals and 911 lines "
        "affected. Where is the statement?",
        "Is it true Lumen leaked customer data? My details are on a hacker "
        "forum. This is a scandal.",
        "Already talked to my lawyer. Class action against Lumen for the billing fraud is coming.",
        "Journalists: Lumen has been overcharging thousands of seniors. I have "
        "the documents. Boycott Lumen.",
    ],
}

OTHER_LANGUAGES: list[tuple[str, str, str]] = [
    # language, intent, text
    (
        "es",
        "complaint",
        "Llevo una semana sin internet y nadie me da una solución. Pésimo servicio.",
    ),
    ("es", "complaint", "Me han cobrado dos veces la factura de este mes, quiero un reembolso."),
    ("es", "question", "¿Cómo cambio la contraseña del wifi del nuevo router?"),
    ("es", "praise", "Gracias al técnico que vino hoy, muy amable y rápido."),
    (
        "de",
        "complaint",
        "Seit drei Tagen kein Internet und die Hotline legt einfach auf. Unverschämt.",
    ),
    ("de", "complaint", "Die Rechnung ist schon wieder falsch. Ich will mein Geld zurück."),
    ("de", "question", "Wann kommt Glasfaser in meine Straße? Gibt es schon einen Termin?"),
    ("de", "feedback", "Bitte eine Pausenfunktion für den Vertrag im Urlaub einbauen."),
    ("fr", "complaint", "Toujours pas de connexion depuis lundi, c'est inadmissible."),
    ("fr", "question", "Comment résilier l'option TV ? Je ne trouve rien dans l'application."),
    ("fr", "praise", "Merci pour la réparation rapide, service impeccable !"),
]

FOLLOW_UPS = [
    "Still waiting for an answer…",
    "Hello?? Anyone there? It's been hours.",
    "Any update on this? Still not working.",
    "DM sent, please check.",
    "This is getting ridiculous, still nothing.",
]

MIX = [  # intent, weight
    ("complaint", 34),
    ("question", 30),
    ("feedback", 9),
    ("purchase_intent", 6),
    ("praise", 8),
    ("spam", 3),
]
NETWORKS = [("mastodon", 4), ("bluesky", 3), ("x", 5)]
WORKERS = {  # who answers each unit's queue in the demo
    "care-na": ("ali", "carla"),
    "care-eu": ("bea", "jonas"),
    "product": ("priya",),
    "sales": ("diego",),
    "marketing": ("maya",),
    "comms": ("ruth",),
    "legal": ("leo",),
}
HOSTILE_TEXT = (
    '<script>alert("pwned")</script> my invoice page shows this code, is your site hacked?'
)


def _handle(rng: random.Random, network: str, n: int) -> str:
    first = rng.choice(
        ["sam", "jo", "alex", "maria", "lee", "nina", "omar", "kate", "raj", "emma", "tom", "ines"]
    )
    last = rng.choice(["k", "rivera", "smith", "dubois", "m", "weber", "lopez", "chen", "b"])
    name = f"{first}{last}{n % 97}"
    return f"{name}@social.example" if network == "mastodon" else name


def posts_for(now: datetime) -> list[dict[str, Any]]:
    """The morning's posts, newest nine hours before `now`; the same every time for a `now`."""
    rng = random.Random(SEED)
    start = now - timedelta(hours=9)
    posts: list[dict[str, Any]] = []
    authors: list[tuple[str, str]] = []
    intents, weights = zip(*MIX, strict=True)
    networks, network_weights = zip(*NETWORKS, strict=True)
    crisis_at = {23: 0, 88: 1, 141: 2, 197: 3}  # each crisis once, through the morning
    for n in range(230):
        network = rng.choices(networks, network_weights)[0]
        author = _handle(rng, network, n)
        created = start + timedelta(minutes=rng.uniform(0, 9 * 60 - 5))
        if n in crisis_at:
            language = ""
            text = EN["crisis"][crisis_at[n]].format(c=rng.choice(CITIES))
            created = start + timedelta(minutes=n * 2.3)
        elif rng.random() < 0.14:
            language, _intent, text = rng.choice(OTHER_LANGUAGES)
        else:
            language = ""
            intent = rng.choices(intents, weights)[0]
            text = rng.choice(EN[intent]).format(
                p=rng.choice(PRODUCTS), c=rng.choice(CITIES), d=rng.choice(DAYS)
            )
        posts.append(
            {
                "external_id": f"{EXTERNAL_PREFIX}{n:04d}",
                "channel": network,
                "author": author,
                "author_reach": int(rng.lognormvariate(5, 1.6)),
                "text": text,
                "created_at": created,
                "language": language,
                "account": "LumenTelecom",
            }
        )
        authors.append((network, author))
    # Repeat contacts: a quarter of the complainers follow up, some twice.
    followers = [
        p for p in posts if "Still" in p["text"] or "refund" in p["text"] or "down" in p["text"]
    ]
    for n, parent in enumerate(rng.sample(followers, k=min(len(followers), 26))):
        for k in range(1 + (n % 3 == 0)):
            created = parent["created_at"] + timedelta(minutes=rng.uniform(25, 150) * (k + 1))
            if created >= now:
                continue
            posts.append(
                {
                    "external_id": f"{EXTERNAL_PREFIX}f{n:02d}{k}",
                    "channel": parent["channel"],
                    "author": parent["author"],
                    "text": rng.choice(FOLLOW_UPS),
                    "created_at": created,
                    "reply_to_id": parent["external_id"],
                    "account": "LumenTelecom",
                }
            )
    posts.append(
        {
            "external_id": f"{EXTERNAL_PREFIX}html",
            "channel": "x",
            "author": "curious_carl",
            "text": HOSTILE_TEXT,
            "created_at": now - timedelta(minutes=12),
            "account": "LumenTelecom",
        }
    )
    for p in posts:
        p["created_at"] = p["created_at"].isoformat()
    return posts


def seed(now: datetime | None = None) -> str | None:
    """Add the morning's posts and the team's work on them; return a one-line summary."""
    from escapevelocity.care import services
    from escapevelocity.care.models import Conversation, Correction, Queue, Status
    from escapevelocity.org.models import Unit

    units = {u.key: u for u in Unit.objects.all()}
    if "care-na" not in units or "care-eu" not in units:
        return None  # not the demo company
    now = now or timezone.now()
    for key in ("care-na", "care-eu"):
        Queue.objects.get_or_create(unit=units[key], defaults={"auto_assign": True})
    batch = posts_for(now)
    result = services.ingest_posts(batch, now=now)
    if Correction.objects.filter(
        conversation__posts__external_id__startswith=EXTERNAL_PREFIX
    ).exists():
        return f"{result.new} new posts (the team's work was there already)"
    people = {u.username: u for u in get_user_model().objects.filter(is_active=True)}
    hana = people.get("hana")
    if hana is None:
        return f"{result.new} posts"
    rng = random.Random(SEED + 1)
    convs = list(
        Conversation.objects.filter(posts__external_id__startswith=EXTERNAL_PREFIX)
        .select_related("unit")
        .distinct()
        .order_by("opened_at")
    )
    moved = 0
    # The untrained router sends every care post to the first care unit (Europe): the hub
    # moves the North American (English) ones, which is what `ev triage train` learns from.
    for conv in convs:
        if conv.unit.key == "care-eu" and conv.language in ("en", ""):
            services.conversation_reroute(
                actor=hana,
                conversation=conv,
                unit=units["care-na"],
                reason="North American customer",
            )
            moved += 1
        elif conv.unit.function == "customer_care" and (
            "app" in conv.preview.lower()
            and ("bug" in conv.preview.lower() or "logs me out" in conv.preview.lower())
        ):
            services.conversation_reroute(
                actor=hana, conversation=conv, unit=units["product"], reason="App bug for product"
            )
            moved += 1
    for key in ("care-na", "care-eu"):
        services.auto_assign_backlog(actor=hana, unit=units[key])
    convs = list(
        Conversation.objects.filter(posts__external_id__startswith=EXTERNAL_PREFIX)
        .select_related("unit", "assignee")
        .distinct()
        .order_by("opened_at")
    )
    worked = resolved = 0
    replies = [
        "So sorry about this! Could you DM us your account number so we can look into it?",
        "Thanks for reaching out. A technician can come tomorrow between 8 and 12, does that work?",
        "We've refunded the duplicate charge, you'll see it within 3 business days.",
        "Thanks for the kind words, we'll pass them on to the team!",
        "Here's how: Settings → Wifi → Change password. Shout if you get stuck.",
    ]
    for conv in convs:
        age = now - conv.opened_at
        team = [people[u] for u in WORKERS.get(conv.unit.key, ()) if u in people]
        actor = conv.assignee or (team[conv.pk % len(team)] if team else hana)
        if conv.status == Status.MONITOR or age < timedelta(hours=3):
            continue
        if conv.intent == "crisis":
            services.conversation_set_status(actor=hana, conversation=conv, status=Status.ESCALATED)
            services.note_add(
                actor=hana,
                conversation=conv,
                text="Escalated to comms and legal, holding statement in review.",
            )
            continue
        roll = rng.random()
        if roll < 0.55:
            services.reply_add(actor=actor, conversation=conv, text=rng.choice(replies))
            worked += 1
            if roll < 0.35:
                services.conversation_set_status(
                    actor=actor, conversation=conv, status=Status.RESOLVED
                )
                resolved += 1
        elif roll < 0.65:
            services.note_add(
                actor=actor,
                conversation=conv,
                text="Checked the account: line test shows packet loss.",
            )
    corrections = (
        Correction.objects.filter(conversation__posts__external_id__startswith=EXTERNAL_PREFIX)
        .distinct()
        .count()
    )
    return (
        f"{result.new} posts in {result.conversations_created} conversations, "
        f"{moved} re-routed by the hub ({corrections} corrections to learn from), "
        f"{worked} answered, {resolved} resolved"
    )
