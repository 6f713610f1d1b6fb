"""Demo data for governance (see escapevelocity.demo.seed). Must be idempotent.

Lumen Telecom's registry: several dozen accounts across its units and regions, some gone quiet,
a consolidation under way, the training modules with completions (a few expired), the policy,
spokespeople with rights, and a discovery run that found a few accounts nobody registered.
"""

from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from escapevelocity.governance import services
from escapevelocity.governance.models import Account, AccountStatus, ModuleKind, TrainingModule
from escapevelocity.org import permissions
from escapevelocity.org.models import Unit

# network, handle, unit key, region key, owner, backup, purpose, audience, days since last post
ACCOUNTS: list[tuple[str, str, str, str, str, str, str, str, int]] = [
    ("x", "LumenTelecom", "comms", "", "ruth", "hana", "Corporate news", "press, public", 0),
    ("x", "LumenHelp", "care-na", "north-america", "carla", "ali", "Support", "customers", 0),
    ("x", "LumenHelpEU", "care-eu", "europe", "jonas", "bea", "Support", "customers", 0),
    ("x", "LumenCaresDE", "care-eu", "europe", "bea", "jonas", "Support in German", "DE", 3),
    ("x", "LumenNews", "comms", "", "ruth", "sam", "Press releases", "journalists", 12),
    ("x", "LumenJobs", "hr", "europe", "ivan", "hana", "Recruiting", "candidates", 40),
    ("x", "LumenDeals", "marketing", "", "maya", "hana", "Offers", "prospects", 8),
    ("x", "LumenDealsUS", "marketing", "north-america", "maya", "hana", "Offers", "US", 150),
    ("x", "LumenBusiness", "sales", "north-america", "diego", "sam", "B2B", "SMB buyers", 5),
    ("x", "LumenDev", "product", "", "priya", "ivan", "Developer API", "developers", 21),
    ("x", "LumenStatus", "product", "", "priya", "ivan", "Outage status", "customers", 2),
    ("x", "LumenUK", "marketing", "europe", "maya", "hana", "UK brand", "UK", 200),
    ("facebook", "LumenTelecom", "marketing", "", "maya", "hana", "Brand page", "public", 1),
    ("facebook", "LumenHelp", "care-na", "north-america", "carla", "ali", "Support", "US", 1),
    ("facebook", "LumenEurope", "marketing", "europe", "maya", "jonas", "EU brand", "EU", 30),
    ("facebook", "LumenCareers", "hr", "europe", "ivan", "hana", "Employer brand", "talent", 95),
    ("facebook", "LumenBusinessNA", "sales", "north-america", "diego", "sam", "B2B", "SMB", 60),
    ("facebook", "LumenFamilyPlans", "marketing", "", "maya", "hana", "Campaign 2024", "", 400),
    ("instagram", "lumentelecom", "marketing", "", "maya", "hana", "Brand", "public", 2),
    ("instagram", "lumen.life", "hr", "europe", "ivan", "hana", "Culture", "talent", 18),
    ("instagram", "lumen.events", "marketing", "", "maya", "ivan", "Events", "fans", 130),
    ("linkedin", "lumen-telecom", "comms", "", "ruth", "sam", "Company page", "all", 4),
    ("linkedin", "lumen-business", "sales", "north-america", "diego", "sam", "B2B", "buyers", 9),
    ("linkedin", "lumen-careers", "hr", "europe", "ivan", "hana", "Jobs", "candidates", 15),
    ("linkedin", "lumen-legal-insights", "legal", "", "leo", "ruth", "Thought pieces", "", 300),
    ("youtube", "LumenTelecom", "marketing", "", "maya", "hana", "Video", "public", 14),
    ("youtube", "LumenHowTo", "care-na", "north-america", "carla", "ali", "Tutorials", "", 45),
    ("youtube", "LumenDevelopers", "product", "", "priya", "ivan", "API demos", "devs", 220),
    ("tiktok", "lumentelecom", "marketing", "", "maya", "hana", "Short video", "18-30", 6),
    ("mastodon", "lumen@social.example", "comms", "", "ruth", "hana", "Fediverse news", "", 7),
    ("mastodon", "lumenhelp@social.example", "care-eu", "europe", "jonas", "bea", "Support", "", 3),
    ("bluesky", "lumentelecom.example", "comms", "", "ruth", "sam", "News", "public", 5),
    ("bluesky", "help.lumentelecom.example", "care-na", "", "carla", "ali", "Support", "", 11),
    ("reddit", "LumenOfficial", "care-na", "north-america", "carla", "ali", "Community", "", 27),
    ("blog", "lumen-engineering", "product", "", "priya", "ivan", "Engineering blog", "devs", 70),
    ("blog", "lumen-newsroom", "comms", "", "ruth", "sam", "Newsroom", "press", 10),
    ("pinterest", "lumenhome", "marketing", "", "maya", "hana", "Smart home ideas", "", 500),
    ("threads", "lumentelecom", "marketing", "", "maya", "hana", "Brand", "public", 9),
]

