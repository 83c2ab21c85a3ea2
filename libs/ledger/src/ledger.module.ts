import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { BalanceService } from './application/balance.service';
import { LedgerAuditor } from './application/ledger-auditor';
import { PostingService } from './application/posting.service';
import { BalanceCalculator } from './domain/balance.calculator';
import { Hold } from './domain/hold.entity';
import { JournalEntry } from './domain/journal-entry.entity';
import { Operation } from './domain/operation.entity';
import { HoldRepository } from './persistence/hold.repository';
import { JournalRepository } from './persistence/journal.repository';
import { LedgerWriter } from './persistence/ledger.writer';
import { LedgerAuditQuery } from './persistence/ledger-audit.query';
import { OperationRepository } from './persistence/operation.repository';

@Module({
  imports: [MikroOrmModule.forFeature([JournalEntry, Operation, Hold])],
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
