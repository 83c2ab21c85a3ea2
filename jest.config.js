/**
 * Three projects: `unit` (libs/**.spec.ts, no I/O), `e2e` (test/**.e2e-spec.ts,
 * the real app on a real PostgreSQL started by the global setup) and `browser`
 * (test/browser/*.browser-spec.ts: the same app listening on a port, driven by
 * a headless Chromium through playwright-core).
 * e2e and browser name the same global setup file, which jest runs once per
 * run however many projects use it: one PostgreSQL serves both.
 * Types are checked once by `npm run typecheck`; ts-jest only transpiles.
 */
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const shared = {
  moduleFileExtensions: ['js', 'json', 'ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testEnvironment: 'node',
};

module.exports = {
  rootDir: __dirname,
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'unit', rootDir: __dirname, testMatch: ['<rootDir>/libs/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'e2e',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/fresh-orm-metadata.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
    {
      ...shared,
      displayName: 'browser',
      rootDir: __dirname,
      testMatch: ['<rootDir>/test/browser/*.browser-spec.ts'],
      setupFiles: ['<rootDir>/test/setup/fresh-orm-metadata.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.ts',
      globalTeardown: '<rootDir>/test/setup/global-teardown.ts',
    },
  ],
};
