"""Accounts, passwords, backoff, roles, admin token and simulated login on a real database."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from runtime.auth import throttle
from runtime.auth.accounts import authenticate
from runtime.auth.errors import InvalidToken, LoginFailed
from runtime.auth.roles import assign_role, remove_role
from runtime.auth.sessions import session_from_token
from runtime.auth.simulation import simulate_login
from runtime.auth.state import ADMIN_REFRESH_MIN_INTERVAL, ADMIN_TOKEN_TTL_SECONDS
from runtime.types import BadUserInput, NotFound
from tests.runtime.auth.project_harness import run_with_project, sample_with

INJECTION = "'; DROP TABLE \"order\"; --"


PAIR = throttle.pair_key("carol", None)


async def _scalar(project: Any, query: str, *args: Any) -> Any:
    async with project.pool.connection() as conn:
        cur = await conn.execute(query, args)
        row = await cur.fetchone()
        return None if row is None else row[0]


def test_register_log_in_and_token(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        account, token = await authenticate(project, "alice", "correct horse", register=True)
        assert account["username"] == "alice" and account["roles"] == ["user"] and account["id"] > 0
        stored = await _scalar(project, "SELECT password_hash FROM minimomen.credential WHERE account_id = %s", account["id"])
        assert stored.startswith("$argon2id$") and "correct horse" not in stored

        session = await session_from_token(project, token)
        assert (session.role, session.account_id, session.username, session.roles) == ("user", account["id"], "alice", ("user",))

        again, token2 = await authenticate(project, "alice", "correct horse")
        assert again == account and (await session_from_token(project, token2)).account_id == account["id"]

        with pytest.raises(BadUserInput, match="the username `alice` is already taken"):
            await authenticate(project, "alice", "another one", register=True)
        for username, password in (("alice", "wrong password"), ("nobody", "correct horse")):
            with pytest.raises(LoginFailed) as info:
                await authenticate(project, username, password)
            assert info.value.message == "wrong username or password" and info.value.code == "UNAUTHENTICATED"
        for username, password, reason in (("al", "long enough", "3 to 40"), ("a" * 41, "long enough", "3 to 40"),
                                           ("bad name", "long enough", "3 to 40"), ("bob", "short", "at least 6")):
            with pytest.raises(BadUserInput, match=reason):
                await authenticate(project, username, password, register=True)
        assert await _scalar(project, 'SELECT count(*) FROM public."account"') == 1

        # A deleted account's token stops working.
        await _scalar(project, 'DELETE FROM public."account" WHERE id = %s RETURNING 1', account["id"])
        project.services["auth"].forget(account["id"])
        with pytest.raises(InvalidToken):
            await session_from_token(project, token)

    run_with_project(db_server, sample_with(tmp_path), scenario)


def test_injection_in_username_is_inert(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        with pytest.raises(BadUserInput):
            await authenticate(project, INJECTION, "whatever123", register=True)
        with pytest.raises(LoginFailed, match="wrong username or password"):
            await authenticate(project, INJECTION, "whatever123")
        assert await _scalar(project, "SELECT to_regclass('public.\"order\"') IS NOT NULL") is True
        assert await _scalar(project, 'SELECT count(*) FROM public."account"') == 0

    run_with_project(db_server, sample_with(tmp_path), scenario)


def test_failed_logins_back_off_without_locking_forever(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        await authenticate(project, "carol", "right-password", register=True)
        # Guesses in parallel queue on the (username, address) counter: every one is counted.
        results = await asyncio.gather(*(authenticate(project, "carol", f"guess-{i}") for i in range(5)), return_exceptions=True)
        assert all(isinstance(r, LoginFailed) and r.message == "wrong username or password" for r in results), results
        assert await _scalar(project, "SELECT failed_attempts FROM minimomen.login_failure WHERE key = %s", PAIR) == 5

        # Now even the right password is refused until the back-off has passed ...
        with pytest.raises(LoginFailed, match=r"too many attempts, try again in 1 s") as info:
            await authenticate(project, "carol", "right-password")
        assert info.value.extra["retry_after_seconds"] == 1
        await asyncio.sleep(1.2)
        # ... after which a wrong one doubles the wait, and a right one resets the count.
        with pytest.raises(LoginFailed, match="wrong username or password"):
            await authenticate(project, "carol", "guess-again")
        with pytest.raises(LoginFailed, match=r"try again in 2 s"):
            await authenticate(project, "carol", "right-password")
        await asyncio.sleep(2.2)
        await authenticate(project, "carol", "right-password")
        assert await _scalar(project, "SELECT count(*) FROM minimomen.login_failure WHERE key = %s", PAIR) == 0

        # The wait is bounded: 60 s at most, however many failures.
        await _scalar(project, "INSERT INTO minimomen.login_failure VALUES (%s, 500, now() - interval '30 s') RETURNING 1", PAIR)
        with pytest.raises(LoginFailed, match=r"try again in (29|30) s"):
            await authenticate(project, "carol", "right-password")
        await _scalar(project, "UPDATE minimomen.login_failure SET last_failed_at = now() - interval '61 s' WHERE key = %s RETURNING 1", PAIR)
        await authenticate(project, "carol", "right-password")

    assert throttle.backoff_seconds(4) == 0 and throttle.backoff_seconds(5) == 1 and throttle.backoff_seconds(50) == 60
    run_with_project(db_server, sample_with(tmp_path), scenario)


def _with_roles(data: dict[str, Any]) -> None:
    data["roles"] = [{"id": "role_vip", "name": "vip"}, {"id": "role_support", "name": "support"}]


def test_roles_are_granted_and_revoked_at_once(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        account, token = await authenticate(project, "dave", "password1", register=True)
        assert (await session_from_token(project, token)).roles == ("user",)
        changed = await assign_role(project, account["id"], "vip")
        assert changed["roles"] == ["user", "vip"]
        assert (await session_from_token(project, token)).roles == ("user", "vip"), "same token, new role, no wait"
        await assign_role(project, account["id"], "vip")  # idempotent
        relogged, _ = await authenticate(project, "dave", "password1")
        assert relogged["roles"] == ["user", "vip"]
        assert (await remove_role(project, account["id"], "vip"))["roles"] == ["user"]
        assert (await session_from_token(project, token)).roles == ("user",)
        for role in ("user", "anonymous", "admin", "nonexistent"):
            with pytest.raises(BadUserInput, match="is not a custom role"):
                await assign_role(project, account["id"], role)
        with pytest.raises(NotFound):
            await assign_role(project, 999_999, "vip")

    run_with_project(db_server, sample_with(tmp_path, _with_roles), scenario)


def test_admin_token_is_exact_and_rotation_bites(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        old = project.secrets.admin_token
        assert (await session_from_token(project, old)).is_admin
        flipped = old[:-1] + ("A" if old[-1] != "A" else "B")
        for wrong in (flipped, old + "x", old[:-1], " " + old):
            with pytest.raises(InvalidToken):
                await session_from_token(project, wrong)
        # Rotate behind this process's back, as `minimomen token --rotate` does from another process.
        from runtime.secrets import rotate_admin_token

        new = await asyncio.to_thread(rotate_admin_token, project.conninfo)
        assert new != old
        await asyncio.sleep(ADMIN_REFRESH_MIN_INTERVAL)
        assert (await session_from_token(project, new)).is_admin, "the new token works (almost) at once"
        # The old one stops working within the cache's lifetime.
        await asyncio.sleep(ADMIN_TOKEN_TTL_SECONDS)
        with pytest.raises(InvalidToken):
            await session_from_token(project, old)
        assert (await session_from_token(project, new)).is_admin

    run_with_project(db_server, sample_with(tmp_path), scenario)


def test_simulated_login(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        created = await simulate_login(project, create=True, ttl_minutes=5)
        assert created["account"]["username"].startswith("test_") and created["expires_at"]
        session = await session_from_token(project, created["token"])
        assert session.account_id == created["account"]["id"]
        by_name = await simulate_login(project, username=created["account"]["username"])
        assert by_name["account"]["id"] == created["account"]["id"]
        named = await simulate_login(project, username="preview_user", create=True)
        assert named["account"]["username"] == "preview_user"
        with pytest.raises(NotFound):
            await simulate_login(project, account_id=424242)
        with pytest.raises(BadUserInput):
            await simulate_login(project, account_id=1, ttl_minutes=0)
        # Nobody can log in to a simulated account with a password.
        with pytest.raises(LoginFailed):
            await authenticate(project, "preview_user", "")

    run_with_project(db_server, sample_with(tmp_path), scenario)


def test_guesses_from_one_address_never_refuse_the_owner_elsewhere(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        await authenticate(project, "dave", "right-password", register=True, address="10.0.0.1")
        for i in range(8):
            with pytest.raises(LoginFailed):
                await authenticate(project, "dave", f"guess-{i}", address="10.9.9.9")
        # The attacker's address waits even with the right password ...
        with pytest.raises(LoginFailed, match="too many attempts"):
            await authenticate(project, "dave", "right-password", address="10.9.9.9")
        # ... the owner's does not; and an unknown name is throttled the same way (no probing for accounts).
        account, _ = await authenticate(project, "Dave", "right-password", address="10.0.0.1")
        assert account["username"] == "dave"
        for i in range(6):
            with pytest.raises(LoginFailed):
                await authenticate(project, "nobody_at_all", f"guess-{i}", address="10.9.9.8")
        with pytest.raises(LoginFailed, match="too many attempts"):
            await authenticate(project, "nobody_at_all", "x", address="10.9.9.8")
        # Usernames are unique regardless of case.
        with pytest.raises(BadUserInput, match="already taken"):
            await authenticate(project, "DAVE", "another-password", register=True)

    run_with_project(db_server, sample_with(tmp_path), scenario)


def test_an_address_guessing_many_names_is_slowed(db_server, tmp_path: Path) -> None:
    async def scenario(project: Any) -> None:
        await authenticate(project, "erin", "right-password", register=True)
        for i in range(throttle.ADDRESS_THRESHOLD):
            with pytest.raises(LoginFailed, match="wrong username"):
                await authenticate(project, f"name{i}", "guess", address="10.7.7.7")
        with pytest.raises(LoginFailed, match="too many attempts"):
            await authenticate(project, "erin", "right-password", address="10.7.7.7")
        await authenticate(project, "erin", "right-password", address="10.0.0.2")

    run_with_project(db_server, sample_with(tmp_path), scenario)
