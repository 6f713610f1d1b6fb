"""Login throttling: too many failures for a username or from an address refuse further tries.

Failures are rows in the database so that every web process sees the same count.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone

from escapevelocity.org.models import LoginFailure


def client_address(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


def is_locked(*, username: str, address: str) -> bool:
    since = timezone.now() - timedelta(seconds=settings.EV_LOGIN_WINDOW_SECONDS)
    limit = settings.EV_LOGIN_MAX_FAILURES
    recent = LoginFailure.objects.filter(created__gte=since)
    by_name = recent.filter(username__iexact=username).count() if username else 0
    by_address = recent.filter(address=address).count()
    # An address gets a larger allowance: an office behind one NAT shares it.
    return by_name >= limit or by_address >= limit * 4


def record_failure(*, username: str, address: str) -> None:
    LoginFailure.objects.create(username=username[:150], address=address)
    old = timezone.now() - timedelta(days=1)
    LoginFailure.objects.filter(created__lt=old).delete()


def clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(Q(username__iexact=username)).delete()
