import { applyDecorators, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';

export class ErrorDto {
  @ApiProperty({ enum: ['BAD_REQUEST', 'UNAUTHORIZED', 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE', 'UNPROCESSABLE_ENTITY', 'TOO_MANY_REQUESTS', 'INTERNAL_ERROR'] })
  code: string;

  @ApiProperty({ example: 'Insufficient funds.' })
  message: string;

  @ApiProperty({ description: 'The request field the error is about, as the client spelled it, or "__all__".', example: '__all__' })
  target: string;
}

export class StatusDto {
  @ApiProperty()
  success: boolean;

  @ApiProperty({ type: [ErrorDto] })
  errors: ErrorDto[];
}

/** Documents a success answer: the envelope with `data` of the given model (or null). */
export function ApiEnvelope(model: Type<unknown> | null, options: { isArray?: boolean; description?: string } = {}) {
  const data = model === null
    ? { type: 'object', nullable: true, example: null }
    : options.isArray
      ? { type: 'array', items: { $ref: getSchemaPath(model) } }
      : { $ref: getSchemaPath(model) };
  return applyDecorators(
    ApiExtraModels(StatusDto, ErrorDto, ...(model ? [model] : [])),
    ApiResponse({
      status: 200,
      description: options.description ?? 'Success',
      schema: {
        type: 'object',
        required: ['status', 'data'],
        properties: { status: { $ref: getSchemaPath(StatusDto) }, data },
      },
    }),
  );
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Refused by a business rule (for example "Insufficient funds.", "This username already taken.")',
  401: 'Not logged in ("Authentication required.") or wrong credentials',
  404: 'Wallet or destination wallet does not exist',
  409: 'Conflicted with concurrent requests on the same wallet; safe to retry',
  413: 'Body larger than 16 KiB',
  422: 'Validation failed: one error per offending field; or "Invalid JSON body." (code BAD_REQUEST)',
};

/** Documents failure answers: the envelope with `data: null` and the errors. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiExtraModels(StatusDto, ErrorDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: DESCRIPTIONS[status] ?? 'Error',
        schema: {
          type: 'object',
          properties: {
            status: { $ref: getSchemaPath(StatusDto) },
            data: { type: 'object', nullable: true, example: null },
          },
        },
      }),
    ),
  );
}
