from typing import Any

import pytest

from escapevelocity.org import permissions, services
from escapevelocity.org.models import OrgModel, Role, UnitFunction, UnitKind
from tests.conftest import Org, make_user


def test_it_lets_the_strategist_see_and_act_on_every_unit(org: Org) -> None:
    for unit in (org.hub, org.care, org.product, org.region):
        assert permissions.can_view_unit(org.alice, unit)
        assert permissions.can_act_on_unit(org.alice, unit)
    assert permissions.can_manage_org(org.alice)
    assert permissions.is_hub(org.alice)


def test_it_limits_an_agent_to_their_own_unit(org: Org) -> None:
    assert permissions.can_view_unit(org.bob, org.care)
    assert permissions.can_act_on_unit(org.bob, org.care)
    assert not permissions.can_view_unit(org.bob, org.product)
    assert not permissions.can_view_unit(org.bob, org.hub)
    assert not permissions.can_manage_org(org.bob)
    assert not permissions.is_hub(org.bob)


def test_it_keeps_an_outsider_out_of_another_units_work(org: Org) -> None:
    assert not permissions.can_view_unit(org.charlie, org.care)
    assert not permissions.can_act_on_unit(org.charlie, org.care)
    assert list(permissions.units_visible_to(org.charlie)) == [org.product]


def test_it_gives_a_person_without_membership_nothing(org: Org) -> None:
    assert not permissions.is_member(org.nobody)
    assert permissions.units_visible_to(org.nobody).count() == 0


def test_it_lets_an_executive_read_but_not_act(org: Org) -> None:
    erin = make_user("erin")
    services.membership_set(
        actor=permissions.system_actor(), user=erin, unit=org.hub, role=Role.EXECUTIVE
    )
    assert permissions.can_view_unit(erin, org.care)
    assert not permissions.can_act_on_unit(erin, org.care)
    assert permissions.can_read_dashboards(erin)
    assert not permissions.can_read_governance(erin)


def test_it_lets_an_auditor_read_governance_only(org: Org) -> None:
    otto = make_user("otto")
    services.membership_set(
        actor=permissions.system_actor(), user=otto, unit=org.hub, role=Role.AUDITOR
    )
    assert permissions.can_read_governance(otto)
    assert not permissions.can_view_unit(otto, org.care)
    assert not permissions.can_read_dashboards(otto)


def test_it_lets_a_region_lead_act_on_the_spokes_of_that_region(org: Org) -> None:
    rita = make_user("rita")
    services.membership_set(
        actor=permissions.system_actor(), user=rita, unit=org.region, role=Role.SPOKE_LEAD
    )
    assert permissions.can_act_on_unit(rita, org.care)  # care is in the EMEA region
    assert not permissions.can_view_unit(rita, org.product)


def test_it_lets_each_hub_serve_only_its_own_spokes_with_several_hubs(org: Org) -> None:
    system = permissions.system_actor()
    services.company_update(actor=system, name="Test Co", org_model=OrgModel.MULTIPLE_HUB_AND_SPOKE)
    hub2 = services.unit_create(actor=system, key="hub2", name="Hub 2", kind=UnitKind.HUB)
    retail = services.unit_create(
        actor=system,
        key="retail",
        name="Retail",
        kind=UnitKind.SPOKE,
        function=UnitFunction.SALES,
        hub=hub2,
    )
    hana = make_user("hana")
    services.membership_set(actor=system, user=hana, unit=hub2, role=Role.HUB_MEMBER)
    permissions.forget_scope(org.alice)
    assert permissions.can_act_on_unit(hana, retail)
    assert not permissions.can_view_unit(hana, org.hub)
    assert not permissions.can_act_on_unit(org.alice, retail)
    assert permissions.can_act_on_unit(org.alice, org.care)  # care was linked to the first hub


def test_it_refuses_a_second_hub_unless_the_model_allows_several(org: Any) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.unit_create(actor=org.alice, key="hub2", name="Second hub", kind=UnitKind.HUB)
    assert "kind" in exc.value.message_dict


def test_it_links_new_spokes_to_the_single_hub(org: Org) -> None:
    assert org.care.hub == org.hub


def test_it_says_a_holistic_company_lets_any_trained_employee_act(org: Org) -> None:
    services.company_update(actor=org.alice, name="Test Co", org_model=OrgModel.HOLISTIC)
    company = services.company_get()
    assert company.any_trained_employee_may_act
    assert not company.allows_several_hubs


def test_it_keeps_the_last_strategist(org: Org) -> None:
    from django.core.exceptions import ValidationError

    membership = org.alice.memberships.get()
    with pytest.raises(ValidationError):
        services.membership_remove(actor=org.alice, membership=membership)
    assert org.alice.memberships.count() == 1
