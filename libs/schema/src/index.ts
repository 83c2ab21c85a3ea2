import { User } from '@app/auth';
import { IdempotencyKey } from '@app/idempotency';
import { Hold, JournalEntry } from '@app/ledger';
import { Wallet } from '@app/wallets';
import { AdminAction } from '@app/admin';

/**
 * Every entity of the schema, registered explicitly with MikroORM by the
 * processes (API, CLI, tests). Explicit rather than Nest's autoLoadEntities,
 * whose static registry is cleared when an application closes, which breaks
 * a second application in the same process (tests restart the API).
 *
 * `operations` has no entity: only the money batch's statements write it and
 * only statements read it (README, "One rule for SQL"); its shape is pinned by
 * test/e2e/schema.e2e-spec.ts instead.
 */
export const ENTITIES = [User, Wallet, JournalEntry, Hold, IdempotencyKey, AdminAction];
