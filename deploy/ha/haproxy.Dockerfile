# The router of the HA layout (deploy/ha/docker-compose.ha.yml): Debian's HAProxy 2.6
# on top of postgres:15-bookworm (shared layers; psql for the external check that
# finds the writable primary). TCP to PostgreSQL, HTTP to the two API instances.
FROM docker.io/library/postgres:15-bookworm
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends haproxy tini \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && haproxy -v | head -1
COPY haproxy.cfg /etc/haproxy/haproxy.cfg
COPY pg-writable-check.sh /usr/local/bin/pg-writable-check
COPY haproxy-entrypoint.sh /usr/local/bin/haproxy-entrypoint.sh
# tini as PID 1: HAProxy leaves SIGTERM at its default action (exit at once), which the kernel does not
# deliver to a namespace's init; as tini's child it gets it. (As master and worker, -W, its soft stop
# waited on the API's pooled connections past hard-stop-after: `stop` waited for SIGKILL either way.)
ENTRYPOINT ["tini", "--", "haproxy-entrypoint.sh"]
STOPSIGNAL SIGTERM
EXPOSE 5432 8080
