# The PostgreSQL nodes and the monitor of the HA layout (deploy/ha/docker-compose.ha.yml):
# pg_auto_failover 2.0 from Debian's packages on top of postgres:15-bookworm (whose
# layers, PostgreSQL 15 included, it shares; where no registry is reachable that
# is the stand-in from scripts/container/standin-bases.sh, built on the same
# debootstrap base). One image, two roles: `pgaf-entrypoint.sh monitor` or `node`.
FROM docker.io/library/postgres:15-bookworm
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
 && apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      postgresql-15-auto-failover pg-auto-failover-cli openssl \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin \
 && pg_autoctl version
# PGDATA and pg_autoctl's own files (~/.config/pg_autoctl, ~/.local/share/pg_autoctl) on one volume.
# LANG: pg_autoctl's initdb takes the encoding from the locale (UTF8, as the single-node image's).
ENV PGDATA=/var/lib/postgresql/pgaf \
    HOME=/var/lib/postgresql \
    LANG=C.UTF-8
COPY pgaf-entrypoint.sh /usr/local/bin/pgaf-entrypoint.sh
COPY primary-init.sql /usr/local/share/pgaf/primary-init.sql
ENTRYPOINT ["pgaf-entrypoint.sh"]
STOPSIGNAL SIGTERM
EXPOSE 5432
