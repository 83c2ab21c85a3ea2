import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { EnvelopeError } from './envelope';

export class ErrorDto {
  @ApiProperty({
    enum: [
      'BAD_REQUEST',
      'UNAUTHORIZED',
      'FORBIDDEN',
      'NOT_FOUND',
      'CONFLICT',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'UNPROCESSABLE_ENTITY',
      'TOO_MANY_REQUESTS',
      'INTERNAL_ERROR',
    ],
  })
  code: string;

  @ApiProperty({ example: 'Insufficient funds.' })
  message: string;

  @ApiProperty({
    description: 'The request field the error is about, as the client spelled it, or "__all__".',
    example: '__all__',
  })
  target: string;
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
    error: { code: 'BAD_REQUEST', message: 'Insufficient funds.', target: '__all__' },
  },
  401: {
    description: 'No session ("Authentication required.") or wrong credentials ("Invalid username or password.")',
    error: { code: 'UNAUTHORIZED', message: 'Authentication required.', target: '__all__' },
  },
  404: {
    description: '"Wallet does not exist." or "Destination wallet does not exist."',
    error: { code: 'NOT_FOUND', message: 'Destination wallet does not exist.', target: '__all__' },
  },
  409: {
    description:
      'Conflicted with concurrent requests on the same wallet after bounded retries; nothing was posted, safe to retry',
    error: {
      code: 'CONFLICT',
      message: 'The request conflicted with concurrent requests on the same wallet; retry it.',
      target: '__all__',
    },
  },
  413: {
    description: 'Body larger than 16 KiB',
    error: { code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large (16 KiB at most).', target: '__all__' },
  },
  422: {
    description:
      'Validation failed, one error per offending field; a body that is not JSON answers code BAD_REQUEST, "Invalid JSON body."',
    error: { code: 'UNPROCESSABLE_ENTITY', message: 'Missing data for required field.', target: 'amount' },
  },
};

/** Documents failure answers: the envelope with `data: null` and the errors. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(ErrorDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: EXAMPLES[status]?.description ?? 'Error',
        schema: {
          type: 'object',
          required: ['status', 'data'],
          properties: {
            status: statusSchema(false, EXAMPLES[status] ? [EXAMPLES[status].error] : []),
            data: { type: 'object', nullable: true, example: null },
          },
        },
      }),
    ),
  );
}
