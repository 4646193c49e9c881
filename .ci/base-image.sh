#!/usr/bin/env bash
# Build the local base image `localhost/debian:bookworm-slim` from Debian's own packages with
# debootstrap (minbase), without a Docker daemon or any container registry, and import it into the
# podman/buildah image store. Idempotent: does nothing when the image is already there.
#
#   bash .ci/base-image.sh            # build once per machine (~30-60 s)
#   BASE_IMAGE=... bash .ci/base-image.sh
#
# Needs root (debootstrap, the system image store). Installs podman, buildah, debootstrap and runc
# from Debian when missing. The mirror is the one apt on this machine already uses.
set -euo pipefail
BASE_IMAGE="${BASE_IMAGE:-localhost/debian:bookworm-slim}"
SUITE="${BASE_SUITE:-bookworm}"

log() { printf 'base-image: %s\n' "$*" >&2; }

need_tools() {
    local missing=() pkg
    for pkg in podman buildah debootstrap runc; do
        command -v "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

apt_mirror() {
    local m=""
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        m=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources)
    fi
    if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
        m=$(awk '$1=="deb"{for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' /etc/apt/sources.list)
    fi
    [ -n "$m" ] || { log "cannot find the apt mirror of this machine"; exit 1; }
    printf '%s\n' "$m"
}

need_tools

if buildah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
    log "$BASE_IMAGE already present; nothing to do"
    exit 0
fi

MIRROR=$(apt_mirror)
WORK=$(mktemp -d /tmp/journey-base.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
start=$(date +%s)
log "debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase "$SUITE" "$WORK/rootfs" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 \
    || { tail -20 "$WORK/debootstrap.log" >&2; exit 1; }
# apt sources of the image: the suites this machine uses (bookworm, -updates, -security), with the
# host's release name replaced by $SUITE; debootstrap alone writes only `deb <mirror> bookworm main`.
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    HOST_CODENAME=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
    python3 - "$SUITE" "$HOST_CODENAME" >"$WORK/sources.list" <<'PY' || true
import sys
suite, host = sys.argv[1], sys.argv[2]
for stanza in open("/etc/apt/sources.list.d/debian.sources").read().split("\n\n"):
    fields = {}
    for line in stanza.splitlines():
        if ":" in line and not line.startswith(("#", " ")):
            key, value = line.split(":", 1)
            fields[key.strip()] = value.split()
    if "deb" not in fields.get("Types", []):
        continue
    for uri in fields.get("URIs", []):
        for s in fields.get("Suites", []):
            s = s.replace(host, suite, 1) if host else s
            print(f"deb {uri} {s} {' '.join(fields.get('Components', ['main']))}")
PY
    if grep -q "^deb .* $SUITE " "$WORK/sources.list" 2>/dev/null; then
        cp "$WORK/sources.list" "$WORK/rootfs/etc/apt/sources.list"
    fi
fi
chroot "$WORK/rootfs" apt-get clean
rm -rf "$WORK/rootfs/var/lib/apt/lists/"* "$WORK/rootfs/var/cache/apt/"*.bin
# Slim it like the official image: no man pages, docs or locales (dpkg excludes future installs too).
cat >"$WORK/rootfs/etc/dpkg/dpkg.cfg.d/docker-slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
CFG
find "$WORK/rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
rm -rf "$WORK/rootfs/usr/share/man/"* "$WORK/rootfs/usr/share/info/"* 2>/dev/null || true
find "$WORK/rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
# apt inside image builds: no recommends, no suggests by default.
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$WORK/rootfs/etc/apt/apt.conf.d/99journey-no-recommends"
tar -C "$WORK/rootfs" -c . | podman import --change 'CMD ["/bin/bash"]' - "$BASE_IMAGE" >/dev/null
log "imported $BASE_IMAGE in $(( $(date +%s) - start )) s"
podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' "$BASE_IMAGE" >&2
