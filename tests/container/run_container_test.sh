#!/usr/bin/env bash
# Container test without a Docker daemon: build the image (buildah, chroot isolation), run the
# server inside it and check it over HTTP on 127.0.0.1, then clean up only what this script started.
#
#   bash tests/container/run_container_test.sh            (as root; JOURNEY_CONTAINER_SKIP_BUILD=1 reuses the image)
#
# Phases (each timed):
#   1. base image (.ci/base-image.sh, once per machine) + app image (deploy/build-image.sh)
#   2. buildah run --isolation chroot (shares the host network): gunicorn bound to 127.0.0.1:<free port>
#      as the image's non-root user; /healthz, a chapter page, and a real cpp+as+ld build in the image
#   3. podman run with the image's own CMD (0.0.0.0:8000 inside), published on 127.0.0.1:<free port>,
#      read-only root with only /tmp writable (--read-only --tmpfs /tmp), the image's HEALTHCHECK,
#      non-root uid; skipped with a notice when podman cannot run containers on this machine.
# Network traffic only to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
IMAGE="${JOURNEY_IMAGE:-localhost/lguest-journey:ctest}"
CHAPTER="${JOURNEY_CONTAINER_CHAPTER:-G-033}"
TAG="journey-ctest-$$"
PODMAN_RUN=(podman run --runtime runc --ulimit nofile=1024:1024 --ulimit nproc=1024:1024)

T0=$(date +%s%N)
elapsed() { local ms=$(( ($(date +%s%N) - $1) / 1000000 )); printf '%d.%d' $((ms / 1000)) $((ms % 1000 / 100)); }
say() { printf 'container-test: %s\n' "$*" >&2; }
FAILMSG=""
fail() { FAILMSG="$*"; say "FAIL: $*"; exit 1; }

BPID=""; CTR=""; CTR_ROOT=""; PODNAME=""; LOGDIR=$(mktemp -d /tmp/journey-ctest.XXXXXX)

descendants() {  # PID -> every process below it (ours: started by this script)
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$child"; descendants "$child"; done
}

stop_buildah_server() {
    # buildah run answers SIGTERM by killing its direct child only, which would orphan gunicorn's
    # workers (chroot isolation: no PID namespace). So stop the gunicorn master itself (graceful:
    # it stops its workers), let buildah run exit, then end any process of that tree still alive.
    [ -n "$BPID" ] || return 0
    local tree master
    tree=$(descendants "$BPID")
    master=$(cat "$CTR_ROOT/tmp/gunicorn.pid" 2>/dev/null || true)
    if [ -n "$master" ] && grep -qx "$master" <<<"$tree"; then kill -TERM "$master" 2>/dev/null || true; fi
    for _ in $(seq 150); do kill -0 "$BPID" 2>/dev/null || break; sleep 0.1; done
    kill -TERM "$BPID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$BPID" 2>/dev/null || break; sleep 0.1; done
    local pid
    for pid in $tree "$BPID"; do kill -KILL "$pid" 2>/dev/null || true; done
    wait "$BPID" 2>/dev/null || true
    BPID=""
}

