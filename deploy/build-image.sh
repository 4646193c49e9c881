#!/usr/bin/env bash
# Build the course-site image without a Docker daemon (buildah, chroot isolation) or with docker.
#
#   bash deploy/build-image.sh                       # -> localhost/lguest-journey:latest
#   bash deploy/build-image.sh -t my/tag:1.0
#   bash deploy/build-image.sh --wheels-only         # only fill build/container/ (for `docker build .`)
#   BUILDER=docker bash deploy/build-image.sh        # use a Docker daemon, base debian:bookworm-slim
#
# Steps (each printed with its time):
#   1. base image localhost/debian:bookworm-slim via .ci/base-image.sh (skipped when present; buildah)
#   2. wheelhouse on the host: pip download --only-binary=:all: of the runtime dependencies (from
#      pyproject.toml: dependencies + the `serve` extra + gunicorn + psycopg[binary]) at the versions of
#      constraints.txt (the same as scripts/dev.sh and CI install) for the image's Python (cp311,
#      manylinux x86_64/aarch64), pinned with hashes into build/container/wheels/requirements.txt
#   3. the project's wheel: pip wheel --no-deps . -> build/container/dist/
#   4. buildah bud --isolation chroot --pull=never --format docker (HEALTHCHECK needs docker format)
# pip inside the build cannot verify the package index's certificate here, hence the host wheelhouse.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

TAG="${IMAGE_TAG:-localhost/lguest-journey:latest}"
WHEELS_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        -t|--tag) TAG="$2"; shift 2 ;;
        --wheels-only) WHEELS_ONLY=1; shift ;;
        -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
        *) echo "build-image: unknown argument $1" >&2; exit 2 ;;
    esac
done

BUILDER="${BUILDER:-buildah}"
IMAGE_PYTHON="${IMAGE_PYTHON:-3.11}"          # bookworm's python3
IMAGE_GLIBC_MINOR="${IMAGE_GLIBC_MINOR:-36}"   # bookworm's glibc 2.36
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
    if [ -x "$ROOT/.venv/bin/python" ]; then PYTHON="$ROOT/.venv/bin/python"; else PYTHON=python3; fi
fi
OUT="$ROOT/build/container"

t0=$(date +%s%N)
step() {  # LABEL START-NANOSECONDS
    local ms=$(( ($(date +%s%N) - $2) / 1000000 ))
    printf 'build-image: %-40s %4d.%d s\n' "$1" $((ms / 1000)) $((ms % 1000 / 100)) >&2
}

# 1. base image
if [ "$WHEELS_ONLY" = 0 ] && [ "$BUILDER" = buildah ]; then
    t=$(date +%s%N)
    bash "$ROOT/.ci/base-image.sh"
    step "base image" "$t"
fi

# 2. wheelhouse (pinned)
t=$(date +%s%N)
mkdir -p "$OUT"
NEW=$(mktemp -d "$OUT/wheels.new.XXXXXX")
trap 'rm -rf "$NEW" "${DISTNEW:-}"' EXIT
"$PYTHON" - "$ROOT/pyproject.toml" >"$NEW/requirements.in" <<'PY'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
reqs = list(project.get("dependencies", []))
reqs += project.get("optional-dependencies", {}).get("serve", [])
names = {r.split("[")[0].split(">")[0].split("<")[0].split("=")[0].split("~")[0].strip().lower() for r in reqs}
# The image always serves with gunicorn and can talk to PostgreSQL (DATABASE_URL=postgresql+psycopg://).
if "gunicorn" not in names:
    reqs.append("gunicorn>=22")
if "psycopg" not in names:
    reqs.append("psycopg[binary]>=3.1")
