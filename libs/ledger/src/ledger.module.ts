import { MikroOrmModule } from '@mikro-orm/nestjs';
import { Module } from '@nestjs/common';
import { BalanceService } from './application/balance.service';
import { PostingService } from './application/posting.service';
import { BalanceCalculator } from './domain/balance.calculator';
import { JournalEntry } from './domain/journal-entry.entity';
import { Operation } from './domain/operation.entity';
import { LedgerAuditQuery } from './persistence/ledger-audit.query';
import { OperationRepository } from './persistence/operation.repository';

@Module({
  imports: [MikroOrmModule.forFeature([JournalEntry, Operation])],
  providers: [BalanceCalculator, BalanceService, PostingService, OperationRepository, LedgerAuditQuery],
  exports: [BalanceCalculator, BalanceService, PostingService, OperationRepository, LedgerAuditQuery],
})
export class LedgerModule {}
