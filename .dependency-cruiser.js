/**
 * The architecture, written down and checked (`make deps`, part of `make test`).
 * Dependencies point one way: http -> application -> domain, persistence -> domain;
 * admin -> transfers -> wallets -> ledger -> money; auth imports no other feature;
 * nothing imports apps/ (but libs/testing boots the API's composition root);
 * libs/observability is imported by the composition root only;
 * libs/testing only from tests; cross-lib imports go
 * through each lib's index.ts (the @app/<lib> alias).
 */
const FEATURES = 'auth|wallets|transfers|ledger|admin';

module.exports = {
  forbidden: [
    { name: 'no-circular', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'nothing-imports-apps',
      comment: 'apps are composition roots; libraries and other apps never import them',
      severity: 'error',
      from: { path: '^(libs|apps/([^/]+))/', pathNot: '^libs/testing/' },
      to: { path: '^apps/', pathNot: '^apps/$2/' },
    },
    {
      name: 'admin-console-stands-alone',
      comment: 'the console runs in the browser as plain ES modules: no server code, no package (it talks to the API over HTTP only)',
      severity: 'error',
      from: { path: '^apps/admin-console/' },
      to: { pathNot: '^apps/admin-console/' },
    },
    {
      name: 'testing-boots-only-the-api-composition-root',
      comment:
        'the test context boots the real API as main.ts does: AppModule and configureApp, nothing else of apps/',
      severity: 'error',
      from: { path: '^libs/testing/' },
      to: { path: '^apps/', pathNot: '^apps/api/src/(app\\.module|error\\.table|bootstrap/configure-app)\\.ts$' },
    },
    {
      name: 'schema-only-from-apps',
      comment: '@app/schema lists every entity: only composition roots use it',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/schema/' },
      to: { path: '^libs/schema/' },
    },
    {
      name: 'idempotency-from-routes-and-use-cases',
      comment:
        'a route opts in with @Idempotent() and hands its keyed request over (@KeyedBy(), from http/); the use case ' +
        'claims the key and records the answer in its own unit of work (IdempotencyService, from application/); a ' +
        "feature's module imports IdempotencyKeysModule. Domain and persistence never see keys; libs/http must not " +
        'import it (idempotency builds on libs/http); libs/observability binds its observer',
      severity: 'error',
      from: {
        path: '^libs/',
        pathNot: [
          '^libs/(schema|idempotency|observability)/',
          '^libs/[^/]+/src/(http|application)/',
          '^libs/[^/]+/src/[^/]+\\.module\\.ts$',
        ],
      },
      to: { path: '^libs/idempotency/' },
    },
    {
      name: 'observability-only-from-composition',
      comment:
        'logs, readiness and metrics are wired by the composition root; the libraries it observes declare observer ' +
        'interfaces (PostingObserver, ConflictRetryObserver, IdempotencyObserver) and never import it',
      severity: 'error',
      from: { path: '^libs/', pathNot: '^libs/(observability|testing)/' },
      to: { path: '^libs/observability/' },
    },
    {
      name: 'telemetry-packages-only-in-observability',
      comment: 'prom-client, pino and terminus stay behind libs/observability (the ledger knows no metrics library)',
      severity: 'error',
      from: { path: '^(libs|apps)/', pathNot: '^libs/observability/' },
      to: { path: 'node_modules/(prom-client|pino|pino-http|pino-pretty|nestjs-pino|@nestjs/terminus)/' },
    },
    {
      name: 'builders-only-from-specs',
      comment: "a lib's *.builder.ts makes test data for the unit specs beside it (which this check leaves out): no code imports it",
      severity: 'error',
      from: {},
      to: { path: '\\.builder\\.ts$' },
    },
    {
      name: 'testing-only-from-tests',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: '^libs/testing/' },
      to: { path: '^libs/testing/' },
    },
    {
      name: 'only-through-index',
      comment: 'another lib is imported through its index.ts (@app/<lib>), never by a deep path',
      severity: 'error',
      from: { path: '^(apps|libs)/([^/]+)/' },
      to: { path: '^libs/[^/]+/src/', pathNot: ['^libs/$2/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'auth-imports-no-feature',
      severity: 'error',
      from: { path: '^libs/auth/' },
      to: { path: `^libs/(${FEATURES})/`, pathNot: '^libs/auth/' },
    },
    {
      name: 'ledger-below-wallets-and-transfers',
      severity: 'error',
      from: { path: '^libs/ledger/' },
      to: { path: '^libs/(wallets|transfers|auth)/' },
    },
    {
      name: 'admin-on-top',
      comment: 'operators act through the features; no feature depends on the admin tools',
      severity: 'error',
      from: { path: '^libs/(auth|wallets|transfers|ledger)/' },
      to: { path: '^libs/admin/' },
    },
    {
      name: 'wallets-below-transfers',
      severity: 'error',
      from: { path: '^libs/wallets/' },
      to: { path: '^libs/transfers/' },
    },
    {
      name: 'money-stands-alone',
      comment: 'the Money value type: decimal.js only, no Nest, no ORM, no other lib',
      severity: 'error',
      from: { path: '^libs/money/' },
      to: { pathNot: ['^libs/money/', 'decimal\\.js'] },
    },
    {
      name: 'shared-kernel-imports-no-feature',
      severity: 'error',
      from: { path: '^libs/(errors|config|persistence|http|idempotency)/' },
      to: { path: `^libs/(${FEATURES})/` },
    },
    {
      name: 'domain-knows-no-http',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/(domain|application|persistence)/' },
      to: {
        path: [
          '^libs/[^/]+/src/http/',
          '^libs/http/',
          'node_modules/(express|@nestjs/swagger|@nestjs/platform-express|passport)',
        ],
      },
    },
    {
      name: 'domain-knows-no-application-or-persistence',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/domain/' },
      to: { path: '^libs/[^/]+/src/(application|persistence)/' },
    },
    {
      name: 'persistence-knows-no-application',
      severity: 'error',
      from: { path: '^libs/[^/]+/src/persistence/' },
      to: { path: '^libs/[^/]+/src/application/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.spec\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