print("\n".join(reqs))
PY
ARCH=$(uname -m)
PLATFORMS=()
for minor in $(seq "$IMAGE_GLIBC_MINOR" -1 17); do PLATFORMS+=(--platform "manylinux_2_${minor}_${ARCH}"); done
PLATFORMS+=(--platform "manylinux2014_${ARCH}")
[ "$ARCH" = x86_64 ] && PLATFORMS+=(--platform manylinux2010_x86_64 --platform manylinux1_x86_64)
"$PYTHON" -m pip download -q --disable-pip-version-check --only-binary=:all: \
    --python-version "$IMAGE_PYTHON" --implementation cp "${PLATFORMS[@]}" \
    -d "$NEW" -r "$NEW/requirements.in" -c "$ROOT/constraints.txt"
# Pin exactly what was downloaded, with hashes (name==version from each wheel's file name): pip
# checks them in the image, and the file changes whenever any wheel does, which is what invalidates
# the image's dependency layer (the wheels themselves are only bind-mounted into that RUN).
(cd "$NEW" && for w in *.whl; do
    IFS=- read -r name version _ <<<"$w"
    printf '%s==%s --hash=sha256:%s\n' "$name" "$version" "$(sha256sum "$w" | cut -d' ' -f1)"
done | sort -f) >"$NEW/requirements.txt"
chmod 755 "$NEW"
rm -f "$NEW/requirements.in"
# Replace the wheelhouse only when it changed, so the image's dependency layer stays cached.
if [ -d "$OUT/wheels" ] && diff -rq "$NEW" "$OUT/wheels" >/dev/null 2>&1; then
    rm -rf "$NEW"
else
    rm -rf "$OUT/wheels" && mv "$NEW" "$OUT/wheels"
fi
step "wheelhouse ($(ls "$OUT/wheels" | grep -c '\.whl$') wheels)" "$t"

# 3. the project's wheel
t=$(date +%s%N)
DISTNEW=$(mktemp -d "$OUT/dist.new.XXXXXX")
# From a clean copy of the tree: setuptools' in-tree build/lib would carry stale files into the wheel.
SRC=$(mktemp -d /tmp/journey-src.XXXXXX)
trap 'rm -rf "$NEW" "${DISTNEW:-}" "${SRC:-}"' EXIT
tar -C "$ROOT" -c --exclude=./.git --exclude=./.venv --exclude='./.venv*' --exclude=./build \
    --exclude=./dist --exclude=./tests --exclude=./bench --exclude='*.egg-info' --exclude=__pycache__ \
    --exclude=.pytest_cache --exclude=.hypothesis --exclude=node_modules --exclude=test-results . \
    | tar -C "$SRC" -x
(cd "$SRC" && "$PYTHON" -m pip wheel -q --disable-pip-version-check --no-deps -w "$DISTNEW" .)
chmod 755 "$DISTNEW"
rm -rf "$OUT/dist" && mv "$DISTNEW" "$OUT/dist"
step "project wheel" "$t"

if [ "$WHEELS_ONLY" = 1 ]; then
    echo "build-image: wheels ready in $OUT (now: docker build -t lguest-journey --build-arg BASE_IMAGE=debian:bookworm-slim .)" >&2
    exit 0
fi

# 4. the image
t=$(date +%s%N)
if [ "$BUILDER" = docker ]; then
    docker build --build-arg "BASE_IMAGE=${BASE_IMAGE:-debian:bookworm-slim}" -t "$TAG" "$ROOT"
else
    OLD_ID=$(buildah inspect --type image --format '{{.FromImageID}}' "$TAG" 2>/dev/null || true)
    buildah bud --isolation chroot --pull=never --layers --format docker \
        ${BASE_IMAGE:+--build-arg "BASE_IMAGE=$BASE_IMAGE"} -t "$TAG" "$ROOT"
    NEW_ID=$(buildah inspect --type image --format '{{.FromImageID}}' "$TAG")
    # The previous build of this tag is now untagged: remove it (kept if a container still uses it).
    if [ -n "$OLD_ID" ] && [ "$OLD_ID" != "$NEW_ID" ]; then buildah rmi "$OLD_ID" >/dev/null 2>&1 || true; fi
fi
step "image $TAG" "$t"
step "total" "$t0"
