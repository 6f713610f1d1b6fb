import os
import subprocess
import sys
from pathlib import Path

import pytest

from escapevelocity.config import (
    UnsafeConfiguration,
    check_production,
    envbool,
    envint,
    envlist,
    load_secret_key,
)


def test_it_refuses_to_serve_without_a_secret_key() -> None:
    with pytest.raises(UnsafeConfiguration, match="EV_SECRET_KEY"):
        check_production(secret_key="", debug=False, allowed_hosts=["127.0.0.1"])


def test_it_refuses_debug_on_a_public_host() -> None:
    with pytest.raises(UnsafeConfiguration, match="EV_DEBUG"):
        check_production(secret_key="k" * 50, debug=True, allowed_hosts=["social.example.com"])


def test_it_allows_debug_on_a_local_host() -> None:
    check_production(secret_key="k" * 50, debug=True, allowed_hosts=["127.0.0.1", "localhost"])


def test_it_reads_the_secret_key_from_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key_file = tmp_path / "key"
    key_file.write_text("from-a-file\n")
    monkeypatch.delenv("EV_SECRET_KEY", raising=False)
    monkeypatch.setenv("EV_SECRET_KEY_FILE", str(key_file))
    assert load_secret_key(tmp_path / "data") == "from-a-file"


def test_it_makes_no_key_of_its_own_outside_the_demo(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("EV_SECRET_KEY", "EV_SECRET_KEY_FILE", "EV_DEV_SECRET"):
        monkeypatch.delenv(name, raising=False)
    assert load_secret_key(tmp_path) == ""
    monkeypatch.setenv("EV_DEV_SECRET", "1")
    key = load_secret_key(tmp_path)
    assert len(key) > 40
    assert load_secret_key(tmp_path) == key  # kept, so sessions survive a restart


def test_it_parses_typed_environment_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a.example, b.example ,")
    assert envbool("X_BOOL", False) is True
    assert envint("X_INT", 0) == 12
    assert envlist("X_LIST", []) == ["a.example", "b.example"]
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(UnsafeConfiguration, match="X_BOOL"):
        envbool("X_BOOL", False)


def _ev(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    ev = Path(sys.executable).parent / "ev"
    return subprocess.run([str(ev), *args], capture_output=True, text=True, env=env, timeout=120)


def test_it_lists_every_command_with_one_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    env["EV_DATA_DIR"] = str(tmp_path)
    r = _ev(["--help"], env)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    for command in ("demo", "serve", "migrate", "createuser", "manage"):
        matching = [line for line in lines if line.strip().startswith(command + " ")]
        assert matching, f"{command} missing from:\n{r.stdout}"
        assert len(matching[0].split(None, 1)[1]) > 10


def test_it_refuses_to_serve_without_a_secret_key_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    env["EV_DATA_DIR"] = str(tmp_path)
    r = _ev(["serve", "--port", "0"], env)
    assert r.returncode != 0
    assert "No secret key" in r.stderr


def test_it_builds_the_demo_and_reuses_it(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    env["EV_DATA_DIR"] = str(tmp_path)
    first = _ev(["demo", "--no-serve"], env)
    assert first.returncode == 0, first.stderr
    assert "http://127.0.0.1:8000/" in first.stdout
    assert "sam " in first.stdout
    second = _ev(["demo", "--no-serve"], env)
    assert second.returncode == 0, second.stderr
    assert "reusing it" in second.stdout
    third = _ev(["demo", "--no-serve", "--reset"], env)
    assert third.returncode == 0, third.stderr
    assert "Deleted the demo database." in third.stdout
    unknown = _ev(["fly"], env)
    assert unknown.returncode == 2
    assert "unknown command" in unknown.stderr


def test_it_creates_a_user_from_the_command_line(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    env["EV_DATA_DIR"] = str(tmp_path)
    assert _ev(["migrate", "-v", "0"], env).returncode == 0
    ev = Path(sys.executable).parent / "ev"
    r = subprocess.run(
        [str(ev), "createuser", "zoe", "--password-stdin"],
        input="a-long-passphrase-here\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0, r.stderr
    bad = subprocess.run(
        [str(ev), "createuser", "zoe2", "--password-stdin"],
        input="123\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert bad.returncode != 0
    assert "password" in bad.stderr


def test_it_names_each_command_plainly_in_its_usage(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EV_")}
    env["EV_DATA_DIR"] = str(tmp_path)
    r = _ev(["demo", "--help"], env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("usage: ev demo [")
