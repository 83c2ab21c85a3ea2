import type { EntryType } from '../domain/journal-entry.entity';

/**
 * Told of every journal entry PostingService writes, so that something
 * outside the ledger (metrics) can count them without the ledger knowing
 * what does. Optional: the composition root binds it (libs/observability);
 * without a binding nothing is told.
 *
 * An entry is reported when it is written inside the use case's transaction,
 * before that transaction commits: a use case that fails after posting (rare:
 * its answer could not be recorded) is rolled back but was counted.
 */
export abstract class PostingObserver {
  abstract entryPosted(type: EntryType): void;
}
