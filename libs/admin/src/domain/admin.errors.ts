import { DomainError } from '@app/errors';

/** Codes of the failures the admin tools raise themselves; each has its HTTP spec in http/admin-error.table.ts. */
export type AdminErrorCode = 'ID_NOT_FOUND';

/** GET /v1/admin/lookup/{id}: no user, wallet or journal entry has this id. */
export class IdNotFoundError extends DomainError<AdminErrorCode> {
  readonly code = 'ID_NOT_FOUND';
  constructor() {
    super('No user, wallet or transfer has this id.');
  }
}
