import { type ArgumentMetadata, Injectable, type PipeTransform } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, type ValidationError, validate } from 'class-validator';
import { ALL_FIELDS } from '@app/errors';
import { allowsLineBreaks, CONTROL_CHARACTERS_MESSAGE, containsControlCharacter } from './control-characters';
import { JsonNumber } from './json-body.parser';
import { RequestValidationError } from './request-validation.error';

/**
 * The global validation pipe: DTO classes describe bodies and queries with
 * the field decorators of ./fields, and any failure becomes one 422 error per
 * offending field, with the field spelled as the client sent it. Every
 * string input also meets the control-character rule (./control-characters):
 * each field a body or query DTO declares, and a route parameter (or a
 * single named query parameter) by its name.
 */
@Injectable()
export class RequestValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const { metatype, type, data } = metadata;
    if (type !== 'body' && type !== 'query' && type !== 'param') return value;
    if (!metatype || type === 'param' || isPrimitive(metatype)) {
      if (containsControlCharacter(value)) {
        throw RequestValidationError.of(data ?? ALL_FIELDS, CONTROL_CHARACTERS_MESSAGE);
      }
      return value;
    }
    return validateInto(metatype as new () => object, value, { controlCharacters: 'refused' });
  }
}

export interface ValidateOptions {
  /**
   * `refused`: a declared field that holds a control character at any depth
   * is an error of its own ("Must not contain control characters.") when its
   * field rule found nothing else wrong: a rule's own message (an amount's
   * "Not a valid number.", a UUID's) wins, one error per field. The pipe
   * always refuses them; a guard that validates a body itself (the login)
   * opts in here.
   */
  controlCharacters?: 'refused';
}

export async function validateInto<T extends object>(
  dto: new () => T,
  plain: unknown,
  options: ValidateOptions = {},
): Promise<T> {
  // A top-level JSON number parses to a JsonNumber instance: it is no more an object than 42 is.
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain) || plain instanceof JsonNumber) {
    throw RequestValidationError.of(ALL_FIELDS, 'Request body must be a JSON object.');
  }
  const instance = plainToInstance(dto, plain);
  const errors = await validate(instance, { stopAtFirstError: true, forbidUnknownValues: false });
  const failures = new Map(errors.map((error) => [error.property, toFieldError(error)]));
  if (options.controlCharacters === 'refused') {
    for (const field of fieldsOf(dto)) {
      // The client's text, not what the field rule made of it (a cursor's position, a Date).
      const text = (plain as Record<string, unknown>)[field];
      if (!failures.has(field) && containsControlCharacter(text, { multiline: allowsLineBreaks(dto, field) })) {
        failures.set(field, { target: field, message: CONTROL_CHARACTERS_MESSAGE });
      }
    }
  }
  if (failures.size > 0) {
    const order = fieldsOf(dto);
    const sorted = [...failures.entries()].sort(([a], [b]) => order.indexOf(a) - order.indexOf(b));
    throw new RequestValidationError(sorted.map(([, failure]) => failure));
  }
  return instance;
}

const declaredFields = new WeakMap<Function, string[]>();

/** The fields a DTO declares (each has a field rule), in declaration order. Unknown fields are never read. */
function fieldsOf(dto: Function): string[] {
  let fields = declaredFields.get(dto);
  if (!fields) {
    const rules = getMetadataStorage().getTargetValidationMetadatas(dto, '', true, false);
    fields = [...new Set(rules.map((rule) => rule.propertyName))];
    declaredFields.set(dto, fields);
  }
  return fields;
}

function toFieldError(error: ValidationError): { target: string; message: string } {
  const messages = Object.values(error.constraints ?? {});
  return { target: error.property, message: messages[0] ?? 'Invalid value.' };
}

const PRIMITIVES = new Set<unknown>([String, Boolean, Number, Array, Object]);

function isPrimitive(metatype: unknown): boolean {
  return PRIMITIVES.has(metatype);
}
