import type { ErrorSpec } from '@app/http';
import type { AdminErrorCode } from '../domain/admin.errors';

/** What the admin tools' own failures mean on the wire; a code missing here fails the type check. */
export const ADMIN_ERRORS = {
  ID_NOT_FOUND: { status: 404, code: 'NOT_FOUND' },
} satisfies Record<AdminErrorCode, ErrorSpec>;