# What an agency's search turned up, and what Care saw customers address (network, handle, why).
FOUND: list[tuple[str, str, str]] = [
    ("x", "Lumen_Support", "Replies to customers as if it were the company; profile uses the logo"),
    ("instagram", "lumen.uk.official", "Found by agency search; posts our adverts"),
    ("facebook", "LumenTelecomFrance", "Page created by a former reseller in 2019"),
    ("x", "LumenCaresNL", "Customers tag it asking for refunds"),
    ("tiktok", "lumen_deals_us", "Runs our discount codes"),
    ("x", "lumenfans", "A fan account"),
    ("instagram", "illuminate_design", "Unrelated studio"),
    ("x", "notlumen", "Parody"),
]

MODULES = [
    ("hub-policy", "The hub's social media policy", ModuleKind.POLICY, 365),
    ("crisis-procedure", "Crisis procedure", ModuleKind.CRISIS, 365),
    ("platform-basics", "Platform basics", ModuleKind.PLATFORM, 730),
]
TRAINED = ["sam", "hana", "ivan", "carla", "ali", "jonas", "bea", "maya", "ruth", "diego"]
EXPIRED = ["priya"]  # completed long ago: their certification lapsed

POLICY_TEXT = (
    "Speak for Lumen Telecom only on registered accounts you hold a right on.\n"
    "Never post customer data. Escalate legal threats and safety issues to the hub at once.\n"
    "Follow the crisis procedure when a post could reach mainstream news."
)


@transaction.atomic
def seed() -> str | None:
    """Add this feature's demo data; return a one-line summary for `ev demo`, or None."""
    if Account.objects.exists():
        return None
    system = permissions.system_actor()
    now = timezone.now()
    rng = random.Random(7)
    people = {u.username: u for u in get_user_model().objects.all()}
    units = {u.key: u for u in Unit.objects.all()}
    if "sam" not in people or "marketing" not in units:
        return None  # the demo organization is not there

    accounts: dict[tuple[str, str], Account] = {}
    for network, handle, unit, region, owner, backup, purpose, audience, quiet in ACCOUNTS:
        accounts[(network, handle)] = services.account_register(
            actor=system,
            network=network,
            handle=handle,
            url=_url(network, handle),
            unit=units[unit],
            region=units[region] if region else None,
            purpose=purpose,
            audience=audience,
            owner=people[owner],
            backup=people[backup],
            created_on=(now - dt.timedelta(days=quiet + rng.randint(200, 3000))).date(),
            last_activity_at=now - dt.timedelta(days=quiet, hours=rng.randint(0, 20)),
            follower_count=rng.choice([400, 1_200, 8_500, 22_000, 140_000, 610_000]),
        )
    flagged = services.dormancy_sweep(actor=system, now=now)
    services.discover_from_handles(actor=system, handles=FOUND[:3], source="csv")
    services.discover_from_handles(actor=system, handles=FOUND[3:])
    services.discover_from_care(actor=system)  # handles in Care's demo posts, when there are any

    modules = [
        services.training_module_save(
            actor=system,
            key=key,
            title=title,
            kind=kind,
            valid_days=days,
            description=f"{title} for everyone who speaks for the company.",
        )
        for key, title, kind, days in MODULES
    ]
    services.policy_publish(actor=system, title="Social media policy", body=POLICY_TEXT)
    for name in TRAINED + EXPIRED:
        ago = 800 if name in EXPIRED else rng.randint(10, 300)
        for module in modules:
            services.training_record(
                actor=system,
                user=people[name],
                module=module,
                completed_at=now - dt.timedelta(days=ago),
            )
        services.policy_accept(actor=people[name])
    for (network, handle), names in {
        ("x", "LumenHelp"): ["carla", "ali"],
        ("x", "LumenHelpEU"): ["jonas", "bea"],
        ("x", "LumenTelecom"): ["ruth", "hana"],
        ("facebook", "LumenTelecom"): ["maya", "hana"],
    }.items():
        for name in names:
            for right in ("reply", "publish") if name in ("ruth", "maya") else ("reply",):
                services.grant_give(
                    actor=system,
                    account=accounts[(network, handle)],
                    user=people[name],
                    right=right,
                )

    merge = services.consolidation_start(
        actor=system,
        source=accounts[("x", "LumenDealsUS")],
        target=accounts[("x", "LumenDeals")],
        owner=people["maya"],
        start=(now - dt.timedelta(days=10)).date(),
        note="Two offer accounts split the audience; keep one.",
    )
    services.consolidation_step_complete(actor=system, step=merge.steps.order_by("position")[0])
    unapproved = Account.objects.filter(status=AccountStatus.UNAPPROVED).count()
    return (
        f"{Account.objects.count()} accounts ({len(flagged)} dormant, {unapproved} found "
        f"unapproved), {TrainingModule.objects.count()} training modules, one merge under way"
    )


def _url(network: str, handle: str) -> str:
    base = {
        "x": "https://x.com/",
        "facebook": "https://www.facebook.com/",
        "instagram": "https://www.instagram.com/",
        "linkedin": "https://www.linkedin.com/company/",
        "youtube": "https://www.youtube.com/@",
        "tiktok": "https://www.tiktok.com/@",
        "reddit": "https://www.reddit.com/user/",
        "pinterest": "https://www.pinterest.com/",
        "threads": "https://www.threads.net/@",
    }
    if network in base:
        return base[network] + handle
    if network == "bluesky":
        return f"https://bsky.app/profile/{handle}"
    if network == "mastodon":
        user, _, host = handle.partition("@")
        return f"https://{host}/@{user}"
    return f"https://{handle}.example/"
