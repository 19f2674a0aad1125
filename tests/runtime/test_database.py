"""The database server handle: names, databases, the embedded server's life cycle, secrets."""

from __future__ import annotations

import threading
from pathlib import Path

import psutil
import psycopg
import pytest

from runtime.database import DatabaseError, DatabaseServer, with_dbname
from runtime.secrets import load_or_create_secrets, rotate_admin_token
from tests.conftest import unique_prefix


def postmaster_pid(server: DatabaseServer) -> int:
    with psycopg.connect(server.url) as conn:
        return int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])  # type: ignore[index]


def test_database_names_use_the_prefix_and_are_checked(db_server: DatabaseServer) -> None:
    server = DatabaseServer(db_server.url, prefix="t1_")
    assert server.database_name("shop") == "t1_shop"
    for bad in ("", "a b", 'x"; DROP', "x" * 70):
        with pytest.raises(DatabaseError):
            server.database_name(bad)


def test_conninfo_points_at_the_named_database() -> None:
    assert with_dbname("postgresql://u@/postgres?host=/tmp/s&port=5432", "shop") == "postgresql://u@/shop?host=/tmp/s&port=5432"
    assert with_dbname("postgresql://u:p@db:5432/postgres", "a-b") == "postgresql://u:p@db:5432/a-b"
    assert "dbname=shop" in with_dbname("host=db user=u dbname=postgres", "shop")


def test_ensure_database_is_race_safe(db_server: DatabaseServer) -> None:
    server = DatabaseServer(db_server.url, prefix=unique_prefix())
    name = server.database_name("race")
    created: list[bool] = []
    threads = [threading.Thread(target=lambda: created.append(server.ensure_database(name))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(created) == [False] * 5 + [True]
    assert server.database_exists(name)
    with psycopg.connect(server.conninfo(name)) as conn:
        assert conn.execute("SELECT current_database()").fetchone() == (name,)
    server.drop_database(name)
    assert not server.database_exists(name)


def test_bad_database_url_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DatabaseError, match="cannot connect to DATABASE_URL"):
        DatabaseServer.start(tmp_path, database_url="postgresql://nobody@127.0.0.1:1/postgres")


def test_embedded_server_keeps_data_across_restarts_on_a_long_path(tmp_path: Path) -> None:
    root = tmp_path / ("deep_" * 12) / ("deeper_" * 8)  # data dir far beyond the unix-socket path limit
    root.mkdir(parents=True)
    messages: list[str] = []
    server = DatabaseServer.start(root, progress=messages.append)
    assert server.embedded and messages == ["starting PostgreSQL…"]
    assert (root / ".minimomen" / "pgdata" / "PG_VERSION").exists()
    server.ensure_database("keep")
    with psycopg.connect(server.conninfo("keep"), autocommit=True) as conn:
        conn.execute("CREATE TABLE t (v text)")
        conn.execute("INSERT INTO t VALUES ('still here')")
    pid = _server_pid(server)
    server.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE

    again = DatabaseServer.start(root)
    try:
        with psycopg.connect(again.conninfo("keep")) as conn:
            assert conn.execute("SELECT v FROM t").fetchall() == [("still here",)]
    finally:
        again.stop()


def test_two_handles_in_one_process_share_the_embedded_server(tmp_path: Path) -> None:
    first = DatabaseServer.start(tmp_path)
    second = DatabaseServer.start(tmp_path)
    assert first.url == second.url
    first.stop()
    with psycopg.connect(second.url) as conn:  # still running: the second handle holds it
        assert conn.execute("SELECT 1").fetchone() == (1,)
    pid = _server_pid(second)
    second.stop()
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_url_server_is_never_stopped_by_its_handle(db_server: DatabaseServer, tmp_path: Path) -> None:
    handle = DatabaseServer.start(tmp_path, database_url=db_server.url)
    assert not handle.embedded
    handle.stop()
    with psycopg.connect(db_server.url) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_secrets_are_created_once_and_the_admin_token_rotates(db_server: DatabaseServer) -> None:
    server = DatabaseServer(db_server.url, prefix=unique_prefix())
    name = server.database_name("secrets")
    server.ensure_database(name)
    try:
        conninfo = server.conninfo(name)
        seen = []
        threads = [threading.Thread(target=lambda: seen.append(load_or_create_secrets(conninfo))) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(set(seen)) == 1
        first = seen[0]
        assert len(first.admin_token) >= 40 and first.admin_token != first.jwt_secret
        rotated = rotate_admin_token(conninfo)
        after = load_or_create_secrets(conninfo)
        assert rotated == after.admin_token != first.admin_token
        assert after.jwt_secret == first.jwt_secret
    finally:
        server.drop_database(name)


def _server_pid(server: DatabaseServer) -> int:
    with psycopg.connect(server.url) as conn:
        return int(conn.execute("SELECT pid FROM pg_stat_activity WHERE backend_type = 'checkpointer'").fetchone()[0])  # type: ignore[index]
