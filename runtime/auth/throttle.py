"""Login throttling that an attacker cannot turn against the owner of an account.

Failures are counted in ``minimomen.login_failure`` (shared by every worker) under two
keys: the pair (lower-cased username, client address) and the client address alone.
An attempt is refused without checking the password only when *its own* address has
been failing: for this username (``PAIR_THRESHOLD`` failures, then a wait of 1, 2, 4 ...
up to ``MAX_DELAY_SECONDS`` s after the last one) or for many usernames
(``ADDRESS_THRESHOLD`` failures, the same doubling wait). A correct password from an
address that has not been failing is never refused, however many guesses come from
elsewhere. Failures older than ``FORGET_AFTER_SECONDS`` no longer count. The pair row is
locked while the password is checked, so parallel guesses from one address queue up
and are all counted. Unknown usernames are counted like known ones, so the notice does
not tell whether an account exists.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from psycopg import AsyncConnection

from runtime.system_tables import SCHEMA

PAIR_THRESHOLD = 5
ADDRESS_THRESHOLD = 30
MAX_DELAY_SECONDS = 60
FORGET_AFTER_SECONDS = 15 * 60
UNKNOWN_ADDRESS = "unknown"


def backoff_seconds(failed_attempts: int, threshold: int = PAIR_THRESHOLD) -> float:
    """How long after the last failure the next attempt must wait."""
    if failed_attempts < threshold:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, 2 ** (failed_attempts - threshold)))


def pair_key(username: str, address: str | None) -> str:
    return f"pair:{username.lower()}\x1f{address or UNKNOWN_ADDRESS}"


def address_key(address: str | None) -> str:
    return f"addr:{address or UNKNOWN_ADDRESS}"


@dataclass(frozen=True)
class Verdict:
    wait_seconds: int  # 0: go ahead and check the password


async def _wait_for(conn: AsyncConnection, key: str, threshold: int, lock: bool) -> float:
    cur = await conn.execute(
        f"""SELECT failed_attempts, coalesce(extract(epoch FROM clock_timestamp() - last_failed_at), 1e9)::float8
            FROM {SCHEMA}.login_failure WHERE key = %s{" FOR UPDATE" if lock else ""}""",
        (key,),
    )
    row = await cur.fetchone()
    if row is None:
        return 0.0
    failed, since_last = int(row[0]), max(0.0, float(row[1]))
    if since_last > FORGET_AFTER_SECONDS:
        return 0.0
    return backoff_seconds(failed, threshold) - since_last


async def check(conn: AsyncConnection, username: str, address: str | None) -> Verdict:
    """Inside the caller's transaction: lock this pair's counter and say whether to wait."""
    pair = pair_key(username, address)
    await conn.execute(
        f"INSERT INTO {SCHEMA}.login_failure (key, failed_attempts) VALUES (%s, 0) ON CONFLICT (key) DO NOTHING", (pair,)
    )
    # clock_timestamp, not now(): a transaction that queued on the row lock started
    # before the failure it waited for was recorded.
    wait = max(await _wait_for(conn, pair, PAIR_THRESHOLD, lock=True),
               await _wait_for(conn, address_key(address), ADDRESS_THRESHOLD, lock=False))
    return Verdict(max(1, math.ceil(wait)) if wait > 0 else 0)


_COUNT = f"""INSERT INTO {SCHEMA}.login_failure AS f (key, failed_attempts, last_failed_at) VALUES (%s, 1, clock_timestamp())
    ON CONFLICT (key) DO UPDATE SET
        failed_attempts = CASE WHEN f.last_failed_at IS NULL
                                 OR f.last_failed_at < clock_timestamp() - make_interval(secs => %s) THEN 1
                               ELSE f.failed_attempts + 1 END,
        last_failed_at = clock_timestamp()"""


async def record_failure(conn: AsyncConnection, username: str, address: str | None) -> None:
    for key in (pair_key(username, address), address_key(address)):
        await conn.execute(_COUNT, (key, FORGET_AFTER_SECONDS))
    if random.random() < 0.01:  # housekeeping, not security: forget stale counters now and then
        await conn.execute(
            f"DELETE FROM {SCHEMA}.login_failure WHERE last_failed_at < clock_timestamp() - make_interval(secs => %s)",
            (FORGET_AFTER_SECONDS,),
        )


async def record_success(conn: AsyncConnection, username: str, address: str | None) -> None:
    """A right password clears its pair's count (the address's stays: it may be guessing other names)."""
    await conn.execute(f"DELETE FROM {SCHEMA}.login_failure WHERE key = %s", (pair_key(username, address),))
