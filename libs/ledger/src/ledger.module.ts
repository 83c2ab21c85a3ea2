import { MikroOrmModule } from '@mikro-orm/nestjs';
import { type DynamicModule, Module } from '@nestjs/common';
import { BalanceService } from './application/balance.service';
import { AUDIT_OPTIONS, type AuditOptions, LedgerAuditor } from './application/ledger-auditor';
import { PostingService } from './application/posting.service';
import { BalanceCalculator } from './domain/balance.calculator';
import { Hold } from './domain/hold.entity';
import { JournalEntry } from './domain/journal-entry.entity';
import { HoldRepository } from './persistence/hold.repository';
import { JournalRepository } from './persistence/journal.repository';
import { LedgerWriter } from './persistence/ledger.writer';
import { LedgerAuditQuery } from './persistence/ledger-audit.query';
import { OperationRepository } from './persistence/operation.repository';

@Module({
  imports: [MikroOrmModule.forFeature([JournalEntry, Hold])],
  providers: [
    BalanceCalculator,
    BalanceService,
    PostingService,
    OperationRepository,
    HoldRepository,
    LedgerAuditQuery,
    LedgerAuditor,
    LedgerWriter,
    JournalRepository,
  ],
  exports: [
    BalanceCalculator,
    BalanceService,
    PostingService,
    OperationRepository,
    HoldRepository,
    JournalRepository,
    LedgerAuditor,
  ],
})
export class LedgerModule {}

/** Holds the composition root's audit settings, visible to LedgerModule wherever it is imported. */
@Module({})
class LedgerAuditOptionsModule {}

/**
 * The audit's settings (its time limit, AUDIT_TIMEOUT_SECONDS), given once by
 * the composition root beside LedgerModule; without them (the command line)
 * the auditor takes the configuration's default.
 */
export function ledgerAuditOptions(options: AuditOptions): DynamicModule {
  return {
    module: LedgerAuditOptionsModule,
    global: true,
    providers: [{ provide: AUDIT_OPTIONS, useValue: options }],
    exports: [AUDIT_OPTIONS],
  };
}
