"""Typed helpers that read settings from the environment, and the production safety check.

No Django import here: settings.py imports this module before Django is configured.
"""

from __future__ import annotations

import importlib.util
import os
import secrets
from pathlib import Path

LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


class UnsafeConfiguration(Exception):
    """The settings would expose an unsafe server; the message says what to set."""


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise UnsafeConfiguration(f"{name}={value!r} is not a boolean (use true or false)")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise UnsafeConfiguration(f"{name}={value!r} is not a whole number") from None


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envpath(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


def package_dir(name: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise UnsafeConfiguration(f"The package {name!r} is not installed.")
    return Path(next(iter(spec.submodule_search_locations)))


def load_secret_key(data_dir: Path) -> str:
    """Return the secret key from EV_SECRET_KEY, EV_SECRET_KEY_FILE, or the local dev key file.

    The local file (data_dir/secret_key) is created only when EV_DEV_SECRET is set, as `ev demo`
    and the test suite do; otherwise an empty key is returned and `check_production` refuses to
    serve.
    """
    if key := os.environ.get("EV_SECRET_KEY", ""):
        return key
    if path := os.environ.get("EV_SECRET_KEY_FILE", ""):
        return Path(path).read_text(encoding="utf-8").strip()
    local = data_dir / "secret_key"
    if local.exists():
        return local.read_text(encoding="utf-8").strip()
    if os.environ.get("EV_DEV_SECRET"):
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(50)
        local.write_text(key, encoding="utf-8")
        local.chmod(0o600)
        return key
    return ""


def check_production(*, secret_key: str, debug: bool, allowed_hosts: list[str]) -> None:
    """Raise UnsafeConfiguration when the server must not start with these settings."""
    if not secret_key:
        raise UnsafeConfiguration(
            "No secret key. Set EV_SECRET_KEY or EV_SECRET_KEY_FILE "
            "(generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or run `ev demo` for a local trial."
        )
    public = [host for host in allowed_hosts if host not in LOCAL_HOSTS]
    if debug and public:
        raise UnsafeConfiguration(
            f"EV_DEBUG is on while EV_ALLOWED_HOSTS names non-local hosts ({', '.join(public)}). "
            "Debug pages leak settings and data: turn EV_DEBUG off."
        )
