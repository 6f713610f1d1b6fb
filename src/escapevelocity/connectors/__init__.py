"""Connectors: networks and feeds in, `Post` records out; replies back out.

Pure: no Django. Each adapter yields `Batch` records (posts plus the cursor to persist after
storing them); `listen` runs one with backoff, rate-limit pauses and a clean stop.
"""

from escapevelocity.connectors.base import (
    Backoff,
    Batch,
    Connector,
    ConnectorError,
    PermanentError,
    Problem,
    RateLimited,
    SentReply,
    TransientError,
)
from escapevelocity.connectors.runner import Health, listen

__all__ = [
    "Backoff",
    "Batch",
    "Connector",
    "ConnectorError",
    "Health",
    "PermanentError",
    "Problem",
    "RateLimited",
    "SentReply",
    "TransientError",
    "listen",
]
