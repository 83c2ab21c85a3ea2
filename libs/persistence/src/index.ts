export { MoneyType } from './money.type';
export {
  constraintName,
  isLockTimeout,
  isTransientConflict,
  sqlStateOf,
  isDatabaseUnavailable,
  isConnectionLost,
  databaseUnavailable,
  DatabaseUnavailableError,
  isRefusedValue,
  refusedValue,
  RefusedValueError,
} from './driver-errors';
export { ConflictRetryObserver } from './conflict-retry.observer';
export {
  conflictNotRetried,
  retryOnConflict,
  RetriesExhaustedError,
  type RetryOptions,
  type PersistenceErrorCode,
} from './retry';
export {
  startEmbeddedPostgres,
  takeOverEmbeddedPostgresSignals,
  createDatabaseIfMissing,
  embeddedPasswordFiles,
  quoteIdent,
  type RunningPostgres,
  type EmbeddedPostgresOptions,
} from './embedded-postgres';
export { migrateUnderLock } from './migrate';
export { waitForDatabase, DatabaseUnreachableError, type WaitForDatabaseOptions } from './wait-for-database';
export { ormOptions, DATABASE_TIMEOUTS, type OrmParams } from './orm.options';
export { PersistenceModule } from './persistence.module';
export { UnitOfWork } from './unit-of-work';
export { BackgroundJobs } from './background-jobs';
export {
  resolveDatabase,
  describeDatabase,
  EmbeddedServerUnreachableError,
  type ResolvedDatabase,
} from './resolve-database';
export { Statements, statement, oneOff, queryConfig, type Statement } from './statements';
export { CoalescedReads, type CoalescedReadStats } from './coalesced-reads';
export {
  SERVICE_TIMEOUTS,
  SHOWN_SERVICE_TIMEOUTS,
  applyServiceTimeouts,
  checkServiceSession,
  serviceStartupParameters,
  type Pooler,
} from './session-settings';
export {
  ReplicaReads,
  WritePositions,
  ReplicaReadObserver,
  type ReadTarget,
  type ClientPosition,
  type RoutedReadOptions,
} from './replicas/replica-reads';
export { ReplicaSet, type ReplicaStatus, parseLsn, formatLsn } from './replicas/replica-set';
