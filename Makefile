# The interface a person reads: each target calls one npm script (test-container: one script under scripts/).
# Needs only Node.js >= 20 and make. Without DATABASE_URL an embedded
# PostgreSQL is started (data in ./.data for `run`, a throw-away one for tests).

.PHONY: run test test-e2e test-browser test-long test-faults test-failover test-container bench migrate migration admin demote-admin end-sessions audit build lint deps install clean

STAMP := node_modules/.install-stamp

run: install build ## install, build, apply pending migrations, start the API (PORT, default 8080)
	npm run --silent start

test: install ## type check, dependency rules, unit and e2e tests on a real PostgreSQL
	npm run --silent test

test-e2e: install
	npm run --silent test:e2e

test-browser: install ## the browser specs only: Swagger UI and the admin console in headless Chromium
	npm run --silent test:browser

test-long: install ## the model-based property test with many more cases (MODEL_RUNS, default 300)
	npm run --silent test:long

test-faults: install ## kill an API instance, restart and freeze PostgreSQL under keyed load; check nothing acknowledged is lost or posted twice
	npm run --silent test:faults

test-failover: install ## pg_auto_failover (monitor, two nodes) behind HAProxy: SIGKILL the primary node under keyed load, it rejoins; nothing lost or posted twice (root; skipped, saying why, elsewhere)
	npm run --silent test:failover

test-container: ## build the image, run docker-compose.yml on rootful podman and walk the API (skipped, saying why, where podman cannot run)
	scripts/test-container.sh

bench: install ## measure the service against pgbench, a bare Express and the seed's design, with issue 18's targets (BENCH_QUICK=1: short run)
	npm run --silent bench

migrate: install build ## apply pending migrations to DATABASE_URL (or the embedded database)
	npm run --silent cli -- migrate

migration: install ## write a migration for the entity changes: make migration name=add-holds
	@test -n "$(name)" || (echo "usage: make migration name=<name>" && exit 2)
	npm run --silent migration:create -- $(name)

admin: install build ## create an admin: ADMIN_USERNAME=... ADMIN_PASSWORD=... make admin (an existing user: its password, or ADMIN_PROMOTE=1)
	npm run --silent cli -- admin

demote-admin: install build ## make an admin a user again and end all their sessions: make demote-admin user=ops-alice
	@test -n "$(user)" || (echo "usage: make demote-admin user=<username>" && exit 2)
	npm run --silent cli -- admin:demote "$(user)"

end-sessions: install build ## end every session of a user (their cookies answer 401): make end-sessions user=alice
	@test -n "$(user)" || (echo "usage: make end-sessions user=<username>" && exit 2)
	npm run --silent cli -- sessions:end "$(user)"

audit: install ## npm audit of the dependencies; says so plainly when the advisory service cannot be reached
	npm run --silent audit

# Built only when something it is built from changed since the last build (a restart of `make run` with
# nothing edited goes straight to starting the API); TypeScript's incremental build then redoes only what changed.
# The build writes over dist/ in place and never deletes it, so a running API keeps serving the console.
BUILD_STAMP := dist/.build-stamp
BUILD_INPUTS := $(shell find apps libs migrations -type f \( -name '*.ts' -o -name '*.html' -o -name '*.css' \) \
	-not -name '*.spec.ts' -not -path 'libs/testing/*' 2> /dev/null) \
	package.json package-lock.json tsconfig.json tsconfig.build.json nest-cli.json apps/admin-console/tsconfig.app.json

build: install $(BUILD_STAMP)

$(BUILD_STAMP): $(STAMP) $(BUILD_INPUTS)
	npm run --silent build
	@touch $@

lint: install
	npm run --silent lint

deps: install
	npm run --silent deps

install: $(STAMP)

$(STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

clean:
	rm -rf dist node_modules
