from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from escapevelocity.web.management.commands.backup import backup_sqlite
from tests.scale.conftest import ROOT, ScaleEnv, _admin_connect


def test_it_copies_a_live_sqlite_database_while_it_is_written(tmp_path: Path) -> None:
    source = tmp_path / "live.sqlite3"
    live = sqlite3.connect(source)
    live.execute("PRAGMA journal_mode=WAL")
    live.execute("CREATE TABLE post (id INTEGER PRIMARY KEY, text TEXT)")
    live.executemany("INSERT INTO post (text) VALUES (?)", [(f"post {i}",) for i in range(5000)])
    live.commit()
    live.execute("INSERT INTO post (text) VALUES ('not committed yet')")  # an open transaction
    backup_sqlite(source, tmp_path / "copy.sqlite3")
    live.rollback()
    live.close()
    copy = sqlite3.connect(tmp_path / "copy.sqlite3")
    assert copy.execute("SELECT count(*) FROM post").fetchone() == (5000,)
    copy.close()


def test_it_refuses_to_overwrite_a_file(tmp_path: Path) -> None:
    target = tmp_path / "exists.bak"
    target.write_text("precious")
    with pytest.raises(CommandError, match="--force"):
        call_command("backup", str(target))
    assert target.read_text() == "precious"


def test_it_backs_up_the_embedded_database_from_the_command_line(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "EV_DATA_DIR": str(tmp_path),
        "EV_SECRET_KEY": "backup-test",
        "PYTHONPATH": str(ROOT),
    }
    ev = str(Path(sys.executable).parent / "ev")
    subprocess.run([ev, "migrate", "-v0"], env=env, check=True, timeout=300)
    out = subprocess.run(
        [ev, "backup", str(tmp_path / "ev.bak")],
        env=env,
        check=True,
        text=True,
        capture_output=True,
        timeout=120,
    ).stdout
    assert "SQLite online backup" in out
    copy = sqlite3.connect(tmp_path / "ev.bak")
    tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    copy.close()
    assert {"org_unit", "care_post", "web_scheduledjob"} <= tables


@pytest.mark.postgres
def test_it_dumps_postgresql_and_the_dump_restores(scale_env: ScaleEnv, tmp_path: Path) -> None:
    ev = str(Path(sys.executable).parent / "ev")
    dump = tmp_path / "ev.dump"
    out = subprocess.run(
        [ev, "backup", str(dump)],
        env=scale_env.env,
        check=True,
        text=True,
        capture_output=True,
        timeout=120,
    ).stdout
    assert "pg_dump" in out
    assert dump.read_bytes()[:5] == b"PGDMP"
    name = f"ev_restore_{uuid.uuid4().hex[:8]}"
    restored = scale_env.database_url.rsplit("/", 1)[0] + "/" + name
    admin: Any = _admin_connect()
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={restored}", str(dump)],
            check=True,
            timeout=120,
        )
        import psycopg

        with psycopg.connect(restored) as conn:
            units = conn.execute("SELECT key FROM org_unit ORDER BY key").fetchall()
        assert ("hub",) in units
        assert units == scale_env.sql("SELECT key FROM org_unit ORDER BY key")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
