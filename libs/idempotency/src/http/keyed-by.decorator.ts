import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';
import type { KeyedRequest } from '../application/claimed-keys';

/** Where the interceptor leaves the keyed request for `@KeyedBy()`. */
export const KEYED_REQUEST = Symbol('keyed-request');

/**
 * The request's Idempotency-Key, scoped to its user, on an @Idempotent() route; undefined without the header.
 * The use case claims it and records the answer in its own unit of work (IdempotencyService.claim).
 */
export const KeyedBy = createParamDecorator(
  (_: unknown, context: ExecutionContext): KeyedRequest | undefined =>
    (context.switchToHttp().getRequest<Request & { [KEYED_REQUEST]?: KeyedRequest }>())[KEYED_REQUEST],
);
