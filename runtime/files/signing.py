"""Signed, expiring file URLs: ``/p/<slug>/files/<asset id>?v=<variant>&e=<expiry>&s=<hmac>``.

The URL is made inside the SQL that reads the row holding the file
(``minimomen.file_url``), so it exists only for a role that may read that row and
column; guessing another id, changing the variant or extending the expiry breaks the
HMAC-SHA256 signature. The key is derived from the project's JWT secret; the SQL
function computes the same HMAC from the key's inner/outer pads kept in
``minimomen.file_signing`` (written at project start), so both sides agree.

Expiry is rounded to the hour (1–2 h ahead), so a page shows the same URL for an hour
and browsers can cache the image.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time

import psycopg

from runtime.system_tables import ASSET_DDL, SCHEMA
from runtime.system_tables import FILE_URL_BUCKET_SECONDS as URL_BUCKET_SECONDS

SPEC = re.compile(r"^(|w\d{1,4}-h\d{1,4}-(cover|contain|fill))$")


def file_key(jwt_secret: str) -> bytes:
    return hmac.new(jwt_secret.encode(), b"minimomen file urls", hashlib.sha256).digest()


def signature(key: bytes, asset_id: int, spec: str, expires: int) -> str:
    return hmac.new(key, f"{asset_id}|{spec}|{expires}".encode(), hashlib.sha256).hexdigest()


def signed_path(slug: str, key: bytes, asset_id: int, spec: str = "", expires: int | None = None) -> str:
    """The same URL the SQL function makes (used by uploads' answers and tests)."""
    if expires is None:
        expires = (int(time.time()) // URL_BUCKET_SECONDS + 2) * URL_BUCKET_SECONDS
    return f"/p/{slug}/files/{asset_id}?v={spec}&e={expires}&s={signature(key, asset_id, spec, expires)}"


def verify(key: bytes, asset_id: int, spec: str, expires: str, given: str, now: float | None = None) -> str | None:
    """None when the URL is genuine and current, else why not (for the 403 answer)."""
    if not SPEC.match(spec) or not expires.isdigit():
        return "This file link is not valid"
    if not hmac.compare_digest(signature(key, asset_id, spec, int(expires)), given):
        return "This file link is not valid"
    if int(expires) < (time.time() if now is None else now):
        return "This file link has expired; read the row again for a fresh one"
    return None


def pads(key: bytes) -> tuple[bytes, bytes]:
    block = key.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)


def install_file_signing(conninfo: str, slug: str, jwt_secret: str) -> None:
    """Write the URL prefix and the key's pads for ``minimomen.file_url`` (idempotent)."""
    inner, outer = pads(file_key(jwt_secret))
    with psycopg.connect(conninfo, autocommit=True) as conn, conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('minimomen:system-ddl'))")
        for statement in ASSET_DDL:
            conn.execute(statement)  # type: ignore[arg-type]
        conn.execute(
            f"INSERT INTO {SCHEMA}.file_signing (one, prefix, ipad, opad) VALUES (true, %s, %s, %s) "
            "ON CONFLICT (one) DO UPDATE SET prefix = EXCLUDED.prefix, ipad = EXCLUDED.ipad, opad = EXCLUDED.opad",
            (f"/p/{slug}/files/", inner, outer),
        )
