"""The company, its hub(s), spokes and regions, the people in them and what they may do."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q


class OrgModel(models.TextChoices):
    ORGANIC = "organic", "Organic (decentralized)"
    CENTRALIZED = "centralized", "Centralized"
    HUB_AND_SPOKE = "hub_and_spoke", "Hub and spoke (coordinated)"
    MULTIPLE_HUB_AND_SPOKE = "multiple_hub_and_spoke", "Multiple hub and spoke (dandelion)"
    HOLISTIC = "holistic", "Holistic (honeycomb)"


class Company(models.Model):
    name = models.CharField(max_length=200)
    org_model = models.CharField(
        max_length=32, choices=OrgModel.choices, default=OrgModel.HUB_AND_SPOKE
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "companies"

    def __str__(self) -> str:
        return self.name

    @property
    def allows_several_hubs(self) -> bool:
        return self.org_model == OrgModel.MULTIPLE_HUB_AND_SPOKE

    @property
    def any_trained_employee_may_act(self) -> bool:
        """In the holistic model every employee with a current certification may speak."""
        return self.org_model == OrgModel.HOLISTIC


class UnitKind(models.TextChoices):
    HUB = "hub", "Hub (center of excellence)"
    SPOKE = "spoke", "Spoke (business unit)"
    REGION = "region", "Region"


class UnitFunction(models.TextChoices):
    CUSTOMER_CARE = "customer_care", "Customer care"
    PRODUCT = "product", "Product management"
    SALES = "sales", "Sales"
    MARKETING = "marketing", "Marketing"
    COMMUNICATIONS = "communications", "Corporate communications / PR"
    LEGAL = "legal", "Legal"
    HR = "hr", "HR"
    IT = "it", "IT"
    OTHER = "other", "Other"


class Unit(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="units")
    key = models.SlugField(max_length=64, help_text="Stable name used in routing rules and the API")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=UnitKind.choices)
    function = models.CharField(max_length=32, choices=UnitFunction.choices, blank=True)
    region = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="region_units",
        limit_choices_to={"kind": UnitKind.REGION},
    )
    hub = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="spokes",
        limit_choices_to={"kind": UnitKind.HUB},
        help_text="The hub that serves this spoke",
    )
    description = models.TextField(blank=True)
    archived = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "key"], name="unit_key_unique"),
            models.CheckConstraint(
                condition=Q(kind="spoke") | Q(function=""), name="only_spokes_have_function"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    STRATEGIST = "strategist", "Strategist (hub lead)"
    HUB_MEMBER = "hub_member", "Hub member"
    SPOKE_LEAD = "spoke_lead", "Spoke lead"
    AGENT = "agent", "Agent"
    EXECUTIVE = "executive", "Executive (reads dashboards)"
    AUDITOR = "auditor", "Auditor (reads governance)"


HUB_ROLES = {Role.STRATEGIST, Role.HUB_MEMBER}
WORKING_ROLES = {Role.STRATEGIST, Role.HUB_MEMBER, Role.SPOKE_LEAD, Role.AGENT}


class Membership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    weekly_hours = models.DecimalField(
        max_digits=5, decimal_places=1, default=40, help_text="Hours a week given to this unit"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit"], name="one_membership_per_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} in {self.unit}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once at creation."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, help_text="First characters, to tell tokens apart")
    digest = models.CharField(max_length=64, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    last_used = models.DateTimeField(null=True, blank=True)
    revoked = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(token: str) -> str:
        return hashlib.sha256(token.encode("utf-8")).hexdigest()


class LoginFailure(models.Model):
    """One failed login, kept for throttling across every web process."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} from {self.address}"
