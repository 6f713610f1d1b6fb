"""The request kinds a new installation starts with, and version 1 of their requirements.

The hub changes them from the requirements page; each change publishes a new version.
"""

from __future__ import annotations

from escapevelocity.demand.models import KindKey

Item = tuple[str, str]  # label, help

DEFAULT_KINDS: list[tuple[str, str, str, list[Item]]] = [
    (
        KindKey.NEW_ACCOUNT,
        "A new company presence on a social network, run by your unit.",
        "Every company account speaks for the brand in public. Before the hub sets one up, show "
        "that someone will **run it every week, for years** — and how it ends.",
        [
            (
                "Purpose and audience",
                "Who it is for, and why an existing account cannot serve them.",
            ),
            ("Owner and backup", "Two named people who hold the password and answer for it."),
            (
                "Staffing and response hours",
                "Hours a week, and when customers can expect an answer.",
            ),
            ("Content plan", "What you will post, how often, for the first three months."),
            (
                "Trained people",
                "Who has taken the hub's social media training (or will before launch).",
            ),
            ("Exit plan", "What happens to the account and its followers if the unit stops."),
        ],
    ),
    (
        KindKey.CAMPAIGN,
        "The hub's help with a campaign on the company's social channels.",
        "Bring the campaign brief; the hub plans channels, timing and listening with you.",
        [
            ("Campaign brief", "Goal, audience, dates and budget."),
            ("Approvals", "Who signs off content, including legal where claims are made."),
            ("Success measure", "The business number the campaign should move."),
        ],
    ),
    (
        KindKey.CONTENT,
        "Posts, images or video made by the hub's content team.",
        "",
        [
            ("Audience and channel", "Where it will run and for whom."),
            ("Key message", "The one thing people should take away."),
            ("Source material", "Facts, assets and the person who checks them."),
        ],
    ),
    (
        KindKey.LISTENING,
        "A report on what people say about a topic, product or competitor.",
        "",
        [
            ("Question", "The decision this report will inform."),
            ("Topics and terms", "Products, names and keywords to follow."),
            ("Period", "The dates to cover."),
        ],
    ),
    (
        KindKey.TRAINING,
        "Social media training for people in your unit.",
        "",
        [
            ("Who and how many", "The people to train and their roles."),
            ("What they will do", "Speak for the company, answer customers, or listen only."),
        ],
    ),
    (
        KindKey.CRISIS,
        "Help when something is going wrong in public now.",
        "For an emergency, call the hub as well: a request alone is too slow.",
        [
            ("What is happening", "What was posted, where, since when, how fast it spreads."),
            ("Who is involved", "The people and units already working on it."),
        ],
    ),
    (
        KindKey.TOOL,
        "An evaluation of a social media tool or vendor your unit wants to use.",
        "",
        [
            ("Need", "The problem the tool solves and what you use today."),
            ("Data and access", "What company or customer data it would hold, and who logs in."),
            ("Budget and owner", "Who pays and who runs it."),
        ],
    ),
    (KindKey.OTHER, "Anything else you need from the hub.", "", [("What you need", "")]),
]
