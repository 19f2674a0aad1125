"""Password hashing (argon2) and the rules for usernames and passwords.

Hashing is deliberately slow, so it runs in a worker thread: the event loop
keeps serving other requests while one login is being checked.
"""

from __future__ import annotations

import asyncio
import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from runtime.types import BadUserInput

USERNAME_PATTERN = re.compile(r"[A-Za-z0-9._-]{3,40}")
PASSWORD_MIN_LENGTH = 6
PASSWORD_MAX_LENGTH = 256  # argon2 copes with more; this bounds the work one request can ask for

_HASHER = PasswordHasher()  # stateless and thread-safe: parameters only, no mutable state
# Verified against when the username is unknown, so both failures cost the same time.
_DUMMY_HASH = _HASHER.hash("minimomen-dummy-password")


def check_username(username: str) -> str:
    """The username, or BadUserInput saying which rule it breaks."""
    if not isinstance(username, str) or not USERNAME_PATTERN.fullmatch(username):
        raise BadUserInput("a username is 3 to 40 characters: letters, digits, dot, underscore or hyphen")
    return username


def check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < PASSWORD_MIN_LENGTH:
        raise BadUserInput(f"a password has at least {PASSWORD_MIN_LENGTH} characters")
    if len(password) > PASSWORD_MAX_LENGTH:
        raise BadUserInput(f"a password has at most {PASSWORD_MAX_LENGTH} characters")
    return password


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_HASHER.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; with no hash, spend the same time and say no."""
    if password_hash is None:
        await asyncio.to_thread(_verify, _DUMMY_HASH, password)
        return False
    return await asyncio.to_thread(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's defaults."""
    try:
        return _HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
