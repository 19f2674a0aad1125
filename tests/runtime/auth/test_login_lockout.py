"""The lock-out attack over HTTP: an attacker guessing from one address never keeps the owner out.

The attacker connects from 127.0.0.2, the owner from 127.0.0.1 (both loopback).
"""

from __future__ import annotations

import time

import httpx

from tests.conftest import LiveServer

LOGIN = "mutation($u: String!, $p: String!, $r: Boolean) { authenticateWithUsername(username: $u, password: $p, register: $r) { jwt { token } } }"


def _client(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30)


def _login(client: httpx.Client, server: LiveServer, username: str, password: str, register: bool = False) -> dict:
    return client.post(server.graphql_url(), json={"query": LOGIN, "variables": {"u": username, "p": password, "r": register}}).json()


def test_an_attacker_cannot_lock_the_owner_out(live_server: LiveServer) -> None:
    with _client("127.0.0.1") as owner, _client("127.0.0.2") as attacker:
        assert "errors" not in _login(owner, live_server, "owner_x", "the-right-password", register=True)
        owner_ok = owner_refused = attacker_slowed = 0
        deadline = time.monotonic() + 8
        while time.monotonic() < deadline:  # 4 wrong guesses a second, the owner logging in between
            for _ in range(4):
                answer = _login(attacker, live_server, "owner_x", "a-wrong-guess")
                attacker_slowed += "too many attempts" in answer["errors"][0]["message"]
            answer = _login(owner, live_server, "owner_x", "the-right-password")
            if "errors" in answer:
                owner_refused += 1
            else:
                owner_ok += 1
            time.sleep(0.25)
        assert owner_refused == 0 and owner_ok >= 2, (owner_ok, owner_refused)
        assert attacker_slowed > 0
        # From the attacker's address even the right password waits; the notice is the same for an unknown name.
        for _ in range(3):
            _login(attacker, live_server, "owner_x", "a-wrong-guess")
        assert "too many attempts" in _login(attacker, live_server, "owner_x", "the-right-password")["errors"][0]["message"]
        for _ in range(6):
            _login(attacker, live_server, "no_such_user", "guess")
        assert "too many attempts" in _login(attacker, live_server, "no_such_user", "guess")["errors"][0]["message"]
