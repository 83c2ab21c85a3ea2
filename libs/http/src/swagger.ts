import { applyDecorators, type Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiProperty,
  ApiResponse,
  type ApiResponseOptions,
  getSchemaPath,
  type OpenAPIObject,
} from '@nestjs/swagger';
import { ERROR_CODES, type EnvelopeError, type ErrorCode } from './envelope';
import { NON_DOMAIN_REASONS } from './error-response';
import type { ErrorTable } from './error.table';

export class ErrorDto {
  @ApiProperty({ enum: ERROR_CODES, description: 'The kind of failure (contract part A); `reason` tells which one.' })
  code: ErrorCode;

  @ApiProperty({ example: 'Insufficient funds.' })
  message: string;

  @ApiProperty({
    description: 'The request field the error is about, as the client spelled it, or "__all__".',
    example: '__all__',
  })
  target: string;

  // The enum is filled in from the merged error table by `documentErrorReasons`.
  @ApiProperty({
    description: 'The specific failure: a stable SCREAMING_SNAKE name, more precise than `code`.',
    example: 'INSUFFICIENT_FUNDS',
  })
  reason: string;
}

/** Every `reason` an error object may carry: each code of the merged table, then the non-domain ones. */
export function errorReasons(errors: ErrorTable): string[] {
  return [...Object.keys(errors), ...NON_DOMAIN_REASONS.filter((reason) => !(reason in errors))];
}

/**
 * Lists the reasons (`errorReasons`) as the enum of ErrorDto's `reason` in a
 * built OpenAPI document. ErrorDto is declared before the table exists (the
 * features' tables are merged by the composition root), hence after the fact.
 */
export function documentErrorReasons(document: OpenAPIObject, errors: ErrorTable): OpenAPIObject {
  const schema = document.components?.schemas?.[ErrorDto.name] as { properties?: Record<string, object> } | undefined;
  const reason = schema?.properties?.reason as { enum?: string[] } | undefined;
  if (!reason) throw new Error('ErrorDto.reason is missing from the OpenAPI document');
  reason.enum = errorReasons(errors);
  return document;
}

function statusSchema(success: boolean, errors: EnvelopeError[]) {
  return {
    type: 'object',
    required: ['success', 'errors'],
    properties: {
      success: { type: 'boolean', example: success },
      errors: { type: 'array', items: { $ref: getSchemaPath(ErrorDto) }, example: errors },
    },
  };
}

/** Documents a success answer: the envelope with `data` of the given model (or null). */
export function ApiEnvelope(
  model: Type<unknown> | null,
  options: { isArray?: boolean; description?: string; meta?: Type<unknown> } = {},
) {
  const data =
    model === null
      ? { type: 'object', nullable: true, example: null }
      : options.isArray
        ? { type: 'array', items: { $ref: getSchemaPath(model) } }
        : { $ref: getSchemaPath(model) };
  return applyDecorators(
    ApiExtraModels(ErrorDto, ...(model ? [model] : []), ...(options.meta ? [options.meta] : [])),
    ApiResponse({
      status: 200,
      description: options.description ?? 'Success',
      schema: {
        type: 'object',
        required: ['status', 'data', ...(options.meta ? ['meta'] : [])],
        properties: {
          status: statusSchema(true, []),
          data,
          ...(options.meta ? { meta: { $ref: getSchemaPath(options.meta) } } : {}),
        },
      },
    }),
  );
}

