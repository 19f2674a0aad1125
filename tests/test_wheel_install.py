"""A wheel built from the checkout, installed into a fresh virtualenv outside it, serves the designer and the presets.

The wheel is installed without its dependencies, which come from the test
environment's site-packages through a path entry placed after the new
environment's own (so ``builder`` and ``runtime`` are imported from the wheel).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
import time
import venv
from pathlib import Path

import httpx

from tests.conftest import DESIGNER_TOKEN, REPO, free_port, unique_prefix


def _run(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_a_wheel_in_a_fresh_virtualenv_serves_the_designer_and_presets(tmp_path: Path, db_server) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist", REPO, cwd=outside)
    wheel = next((tmp_path / "dist").glob("minimomen-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    _run(python, "-m", "pip", "install", "-q", "--no-deps", "--no-index", wheel, cwd=outside)
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=outside).strip())
    (site / "zz_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = _run(python, "-c", "import builder, runtime; print(builder.__file__); print(runtime.__file__)", cwd=outside, env=clean)
    assert str(REPO) not in where and str(site) in where, where

    port = free_port()
    workspace = outside / "ws"
    env = dict(clean, DATABASE_URL=db_server.url, MINIMOMEN_DB_PREFIX=unique_prefix(), MINIMOMEN_DESIGNER_TOKEN=DESIGNER_TOKEN)
    log = open(outside / "server.log", "wb")  # noqa: SIM115 - the server owns it
    server = subprocess.Popen([str(env_dir / "bin" / "minimomen"), "serve", "--workspace", str(workspace), "--port", str(port)],
                              cwd=outside, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None and time.monotonic() < deadline, (outside / "server.log").read_text()
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
            index = client.get(f"/designer/?token={DESIGNER_TOKEN}")
            assert index.status_code == 200 and "/designer/js/app.js" in index.text
            script = client.get("/designer/js/app.js")
            assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript") and "import" in script.text
            assert client.get("/designer/css/designer.css").status_code == 200
            presets = client.get("/api/presets").json()
            assert len(presets["presets"]) >= 3, presets
            first = presets["presets"][0]["id"]
            assert client.get(f"/api/presets/{first}").status_code == 200
            assert {s["slug"] for s in client.get("/api/samples").json()["samples"]} >= {"inventory_deduction"}
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        log.close()
