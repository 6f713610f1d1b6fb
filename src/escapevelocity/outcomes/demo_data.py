"""Demo data for outcomes (see escapevelocity.demo.seed). Must be idempotent."""


def seed() -> str | None:
    """Add this feature's demo data; return a one-line summary for `ev demo`, or None."""
    return None
