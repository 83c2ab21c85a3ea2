#!/bin/sh
# Entrypoint of the router image (deploy/ha/haproxy.Dockerfile): the check's password into libpq
# password files (mode 0600, or libpq ignores them), one for HAProxy's user (its external check gets no
# environment) and one for root (the container's health check), then HAProxy in the foreground; it
# drops to the haproxy user itself.
set -eu
: "${HAPROXY_CHECK_PASSWORD:?HAPROXY_CHECK_PASSWORD must be set}"
mkdir -p /run/haproxy-check
umask 077
for owner in haproxy root; do
  printf '*:*:postgres:haproxy_check:%s\n' "$HAPROXY_CHECK_PASSWORD" > "/run/haproxy-check/pgpass.$owner"
  chown "$owner:" "/run/haproxy-check/pgpass.$owner"
done
chmod 711 /run/haproxy-check
unset HAPROXY_CHECK_PASSWORD
# Under tini (the image's entrypoint): SIGTERM stops HAProxy at once.
exec haproxy -db -f /etc/haproxy/haproxy.cfg "$@"
