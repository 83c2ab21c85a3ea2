#!/usr/bin/env bash
# Builds the base images the Dockerfile and docker-compose.yml name, locally,
# for a machine that reaches no container registry (only Debian's mirror and
# the npm registry): a Debian bookworm base from debootstrap, then
#   docker.io/library/node:20-bookworm-slim   (the host's node, npm and CA bundle)
#   docker.io/library/postgres:15-bookworm    (Debian's postgresql-15)
# tagged with the names Docker would use, so that `podman build` and
# docker-compose find them unchanged. Skips an image whose tag exists
# (STANDIN_REBUILD=1 rebuilds all). Rootful podman, set up by
# scripts/test-container.sh. Exit 75: the environment can't (no mirror).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

DEBIAN_BASE=localhost/wallet-ledger-standin/debian:bookworm-minbase
NODE_IMAGE=docker.io/library/node:20-bookworm-slim
POSTGRES_IMAGE=docker.io/library/postgres:15-bookworm
# The mirror apt already uses (DEBIAN_MIRROR overrides).
apt_mirror() {
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null \
    | grep -oE 'https?://[^ ]*/debian/?( |$)' | tr -d ' ' | sed 's,/$,,' | head -1 || true
}
MIRROR="${DEBIAN_MIRROR:-$(apt_mirror)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

have() { [ "${STANDIN_REBUILD:-0}" != 1 ] && podman image exists "$1"; }
# podman build, its output shown only when it fails.
build() {
  local log="$work/build.log"
  podman build --pull=never --format docker --build-arg BASE="$DEBIAN_BASE" "$@" > "$log" 2>&1 || {
    tail -30 "$log" >&2
    return 1
  }
}
work="$(mktemp -d /var/tmp/wallet-ledger-standin.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if ! have "$DEBIAN_BASE"; then
  echo "== stand-in base: debootstrap --variant=minbase bookworm from $MIRROR"
  start=$SECONDS
  if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$MIRROR" > "$work/debootstrap.log" 2>&1; then
    tail -5 "$work/debootstrap.log" >&2
    echo "debootstrap from $MIRROR failed" >&2
    exit 75
  fi
  root="$work/rootfs"
  suite_security="${MIRROR%/debian}/debian-security"
  cat > "$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb $suite_security bookworm-security main
SOURCES
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/* "$root"/tmp/*
  tar -C "$root" -c . | podman import --quiet --change 'CMD ["/bin/bash"]' - "$DEBIAN_BASE" > /dev/null
  rm -rf "$root"
  echo "   $DEBIAN_BASE in $((SECONDS - start)) s"
fi

if ! have "$NODE_IMAGE"; then
  echo "== stand-in $NODE_IMAGE (host node $(node --version))"
  start=$SECONDS
  ctx="$work/node"
  mkdir -p "$ctx"
  cp "$(command -v node)" "$ctx/node"
  cp -r "$(npm root -g)/npm" "$ctx/npm"
  cp /etc/ssl/certs/ca-certificates.crt "$ctx/ca-certificates.crt"
  cp "$here/node-base.Containerfile" "$ctx/Containerfile"
  build -t "$NODE_IMAGE" "$ctx"
  echo "   $NODE_IMAGE in $((SECONDS - start)) s"
fi

# The postgres stand-in is rebuilt when its entrypoint or Containerfile changed since it was built.
POSTGRES_INPUTS="$(cat "$here/postgres.Containerfile" "$here/postgres-entrypoint.sh" | sha256sum | cut -c1-16)"
postgres_current() {
  [ "$(podman image inspect --format '{{index .Labels "wallet-ledger.standin-inputs"}}' "$POSTGRES_IMAGE" 2>/dev/null)" \
    = "$POSTGRES_INPUTS" ]
}
if ! have "$POSTGRES_IMAGE" || ! postgres_current; then
  echo "== stand-in $POSTGRES_IMAGE (Debian's postgresql-15)"
  start=$SECONDS
  ctx="$work/postgres"
  mkdir -p "$ctx"
  cp "$here/postgres.Containerfile" "$ctx/Containerfile"
  cp "$here/postgres-entrypoint.sh" "$ctx/postgres-entrypoint.sh"
  build --label "wallet-ledger.standin-inputs=$POSTGRES_INPUTS" -t "$POSTGRES_IMAGE" "$ctx"
  echo "   $POSTGRES_IMAGE in $((SECONDS - start)) s"
fi
