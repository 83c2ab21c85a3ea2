import { User } from '@app/auth';
import { IdempotencyKey } from '@app/idempotency';
import { Hold, JournalEntry, Operation } from '@app/ledger';
import { Wallet } from '@app/wallets';
import { AdminAction } from '@app/admin';

/**
 * Every entity of the schema, registered explicitly with MikroORM by the
 * processes (API, CLI, tests). Explicit rather than Nest's autoLoadEntities,
 * whose static registry is cleared when an application closes, which breaks
 * a second application in the same process (tests restart the API).
 */
export const ENTITIES = [User, Wallet, JournalEntry, Operation, Hold, IdempotencyKey, AdminAction];
