export { LedgerModule, ledgerAuditOptions } from './ledger.module';
export { BalanceCalculator } from './domain/balance.calculator';
export { JournalEntry, EntryType, type ReversalStep } from './domain/journal-entry.entity';
export { Operation } from './domain/operation';
export { type LedgerAccount, WalletKind, FUNDING_WALLET_ID } from './domain/ledger-account';
export {
  InsufficientFundsError,
  BalanceLimitExceededError,
  WalletFrozenError,
  AuditInProgressError,
  AuditTimedOutError,
  type LedgerErrorCode,
} from './domain/ledger.errors';
export { LEDGER_ERRORS } from './http/ledger-error.table';
export { OWN_WALLET_FROZEN, destinationWalletFrozen } from './http/ledger-failures.doc';
export { GENESIS_HASH, operationHash, type HashedFields } from './domain/operation-hash';
export { JournalRepository, type EntrySummary, type ReversedSoFar } from './persistence/journal.repository';
export { PostingBatch, PostingService, type Leg, type Posting } from './application/posting.service';
export type { ActionLine } from './persistence/ledger.writer';
export { PostingObserver } from './application/posting.observer';
export { BalanceService } from './application/balance.service';
export {
  OperationRepository,
  type OperationPage,
  type OperationPageQuery,
  type SortOrder,
} from './persistence/operation.repository';
export { Hold, HoldStatus } from './domain/hold.entity';
export { HoldRepository } from './persistence/hold.repository';
export {
  LedgerAuditor,
  type AuditActivity,
  type AuditOptions,
  type LedgerAuditReport,
  type WalletMismatch,
  type ChainBreak,
} from './application/ledger-auditor';
