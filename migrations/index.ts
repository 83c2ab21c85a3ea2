import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261124232354_initial } from './Migration20261124232354_initial';
import { Migration20261124234851_ledger_guarantees } from './Migration20261124234851_ledger_guarantees';
import { Migration20261125003120_wallet_pending_holds } from './Migration20261125003120_wallet_pending_holds';
import { Migration20261127161519_admin_tools } from './Migration20261127161519_admin_tools';
import { Migration20261127170000_hold_expiry } from './Migration20261127170000_hold_expiry';
import { Migration20261127170500_usernames } from './Migration20261127170500_usernames';
import { Migration20261128090000_rate_limits } from './Migration20261128090000_rate_limits';
import { Migration20261203150000_admin_demote } from './Migration20261203150000_admin_demote';
import { Migration20261203180000_partial_reversals } from './Migration20261203180000_partial_reversals';
import { Migration20261203181000_admin_round_two } from './Migration20261203181000_admin_round_two';

/**
 * Every committed migration, in order. Listed explicitly so that the built
 * service and the TypeScript tests load the same migrations without globbing.
 * `make migration name=...` writes a new file: add it here.
 */
export const migrationsList: MigrationObject[] = [
  { name: 'Migration20261124232354_initial', class: Migration20261124232354_initial },
  { name: 'Migration20261124234851_ledger_guarantees', class: Migration20261124234851_ledger_guarantees },
  { name: 'Migration20261125003120_wallet_pending_holds', class: Migration20261125003120_wallet_pending_holds },
  { name: 'Migration20261127161519_admin_tools', class: Migration20261127161519_admin_tools },
  { name: 'Migration20261127170000_hold_expiry', class: Migration20261127170000_hold_expiry },
  { name: 'Migration20261127170500_usernames', class: Migration20261127170500_usernames },
  { name: 'Migration20261128090000_rate_limits', class: Migration20261128090000_rate_limits },
  { name: 'Migration20261203150000_admin_demote', class: Migration20261203150000_admin_demote },
  { name: 'Migration20261203180000_partial_reversals', class: Migration20261203180000_partial_reversals },
  { name: 'Migration20261203181000_admin_round_two', class: Migration20261203181000_admin_round_two },
];
