import { applyDecorators, UseInterceptors } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { JsonBodyOnly } from '@app/http';
import { IDEMPOTENCY_HEADER } from '../domain/idempotency-key.rules';
import { IdempotencyInterceptor } from './idempotency.interceptor';

/**
 * Marks a money-moving route (or an operator's action that must not run
 * twice): it accepts an `Idempotency-Key` header and runs the idempotency
 * interceptor (inside the controller's envelope), which checks the key,
 * hands it to the handler (`@KeyedBy()`) for its use case to claim, answers
 * a replay as first sent, and counts the route's refusals. Such a route
 * takes a JSON body only (415 otherwise, before anything runs: JsonBodyOnly
 * from libs/http).
 */
export const Idempotent = () =>
  applyDecorators(
    UseInterceptors(IdempotencyInterceptor),
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
