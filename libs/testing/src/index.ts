/**
 * Test support (tests only): one test context (app, database, builders,
 * ledger invariants) and the helpers it is made of.
 */
export { TestContext, useTestContext, type TestContextOptions } from './test-context';
export { testDatabaseEnv, databaseUrl, workerDatabaseUrl, type TestDatabaseEnv } from './test-database';
export {
  registerUser,
  fundedUser,
  balanceOf,
  uniqueUsername,
  operationsOf,
  deposit,
  transfer,
  depositsAtOneMoment,
  fundsOf,
  placeHold,
  type RegisteredUser,
  type OperationJson,
  type OperationsPageJson,
  type HoldJson,
} from './builders';
export {
  cents,
  money,
  connectDb,
  readLedger,
  runAudit,
  ledgerViolations,
  expectSoundLedger,
  type LedgerSnapshot,
  type OperationRow,
  type WalletRow,
} from './ledger-invariants';
export * from './expected-failures';
export { expectAnswer } from './expect-answer';
export { nodesOf, planOf, queriesDuring, type PlanNode } from './query-plans';
export { seededRandom } from './seeded-random';
export { createTestApp, type TestApp } from './test-app';
