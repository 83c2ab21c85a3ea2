import type { ErrorSpec } from '@app/http';
import type { AuthErrorCode } from '../domain/auth.errors';

/** What auth's failures mean on the wire; a code missing here fails the type check. */
export const AUTH_ERRORS = {
  AUTHENTICATION_REQUIRED: { status: 401, code: 'UNAUTHORIZED' },
  ADMIN_REQUIRED: { status: 403, code: 'FORBIDDEN' },
  INVALID_CREDENTIALS: { status: 401, code: 'UNAUTHORIZED' },
  USERNAME_TAKEN: { status: 400, code: 'BAD_REQUEST' },
  INVALID_USERNAME: { status: 422, code: 'UNPROCESSABLE_ENTITY', bindsNoIdempotencyKey: true },
  WEAK_PASSWORD: { status: 422, code: 'UNPROCESSABLE_ENTITY', bindsNoIdempotencyKey: true },
  PASSWORDS_DIFFER: { status: 422, code: 'UNPROCESSABLE_ENTITY' },
  TOO_MANY_LOGIN_ATTEMPTS: { status: 429, code: 'TOO_MANY_REQUESTS' },
  TOO_MANY_REGISTRATIONS: { status: 429, code: 'TOO_MANY_REQUESTS' },
} satisfies Record<AuthErrorCode, ErrorSpec>;
