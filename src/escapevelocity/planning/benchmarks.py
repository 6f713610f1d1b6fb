"""Published figures about social business programs, each with its source.

Everything here comes from Altimeter Group's public research as summarized in the project's
domain notes. A figure marked ``confirmed=False`` is quoted in commentary but not found in a
published report: the product may keep it as an editable default, never state it as fact, so
:func:`published` refuses to hand it out.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    """Where a figure was published."""

    author: str
    title: str
    publisher: str
    date: str
    method: str = ""

    def cite(self) -> str:
        """Return a one-line citation: author, "title", publisher, date."""
        return f'{self.author}, "{self.title}", {self.publisher}, {self.date}'


@dataclass(frozen=True)
class Figure:
    """One published figure: a share of companies (in percent) or a count."""

    key: str
    value: float
    unit: str  # "%" or "count"
    claim: str  # what the share of companies does or has, completing "N% …"
    source: Source
    confirmed: bool = True


class UnconfirmedFigureError(LookupError):
    """Raised when code asks to show a figure that was never confirmed as published."""


CAREER_PATH_2010 = Source(
    author="Jeremiah Owyang (Altimeter Group)",
    title="Career Path of the Corporate Social Strategist",
    publisher="Altimeter Group",
    date="November 2010",
    method="140+ surveyed; 39 strategists and 12 colleagues interviewed",
)
FIVE_WAYS_2010 = Source(
    author="Jeremiah Owyang (Altimeter Group)",
    title="Framework and Matrix: The Five Ways Companies Organize for Social Business",
    publisher="Altimeter Group",
    date="April 2010",
)
ORG_MODELS_2012 = Source(
    author="Altimeter Group",
    title="survey of large companies' social business organization",
    publisher="Altimeter Group",
    date="2012",
)
EVOLUTION_2013 = Source(
    author="Charlene Li & Brian Solis (Altimeter Group)",
    title="The Evolution of Social Business: Six Stages of Social Business Transformation",
    publisher="Altimeter Group",
    date="March 2013",
    method="survey of 698 social business strategists, Q4 2012",
)
GOVERNANCE_2011 = Source(
    author="Altimeter Group",
    title="research on corporate social account proliferation and governance",
    publisher="Altimeter Group",
    date="2011–2012",
)
READINESS_2011 = Source(
    author="Jeremiah Owyang (Altimeter Group)",
    title="Social Business Readiness: How Advanced Companies Prepare Internally",
    publisher="Altimeter Group",
    date="August 2011",
    method="144 corporate social program managers; 50 social media crises",
)
ROI_COOKBOOK_2012 = Source(
    author="Susan Etlinger (Altimeter Group)",
    title="The Social Media ROI Cookbook",
    publisher="Altimeter Group",
    date="2012",
)

_FIGURES: tuple[Figure, ...] = (
    Figure(
        "formalized_program",
        23,
        "%",
        "have a formalized program with long-term direction",
        CAREER_PATH_2010,
    ),
    Figure("report_to_marketing", 41, "%", "report to marketing (at least)", CAREER_PATH_2010),
    Figure("under_three_years", 80, "%", "run a program under three years old", CAREER_PATH_2010),
    Figure("budget_under_500k", 75, "%", "spend under $500,000 a year (over)", CAREER_PATH_2010),
    Figure(
        "roi_top_priority",
        48,
        "%",
        'named "creating ROI measurements" their top priority for 2011',
        CAREER_PATH_2010,
    ),
    Figure(
        "plan_beyond_year",
        12,
        "%",
        "are confident their plan looks beyond the next year",
        EVOLUTION_2013,
    ),
    Figure(
        "executives_aligned",
        52,
        "%",
        "say their executives are informed, engaged and aligned",
        EVOLUTION_2013,
    ),
    Figure(
        "metrics_to_outcomes",
        34,
        "%",
        "have clear metrics linking social activity to business outcomes",
        EVOLUTION_2013,
    ),
    Figure(
        "holistic_lines_of_business",
        28,
        "%",
        "have a holistic approach where lines of business work together",
        EVOLUTION_2013,
    ),
    Figure(
        "started_last_two_years",
        36,
        "%",
        "started their program within the last two years",
        EVOLUTION_2013,
    ),
    Figure("accounts_average", 178, "count", "corporate social accounts", GOVERNANCE_2011),
    Figure("inventoried_accounts", 49, "%", "have inventoried their accounts", GOVERNANCE_2011),
    Figure(
        "coordinate_across_company",
        48,
        "%",
        "coordinate social across the company",
        GOVERNANCE_2011,
    ),
    Figure("formal_roadmap", 43, "%", "have a formal roadmap", GOVERNANCE_2011),
    Figure("offer_education", 26, "%", "offer social media education", GOVERNANCE_2011),
    Figure(
        "no_or_adhoc_education",
        60,
        "%",
        "offer no or only ad hoc employee education (over)",
        GOVERNANCE_2011,
    ),
    Figure(
        "crises_avoidable",
        76,
        "%",
        "of crises could have been diminished or averted",
        READINESS_2011,
    ),
    Figure(
        "prepared_with_plan",
        96,
        "%",
        "of companies with a formal crisis plan feel prepared",
        READINESS_2011,
    ),
    Figure(
        "prepared_without_plan",
        22,
        "%",
        "of companies without a formal crisis plan feel prepared",
        READINESS_2011,
    ),
    Figure(
        "advanced_with_triage",
        14,
        "count",
        "of 18 advanced companies had triage processes",
        READINESS_2011,
    ),
    Figure(
        "lack_holistic_measurement",
        75,
        "%",
        "lack a holistic measurement strategy",
        ROI_COOKBOOK_2012,
    ),
    Figure("tie_to_revenue", 30, "%", "tie social to revenue effectively", ROI_COOKBOOK_2012),
    # The five organizational models: share of large companies in each.
    Figure("model_2010_hub_and_spoke", 41, "%", "organized as hub and spoke", FIVE_WAYS_2010),
    Figure("model_2010_centralized", 28.8, "%", "organized centrally", FIVE_WAYS_2010),
    Figure(
        "model_2010_multiple_hub_and_spoke",
        18,
        "%",
        "organized as multiple hub and spoke",
        FIVE_WAYS_2010,
    ),
    Figure("model_2010_organic", 10.8, "%", "were decentralized (organic)", FIVE_WAYS_2010),
    Figure("model_2010_holistic", 1.4, "%", "were holistic (honeycomb)", FIVE_WAYS_2010),
    Figure("model_2012_hub_and_spoke", 35.4, "%", "organized as hub and spoke", ORG_MODELS_2012),
    Figure("model_2012_centralized", 29.1, "%", "organized centrally", ORG_MODELS_2012),
    Figure(
        "model_2012_multiple_hub_and_spoke",
        23.6,
        "%",
        "organized as multiple hub and spoke",
        ORG_MODELS_2012,
    ),
    Figure("model_2012_organic", 9.4, "%", "were decentralized (organic)", ORG_MODELS_2012),
    # Quoted in commentary, never found in a published report: defaults only, never facts.
    Figure(
        "model_2012_holistic",
        2.5,
        "%",
        "were holistic (a remainder, not a published figure)",
        ORG_MODELS_2012,
        confirmed=False,
    ),
    Figure(
        "report_to_communications",
        30,
        "%",
        "report to corporate communications",
        CAREER_PATH_2010,
        confirmed=False,
    ),
    Figure("report_to_digital", 11, "%", "report to digital", CAREER_PATH_2010, confirmed=False),
    Figure(
        "report_to_support",
        1,
        "%",
        "report to customer support",
        CAREER_PATH_2010,
        confirmed=False,
    ),
    Figure("report_to_product", 1, "%", "report to product", CAREER_PATH_2010, confirmed=False),
    Figure(
        "heading_to_help_desk",
        41,
        "%",
        "are heading to the Social Media Help Desk",
        CAREER_PATH_2010,
        confirmed=False,
    ),
    Figure(
        "heading_to_escape_velocity",
        59,
        "%",
        "are heading to escape velocity",
        CAREER_PATH_2010,
        confirmed=False,
    ),
)

_BY_KEY = {f.key: f for f in _FIGURES}


def all_figures() -> tuple[Figure, ...]:
    """Return every figure, confirmed or not (for editable defaults and for documentation)."""
    return _FIGURES


def published(key: str) -> Figure:
    """Return the confirmed, published figure `key`.

    Raises UnconfirmedFigureError for a figure that was only quoted in commentary, and KeyError
    for an unknown key: neither may reach a user as fact.
    """
    figure = _BY_KEY[key]
    if not figure.confirmed:
        raise UnconfirmedFigureError(f"{key} is not a confirmed published figure")
    return figure


def published_figures() -> tuple[Figure, ...]:
    """Return the confirmed figures only."""
    return tuple(f for f in _FIGURES if f.confirmed)


def model_share(model: str) -> list[tuple[str, Figure]]:
    """Return the published (year, figure) shares of companies organized as `model`.

    Years without a confirmed figure are left out.
    """
    found: list[tuple[str, Figure]] = []
    for year in ("2010", "2012"):
        figure = _BY_KEY.get(f"model_{year}_{model}")
        if figure is not None and figure.confirmed:
            found.append((year, figure))
    return found


def percent(value: float) -> str:
    """Return a figure as people write it: 23%, 28.8%."""
    return f"{value:g}%"