cleanup() {
    local rc=$?
    stop_buildah_server
    [ -n "$CTR_ROOT" ] && buildah umount "$CTR" >/dev/null 2>&1 || true
    [ -n "$CTR" ] && buildah rm "$CTR" >/dev/null 2>&1 || true
    [ -n "$PODNAME" ] && podman rm -f -t 5 "$PODNAME" >/dev/null 2>&1 || true
    if [ $rc -ne 0 ]; then
        for f in "$LOGDIR"/*.log; do [ -s "$f" ] && { say "--- $f"; tail -40 "$f" >&2; }; done
        say "FAIL: ${FAILMSG:-exit status $rc}"
    fi
    rm -rf "$LOGDIR"
    exit $rc
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# http_get URL -> prints "STATUS BYTES" and stores body + headers in $LOGDIR/last.{body,headers}
http_get() {
    python3 - "$1" "$LOGDIR" <<'PY'
import sys, urllib.request, urllib.error
url, out = sys.argv[1], sys.argv[2]
try:
    resp = urllib.request.urlopen(url, timeout=10)
    status, body, headers = resp.status, resp.read(), resp.headers
except urllib.error.HTTPError as e:
    status, body, headers = e.code, e.read(), e.headers
except Exception as e:
    status, body, headers = 0, str(e).encode(), {}
open(f"{out}/last.body", "wb").write(body)
open(f"{out}/last.headers", "w").write("".join(f"{k}: {v}\n" for k, v in headers.items()))
print(status, len(body))
PY
}

wait_healthy() {  # URL PID-or-empty SECONDS
    local url=$1 pid=$2 limit=$3 t
    t=$(date +%s%N)
    for _ in $(seq $((limit * 10))); do
        if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then fail "server exited before answering $url"; fi
        read -r status _ < <(http_get "$url")
        if [ "$status" = 200 ]; then say "healthy after $(elapsed "$t") s: $url"; return 0; fi
        sleep 0.1
    done
    fail "no 200 from $url within $limit s"
}

check_site() {  # BASE-URL LABEL
    local base=$1 label=$2 status bytes
    read -r status bytes < <(http_get "$base/healthz")
    [ "$status" = 200 ] || fail "$label /healthz -> $status"
    grep -q '"status"' "$LOGDIR/last.body" || fail "$label /healthz body: $(cat "$LOGDIR/last.body")"
    grep -qi "^content-security-policy: default-src 'self'" "$LOGDIR/last.headers" || fail "$label: no CSP header"
    say "$label GET /healthz -> 200 $(cat "$LOGDIR/last.body")"
    read -r status bytes < <(http_get "$base/chapters/$CHAPTER")
    if [ "$status" = 200 ]; then
        grep -q 'html' "$LOGDIR/last.body" || fail "$label /chapters/$CHAPTER is not HTML"
        grep -q "${CHAPTER/-/:}" "$LOGDIR/last.body" || fail "$label /chapters/$CHAPTER does not mention ${CHAPTER/-/:}"
        say "$label GET /chapters/$CHAPTER -> 200 ($bytes bytes)"
        # the stylesheets it links are packaged in the image
        local asset
        for asset in $(grep -o '"/static/[^"]*"' "$LOGDIR/last.body" | tr -d '"' | sort -u); do
            read -r status bytes < <(http_get "$base$asset")
            [ "$status" = 200 ] && [ "$bytes" -gt 0 ] || fail "$label $asset -> $status ($bytes bytes)"
            say "$label GET $asset -> 200 ($bytes bytes)"
        done
    elif [ "$HAS_CHAPTER_ROUTE" = 1 ]; then
        fail "$label /chapters/$CHAPTER -> $status although the app has a /chapters/ route"
    else
        say "$label GET /chapters/$CHAPTER -> $status (NOTE: the app has no chapter pages yet; checked /api/versions instead)"
        read -r status bytes < <(http_get "$base/api/versions")
        [ "$status" = 200 ] || fail "$label /api/versions -> $status"
        say "$label GET /api/versions -> 200 $(cat "$LOGDIR/last.body")"
    fi
}

[ "$(id -u)" = 0 ] || fail "run as root (buildah/podman use the system image store)"

# ---- 1. images ---------------------------------------------------------------------------------
if [ "${JOURNEY_CONTAINER_SKIP_BUILD:-0}" = 1 ] && buildah inspect --type image "$IMAGE" >/dev/null 2>&1; then
    say "reusing image $IMAGE"
else
    t=$(date +%s%N)
    bash "$ROOT/deploy/build-image.sh" -t "$IMAGE" >"$LOGDIR/build.log" 2>&1 || { tail -40 "$LOGDIR/build.log" >&2; fail "image build"; }
    grep '^build-image:' "$LOGDIR/build.log" >&2 || true
    say "TIMING images (base + wheelhouse + build): $(elapsed "$t") s"
fi
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$IMAGE" >&2 || true

# ---- 2. buildah run (chroot isolation, host network) ---------------------------------------------
t=$(date +%s%N)
CTR=$(buildah from --pull=never --name "$TAG-b" "$IMAGE")
run_in() { buildah run --isolation chroot "$@"; }
uid=$(run_in "$CTR" -- python -c 'import os; print(os.getuid())')
[ "$uid" = 10001 ] || fail "image runs as uid $uid, expected the non-root 10001"
HAS_CHAPTER_ROUTE=$(run_in "$CTR" -- python -c '
from journey_app.web import create_app
print(int(any(r.rule.startswith("/chapters/") for r in create_app().url_map.iter_rules())))' 2>"$LOGDIR/routes.log")
say "image user uid=$uid; app has /chapters/ route: $HAS_CHAPTER_ROUTE"
# edit-and-run needs the real toolchain in the image: build the bundled kernel with cpp + as + ld
run_in "$CTR" -- python -c '
import pathlib, tempfile
from journey_app import paths
from journey_app.toolchain import BuildStore
tmp = pathlib.Path(tempfile.mkdtemp())
b = BuildStore(tmp / "cache", prebuilt_dir=tmp / "none").build_kernel(paths.bundled_content_root() / "kernels" / "2.6.31", "2.6.31")
assert b.origin == "built", b.origin
print(f"toolchain build in image: origin={b.origin} entry={b.entry:#x} symbols={len(b.symbols)}")' >&2 \
    || fail "toolchain build inside the image"
PORT=$(free_port)
CTR_ROOT=$(buildah mount "$CTR")
buildah run --isolation chroot -e JOURNEY_HOST=127.0.0.1 -e JOURNEY_PORT="$PORT" -e WEB_CONCURRENCY=2 "$CTR" -- \
    /venv/bin/gunicorn --config python:journey_app.web.gunicorn_conf --pid /tmp/gunicorn.pid \
    'journey_app.web:create_app()' >"$LOGDIR/buildah-run.log" 2>&1 &
BPID=$!
wait_healthy "http://127.0.0.1:$PORT/healthz" "$BPID" 60
say "TIMING buildah run start to healthy: $(elapsed "$t") s (includes the in-image toolchain build)"
check_site "http://127.0.0.1:$PORT" "buildah-run"
grep -q 'GET /healthz' "$LOGDIR/buildah-run.log" || fail "no access log line on stdout"
if grep -qi 'control socket' "$LOGDIR/buildah-run.log"; then fail "gunicorn control socket was not disabled"; fi
t=$(date +%s%N)
stop_buildah_server
grep -q 'Shutting down: Master' "$LOGDIR/buildah-run.log" || fail "gunicorn did not shut down gracefully"
say "TIMING graceful stop: $(elapsed "$t") s"
buildah umount "$CTR" >/dev/null; CTR_ROOT=""
buildah rm "$CTR" >/dev/null; CTR=""

# ---- 3. podman run: the image's own CMD, read-only root, published port, HEALTHCHECK ----------------
if ! "${PODMAN_RUN[@]}" --rm --network none "$IMAGE" true >"$LOGDIR/podman-probe.log" 2>&1; then
    say "NOTE: podman cannot run containers here ($(tail -1 "$LOGDIR/podman-probe.log")); read-only phase skipped"
else
    t=$(date +%s%N)
    PORT=$(free_port)
    PODNAME="$TAG-ro"
    net=(-p "127.0.0.1:$PORT:8000")
    if ! "${PODMAN_RUN[@]}" -d --name "$PODNAME" --read-only --tmpfs /tmp:rw,noexec,nosuid,nodev,size=256m \
            --health-interval disable "${net[@]}" "$IMAGE" >"$LOGDIR/podman-run.log" 2>&1; then
        say "NOTE: published port failed ($(tail -1 "$LOGDIR/podman-run.log")); using --network host on 127.0.0.1:$PORT"
        podman rm -f "$PODNAME" >/dev/null 2>&1 || true
        "${PODMAN_RUN[@]}" -d --name "$PODNAME" --read-only --tmpfs /tmp:rw,noexec,nosuid,nodev,size=256m \
            --health-interval disable --network host -e JOURNEY_HOST=127.0.0.1 -e JOURNEY_PORT="$PORT" "$IMAGE" >"$LOGDIR/podman-run.log" 2>&1 \
            || fail "podman run"
    fi
    for _ in $(seq 600); do
        read -r status _ < <(http_get "http://127.0.0.1:$PORT/healthz")
        [ "$status" = 200 ] && break
        [ "$(podman inspect -f '{{.State.Running}}' "$PODNAME" 2>/dev/null)" = true ] || { podman logs "$PODNAME" >&2 || true; fail "container exited"; }
        sleep 0.1
    done
    [ "$status" = 200 ] || { podman logs "$PODNAME" >&2; fail "podman container never healthy"; }
    say "TIMING podman run (read-only root) start to healthy: $(elapsed "$t") s"
    check_site "http://127.0.0.1:$PORT" "podman-ro"
    # the root really is read-only, /tmp is writable, and the process is not root
    podman exec "$PODNAME" sh -c 'awk "\$2 == \"/\" {print \$4}" /proc/mounts | grep -q "^ro"' \
        || fail "root filesystem is not mounted read-only"
    podman exec "$PODNAME" sh -c 'test -d /tmp/journey-cache || mkdir -p /tmp/journey-cache; touch /tmp/journey-cache/.probe' \
        || fail "/tmp not writable"
    [ "$(podman exec "$PODNAME" id -u)" = 10001 ] || fail "container process is root"
    # /tmp is noexec (compose's and docker's tmpfs default): the write-log hook compiled at image build loads
    podman exec "$PODNAME" python -c '
from journey_app.guest.writelog import native_status
ok, how = native_status()
assert ok, how
print("guest write log:", how)' >&2 || fail "the prebuilt native write log does not load on a noexec /tmp"
    # the submissions store migrates (Alembic files are in the wheel) and writes under /tmp;
    # the PostgreSQL driver of compose.yaml's DATABASE_URL is installed
    podman exec "$PODNAME" python -c '
import sqlalchemy, psycopg
from journey_app.settings import Settings
url = Settings.from_env().database_url
try:
    from journey_app.labs.store import SubmissionStore
except ImportError:
    print("submissions store: not there yet; psycopg", psycopg.__version__)
else:
    store = SubmissionStore(url)
    print("submissions store migrated at", url, "rows:", len(store.submissions()), "psycopg", psycopg.__version__)
    store.close()' >&2 || fail "submissions store on a read-only root"
    if podman exec "$PODNAME" sh -c 'ls -a /tmp/.gunicorn /nonexistent 2>/dev/null' | grep -q ctl; then fail "control socket created"; fi
    if podman healthcheck run "$PODNAME" >"$LOGDIR/healthcheck.log" 2>&1; then
        say "podman healthcheck run -> healthy (the image's HEALTHCHECK)"
    else
        fail "image HEALTHCHECK failed: $(cat "$LOGDIR/healthcheck.log")"
    fi
    workers=$(podman exec "$PODNAME" sh -c 'for f in /proc/[0-9]*/cmdline; do tr "\0" " " <"$f" 2>/dev/null; echo; done | grep -c "^/venv/bin/python3\? /venv/bin/gunicorn"' || true)
    say "gunicorn processes in the container (master + workers): $workers"
    podman rm -f -t 10 "$PODNAME" >/dev/null 2>&1; PODNAME=""
fi

say "TIMING total: $(elapsed "$T0") s"
say "PASS"
