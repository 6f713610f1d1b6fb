"""Settings for the worker and scheduler processes the scale tests start: the product's own,
with fault injection wrapped around the real ingest and a one-second test job."""

from escapevelocity.settings import *  # noqa: F403

EV_INGEST_CALLABLE = "tests.scale.faults.ingest"
EV_SCHEDULED_JOBS = {"test.tally": ("tests.scale.faults.tally", 1)}
