/**
 * Test support (tests only): one test context (app, database, builders,
 * ledger invariants) and the helpers it is made of. Server-bound builders and
 * database checks are methods of the context; what needs only a registered
 * user (its agent) is also exported as a plain function.
 */
export { TestContext, useTestContext, type TestContextOptions, type LogLine } from './test-context';
export {
  testDatabaseEnv,
  databaseUrl,
  workerDatabaseUrl,
  scratchDatabase,
  pooledForTest,
  applyServiceTimeoutsTo,
  type TestDatabaseEnv,
} from './test-database';
export { ensurePgBouncer, reconnectPgBouncerServers, startPgBouncer, type PgBouncer } from './pgbouncer';
export {
  balanceOf,
  uniqueUsername,
  operationsOf,
  deposit,
  transfer,
  fundsOf,
  placeHold,
  snapshot,
  type RegisteredUser,
  type OperationJson,
  type OperationsPageJson,
  type HoldJson,
} from './builders';
export {
  cents,
  money,
  ledgerViolations,
  type LedgerSnapshot,
  type OperationRow,
  type WalletRow,
} from './ledger-invariants';
export * from './expected-failures';
export { expectAnswer } from './expect-answer';
export { type PlanNode } from './query-plans';
export { seededRandom } from './seeded-random';
export { TcpProxy } from './tcp-proxy';
export type { ErrorReason } from './error-reasons';
export { wireStatementsDuring, renderStatements, type WireStatement } from './wire-statements';
export { until, lockWaiters } from './waits';
export { runTypeScript, freePort, type ProcessRun } from './processes';
export { StreamingPair } from './streaming-replica';
