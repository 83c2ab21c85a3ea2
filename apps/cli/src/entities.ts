import { User } from '@app/auth';
import { JournalEntry, Operation } from '@app/ledger';
import { Wallet } from '@app/wallets';

/** Every entity of the schema, for processes that start MikroORM without Nest. */
export const ENTITIES = [User, Wallet, JournalEntry, Operation];
