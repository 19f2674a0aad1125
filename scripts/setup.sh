# Sourced by scripts/start and scripts/test: an idempotent set-up of the Python environment.
# Creates .venv when missing and (re)installs the package only when pyproject.toml changed.
# MINIMOMEN_EXTRAS selects optional dependencies (scripts/test uses "test").

set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

PYTHON="${PYTHON:-python3}"
VENV="$REPO/.venv"
EXTRAS="${MINIMOMEN_EXTRAS:-}"

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "error: '$*' needs root" >&2; return 1; fi
}

apt_install() {
    # `apt-get update` only when the plain install fails (fresh image with empty lists).
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" \
        || { as_root apt-get update && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"; }
}

if ! command -v "$PYTHON" >/dev/null; then
    echo "setting up: installing python3…" >&2
    apt_install python3 python3-venv
fi

if [ ! -x "$VENV/bin/python" ]; then
    echo "setting up: creating $VENV…" >&2
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        apt_install python3-venv
        "$PYTHON" -m venv "$VENV"
    fi
fi

target="."
[ -n "$EXTRAS" ] && target=".[$EXTRAS]"
stamp="$VENV/.minimomen-installed"
wanted="$(cat pyproject.toml; echo "$target")"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "setting up: pip install -e $target…" >&2
    "$VENV/bin/python" -m pip install --quiet -e "$target"
    printf '%s' "$wanted" > "$stamp"
fi
