import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { type ValidationError, validate } from 'class-validator';
import { ALL_FIELDS } from '@app/errors';
import { JsonNumber } from './json-body.parser';
import { RequestValidationError } from './request-validation.error';

/**
 * The global validation pipe: DTO classes describe bodies and queries with
 * the field decorators of ./fields, and any failure becomes one 422 error per
 * offending field, with the field spelled as the client sent it.
 */
@Injectable()
export class RequestValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype, type } = metadata;
    if (!metatype || (type !== 'body' && type !== 'query') || isPrimitive(metatype)) return value;
    return validateInto(metatype as new () => object, value);
  }
}

export async function validateInto<T extends object>(dto: new () => T, plain: unknown): Promise<T> {
  // A top-level JSON number parses to a JsonNumber instance: it is no more an object than 42 is.
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain) || plain instanceof JsonNumber) {
    throw RequestValidationError.of(ALL_FIELDS, 'Request body must be a JSON object.');
  }
  const instance = plainToInstance(dto, plain);
  const errors = await validate(instance, { stopAtFirstError: true, forbidUnknownValues: false });
  if (errors.length > 0) throw new RequestValidationError(errors.map(toFieldError));
  return instance;
}

function toFieldError(error: ValidationError): { target: string; message: string } {
  const messages = Object.values(error.constraints ?? {});
  return { target: error.property, message: messages[0] ?? 'Invalid value.' };
}

const PRIMITIVES = new Set<unknown>([String, Boolean, Number, Array, Object]);

function isPrimitive(metatype: unknown): boolean {
  return PRIMITIVES.has(metatype);
}
