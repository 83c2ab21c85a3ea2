import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { KeyedRequest } from '../application/claimed-keys';
import { ApiHeader } from '@nestjs/swagger';
import { JsonBodyOnly } from '@app/http';
import { IDEMPOTENCY_HEADER } from '../domain/idempotency-key.rules';

export const IDEMPOTENT_ROUTE = 'idempotency:idempotent-route';

export interface IdempotentOptions {
  /**
   * The handler claims the key and records the answer itself, in the
   * transaction it runs the request in (the money movements' group commit
   * runs many requests in one): the interceptor only checks the key, hands
   * it over as `@KeyedBy()`, and sends back a `Replay` the handler returns.
   * Otherwise the interceptor runs the handler inside a transaction of its own.
   */
  handlerClaims?: boolean;
}

/** Where the interceptor leaves a `handlerClaims` route's keyed request. */
export const KEYED_REQUEST = Symbol('keyed-request');

/** The request's Idempotency-Key, scoped to its user, on a `handlerClaims` route; undefined without the header. */
export const KeyedBy = createParamDecorator(
  (_: unknown, context: ExecutionContext): KeyedRequest | undefined =>
    (context.switchToHttp().getRequest<Request & { [KEYED_REQUEST]?: KeyedRequest }>())[KEYED_REQUEST],
);

/**
 * Marks a money-moving route: it accepts an `Idempotency-Key` header, and the
 * idempotency interceptor makes a repeated request replay the first answer
 * instead of posting again. A money-moving route takes a JSON body only
 * (415 otherwise, before anything runs: JsonBodyOnly from libs/http).
 */
export const Idempotent = (options: IdempotentOptions = {}) =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, options),
    JsonBodyOnly(),
    ApiHeader({
      name: IDEMPOTENCY_HEADER,
      required: false,
      description:
        '1..255 printable ASCII characters, scoped to the caller. Same key and same body: the first answer is replayed ' +
        '(header Idempotent-Replayed: true) and nothing new is posted, across restarts and instances. Same key, other ' +
        'body: 422. Same key while the first request runs: waits for it, then replays. Keys are kept 24 hours.',
    }),
  );
