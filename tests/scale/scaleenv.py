"""`python -m tests.scale.scaleenv prepare`: migrate the scale tests' own database and give it
the units Care routes to (run with the scale tests' environment)."""

from __future__ import annotations

import os
import sys


def prepare() -> None:
    import django
    from django.core.management import call_command
    from django.db import connection

    django.setup()
    call_command("migrate", verbosity=0)
    from escapevelocity.org import permissions, services
    from escapevelocity.org.models import OrgModel, UnitFunction, UnitKind

    system = permissions.system_actor()
    services.company_update(actor=system, name="Scale Co", org_model=OrgModel.HUB_AND_SPOKE)
    services.unit_create(actor=system, key="hub", name="Hub", kind=UnitKind.HUB)
    for function in UnitFunction:
        services.unit_create(
            actor=system,
            key=function.value.replace("_", "-"),
            name=function.label,
            kind=UnitKind.SPOKE,
            function=function,
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE scale_tally (ran_for timestamptz NOT NULL, pid integer NOT NULL)"
        )


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.scale.worker_settings")
    if sys.argv[1:] != ["prepare"]:
        sys.exit("usage: python -m tests.scale.scaleenv prepare")
    prepare()
