import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { JsonBodyOnly } from '@app/http';
import { IDEMPOTENCY_HEADER } from '../domain/idempotency-key.rules';

export const IDEMPOTENT_ROUTE = 'idempotency:idempotent-route';

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
