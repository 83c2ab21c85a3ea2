import { applyDecorators, createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { KeyedRequest } from '../application/claimed-keys';
import { ApiHeader } from '@nestjs/swagger';
import { JsonBodyOnly } from '@app/http';
import { IDEMPOTENCY_HEADER } from '../domain/idempotency-key.rules';

export const IDEMPOTENT_ROUTE = 'idempotency:idempotent-route';

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

/**
 * Marks a money-moving route: it accepts an `Idempotency-Key` header, and the
 * idempotency interceptor makes a repeated request replay the first answer
 * instead of posting again. A money-moving route takes a JSON body only
 * (415 otherwise, before anything runs: JsonBodyOnly from libs/http).
 */
export const Idempotent = () =>
  applyDecorators(
    SetMetadata(IDEMPOTENT_ROUTE, true),
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