const EXAMPLES: Record<number, { description: string; error: EnvelopeError }> = {
  400: {
    description: 'Refused by a business rule ("Insufficient funds.", "This username already taken.")',
    error: { code: 'BAD_REQUEST', message: 'Insufficient funds.', target: '__all__', reason: 'INSUFFICIENT_FUNDS' },
  },
  401: {
    description: 'No session ("Authentication required.") or wrong credentials ("Invalid username or password.")',
    error: {
      code: 'UNAUTHORIZED',
      message: 'Authentication required.',
      target: '__all__',
      reason: 'AUTHENTICATION_REQUIRED',
    },
  },
  403: {
    description: 'A logged-in user without the admin role, on an admin route',
    error: { code: 'FORBIDDEN', message: 'This route is for admins only.', target: '__all__', reason: 'ADMIN_REQUIRED' },
  },
  404: {
    description: '"Wallet does not exist." or "Destination wallet does not exist."',
    error: {
      code: 'NOT_FOUND',
      message: 'Destination wallet does not exist.',
      target: 'destination',
      reason: 'DESTINATION_WALLET_NOT_FOUND',
    },
  },
  409: {
    description:
      'Conflicted with concurrent requests on the same wallet after bounded retries; nothing was posted, safe to retry',
    error: {
      code: 'CONFLICT',
      message: 'The request conflicted with concurrent requests on the same wallet; retry it.',
      target: '__all__',
      reason: 'CONCURRENT_CONFLICT',
    },
  },
  413: {
    description: 'Body larger than 16 KiB',
    error: {
      code: 'PAYLOAD_TOO_LARGE',
      message: 'Request body is too large (16 KiB at most).',
      target: '__all__',
      reason: 'PAYLOAD_TOO_LARGE',
    },
  },
  415: {
    description:
      'A body that is not JSON (Content-Type other than application/json or application/*+json); nothing was done. ' +
      'A request without a body may omit Content-Type.',
    error: {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'Content-Type must be application/json.',
      target: 'Content-Type',
      reason: 'UNSUPPORTED_CONTENT_TYPE',
    },
  },
  422: {
    description:
      'Validation failed, one error per offending field; a body that is not JSON answers code BAD_REQUEST, "Invalid JSON body.". ' +
      'No string input (body field, query or route parameter) may hold a control character (U+0000 to U+001F, ' +
      'U+007F to U+009F, newline and tab included; a free-text reason may hold tabs and line breaks): ' +
      '"Must not contain control characters.". ' +
      'A value the database refuses answers reason UNPROCESSABLE_VALUE on `__all__`.',
    error: {
      code: 'UNPROCESSABLE_ENTITY',
      message: 'Missing data for required field.',
      target: 'amount',
      reason: 'REQUEST_VALIDATION_FAILED',
    },
  },
  429: {
    description: "Throttled (too many failed logins, or registrations): retry after the `Retry-After` header's seconds",
    error: {
      code: 'TOO_MANY_REQUESTS',
      message: 'Too many failed logins; try again later.',
      target: '__all__',
      reason: 'TOO_MANY_LOGIN_ATTEMPTS',
    },
  },
};

/**
 * A failure documented with its own example, for a refusal a status's
 * generic example does not describe (WALLET_FROZEN, HOLD_FORBIDDEN). Several
 * may share a status: the response then lists each as a named example.
 */
export interface DocumentedFailure {
  status: number;
  description: string;
  error: EnvelopeError;
  /** The example's name when several share a status (default: its reason). */
  name?: string;
}

const failureBody = (error: EnvelopeError) => ({ status: { success: false, errors: [error] }, data: null });

/**
 * Documents failure answers: the envelope with `data: null` and the errors.
 * A status is given as a number (its generic example) or as a
 * DocumentedFailure; failures of one status are merged into one response
 * whose `examples` name each by its reason.
 */
export function ApiErrors(...failures: Array<number | DocumentedFailure>) {
  const byStatus = new Map<number, DocumentedFailure[]>();
  for (const failure of failures) {
    const status = typeof failure === 'number' ? failure : failure.status;
    const documented = typeof failure === 'number' ? (EXAMPLES[failure] && { status, ...EXAMPLES[failure] }) : failure;
    const list = byStatus.get(status) ?? [];
    if (documented) list.push(documented);
    byStatus.set(status, list);
  }
  return applyDecorators(
    ApiExtraModels(ErrorDto),
    ...[...byStatus].map(([status, documented]) =>
      ApiResponse({
        status,
        description: documented.length > 0 ? documented.map((failure) => failure.description).join(' Or: ') : 'Error',
        ...(status === 429
          ? {
              headers: {
                'Retry-After': {
                  description: 'Seconds until the throttle window ends',
                  schema: { type: 'integer', minimum: 1 },
                },
              },
            }
          : {}),
        schema: {
          type: 'object',
          required: ['status', 'data'],
          properties: {
            status: statusSchema(false, documented.length > 0 ? [documented[0].error] : []),
            data: { type: 'object', nullable: true, example: null },
          },
        },
        ...(documented.length > 1
          ? {
              examples: Object.fromEntries(
                documented.map((failure) => [
                  failure.name ?? failure.error.reason,
                  { summary: failure.description, value: failureBody(failure.error) },
                ]),
              ),
            }
          : {}),
      } as ApiResponseOptions),
    ),
  );
}
