#!/usr/bin/env bash
# The two quick-start commands of the README, on a fresh Debian 12 machine (run as root or with sudo):
#   bash scripts/dev.sh serve   install what the site needs and serve it on http://127.0.0.1:8000/
#   bash scripts/dev.sh test    install what the tests need (chromium, PostgreSQL), run the gates
#                               (ruff, mypy) and then the tests; JOURNEY_LINT=0 skips the gates
#   bash scripts/dev.sh lint    only the gates: ruff check and mypy, as configured in pyproject.toml
# .ci/run calls `bash scripts/dev.sh test`, so CI runs exactly what the README says.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV="${JOURNEY_VENV:-$ROOT/.venv}"
export DEBIAN_FRONTEND=noninteractive

need_apt() {  # install Debian packages that are not there yet
    local missing=()
    for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
    if [ ${#missing[@]} -gt 0 ]; then
        local SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
        $SUDO apt-get update -qq
        $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

venv() {  # the project's virtualenv with the given extras
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q --disable-pip-version-check -e ".[$1]"
}

lint() {  # the type and lint gates; configuration in pyproject.toml ([tool.ruff], [tool.mypy])
    "$VENV/bin/ruff" check
    "$VENV/bin/mypy"
}

case "${1:-}" in
lint)
    need_apt python3-venv
    venv test
    lint
    ;;
serve)
    need_apt binutils cpp python3-venv universal-ctags
    venv serve
    shift
    exec "$VENV/bin/journey" serve "$@"
    ;;
test)
    # gcc: the differential test compiles the 2.6.31 Host C for i386 (-m32 -ffreestanding: no multilib needed)
    need_apt binutils cpp gcc python3-venv universal-ctags make chromium postgresql nginx-light wrk
    venv test
    shift
    [ "${JOURNEY_LINT:-1}" = 0 ] || lint
    PGDIR=$(mktemp -d /tmp/journey-pg.XXXXXX)
    trap 'bash .ci/postgres.sh stop "$PGDIR" >/dev/null 2>&1 || true; rm -rf "$PGDIR"' EXIT
    export JOURNEY_TEST_POSTGRES_URL
    # The container image test (buildah/podman, ~70 s from cold) is part of the suite; =0 skips it.
    export JOURNEY_CONTAINER_TEST="${JOURNEY_CONTAINER_TEST:-1}"
    JOURNEY_TEST_POSTGRES_URL=$(bash .ci/postgres.sh start "$PGDIR")
    "$VENV/bin/python" -m pytest "$@"
    ;;
*)
    echo "usage: bash scripts/dev.sh serve [--host H --port P] | test [pytest args] | lint" >&2
    exit 2
    ;;
esac
