#!/usr/bin/env python3
"""Vendor the GraphiQL IDE (npm ``graphiql``, its explorer plugin, React, graphql-ws) into runtime/static/graphiql.

Pinned versions and the registry's sha512 integrity of each package: ``npm pack`` fetches
the tarball, the script refuses it unless its digest matches, then copies the browser
builds (UMD) and each package's licence. ``SHA256SUMS`` lists every vendored file; run
with ``--check`` to verify the committed files against it (no network). The runtime
serves the folder at ``/p/_static/graphiql/``: no CDN is ever contacted.

Usage: scripts/vendor_graphiql.py [--check]
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "runtime" / "static" / "graphiql"

# (package, version, npm dist.integrity, {file in the tarball: vendored name})
PACKAGES = [
    ("react", "18.3.1", "sha512-wS+hAgJShR0KhEvPJArfuPVN1+Hz1t0Y6n5jLrGQbkb4urgPE/0Rve+1kMB1v/oWgHgm4WIcV+i7F2pTVj+2iQ==",
     {"package/umd/react.production.min.js": "react.production.min.js", "package/LICENSE": "LICENSE.react"}),
    ("react-dom", "18.3.1", "sha512-5m4nQKp+rZRb09LNH59GM4BxTh9251/ylbKIbpe7TpGxfJ+9kv6BLkLBXIjjspbgbnIBNqlI23tRnTWT0snUIw==",
     {"package/umd/react-dom.production.min.js": "react-dom.production.min.js", "package/LICENSE": "LICENSE.react-dom"}),
    ("graphiql", "3.8.3", "sha512-cuPDYtXVKV86Pu5PHBX642Odi/uVEE2y1Jxq5rGO/Qy1G2lRp7ZZ7a/T30RzxhuLSWo9zUbzq0P3U49//H0Ugw==",
     {"package/graphiql.min.js": "graphiql.min.js", "package/graphiql.min.css": "graphiql.min.css", "package/LICENSE": "LICENSE.graphiql"}),
    ("@graphiql/plugin-explorer", "3.2.6", "sha512-MXzG/zVNzZfes4Em253bHyAbD/lwwAZkPKvxCAQkjz0i3dtcv4uF3D8iqJ7214iu3SCphbORYZZUC93fik1yew==",
     {"package/dist/index.umd.js": "plugin-explorer.umd.js", "package/dist/style.css": "plugin-explorer.css"}),
    ("graphql-ws", "5.16.2", "sha512-E1uccsZxt/96jH/OwmLPuXMACILs76pKF2i3W861LpKBCYtGIyPQGtWLuBLkND4ox1KHns70e83PS4te50nvPQ==",
     {"package/umd/graphql-ws.min.js": "graphql-ws.min.js", "package/LICENSE.md": "LICENSE.graphql-ws"}),
]


def _sums() -> str:
    files = sorted(p for p in TARGET.iterdir() if p.is_file() and p.name != "SHA256SUMS")
    return "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in files)


def check() -> int:
    expected = (TARGET / "SHA256SUMS").read_text()
    if _sums() != expected:
        print("runtime/static/graphiql does not match SHA256SUMS: run scripts/vendor_graphiql.py", file=sys.stderr)
        return 1
    return 0


def vendor() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for name, version, integrity, files in PACKAGES:
            packed = subprocess.run(["npm", "pack", f"{name}@{version}", "--pack-destination", tmp, "--silent"], check=True,
                                    capture_output=True, text=True).stdout.strip().splitlines()[-1]
            tarball = Path(tmp) / packed
            digest = "sha512-" + base64.b64encode(hashlib.sha512(tarball.read_bytes()).digest()).decode()
            if digest != integrity:
                print(f"{name}@{version}: integrity {digest} is not the pinned {integrity}", file=sys.stderr)
                return 1
            with tarfile.open(tarball) as archive:
                for member, vendored in files.items():
                    extracted = archive.extractfile(member)
                    assert extracted is not None, member
                    (TARGET / vendored).write_bytes(extracted.read())
    (TARGET / "SHA256SUMS").write_text(_sums())
    return 0


if __name__ == "__main__":
    sys.exit(check() if "--check" in sys.argv[1:] else vendor())
