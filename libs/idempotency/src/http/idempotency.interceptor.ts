import {
  type CallHandler,
  type ExecutionContext,
  Inject,
  Injectable,
  type NestInterceptor,
  Optional,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { catchError, from, map, type Observable, tap } from 'rxjs';
import { DomainError } from '@app/errors';
import { ERROR_TABLE, type Envelope, type ErrorTable, PrebuiltFailure, toErrorResponse } from '@app/http';
import { IdempotencyObserver } from '../application/idempotency.observer';
import { type KeyedRequest, Replay } from '../application/claimed-keys';
import { IdempotencyService } from '../application/idempotency.service';
import { IdempotencyKeyReusedError, InvalidIdempotencyKeyError } from '../domain/idempotency.errors';
import { IDEMPOTENCY_HEADER, isValidIdempotencyKey } from '../domain/idempotency-key.rules';
import { KEYED_REQUEST } from './keyed-by.decorator';
import { requestFingerprint } from './request-fingerprint';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/**
 * Bound by @Idempotent() to its route. Checks the Idempotency-Key, scopes it
 * to the authenticated user (guards have run) and hands it to the handler
 * (`@KeyedBy()`), whose use case claims it and records the answer in its own
 * unit of work (IdempotencyService.claim); sends back a `Replay` the handler
 * returns, as first answered. A request without the header passes with its
 * refusals counted only. Nest makes it in the module of the route's
 * controller: that module imports IdempotencyKeysModule.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly idempotency: IdempotencyService,
    @Inject(ERROR_TABLE) private readonly errors: ErrorTable,
    @Optional() private readonly observer?: IdempotencyObserver,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request & { [KEYED_REQUEST]?: KeyedRequest }>();
    const key = request.header(IDEMPOTENCY_HEADER);
    if (key !== undefined && !isValidIdempotencyKey(key)) throw new InvalidIdempotencyKeyError();
    // What the handler (or a pipe before it) refuses now is counted; a replayed refusal is counted as a replay.
    const handled = next.handle().pipe(tap({ error: this.counted }));
    if (key === undefined) return handled;
    const keyed: KeyedRequest = {
      userId: (request.user as { id: string }).id,
      key,
      fingerprint: requestFingerprint(request.method, request.path, request.body),
      recordable: this.recordable,
    };
    request[KEYED_REQUEST] = keyed;
    return handled.pipe(
      map((result) => (result instanceof Replay ? this.replay(context, result) : result)),
      catchError((error: unknown) => from(this.refusedBeforeClaim(error, keyed))),
    );
  }

  /** A refusal (a DomainError the error table answers with a 4xx: insufficient funds, frozen wallet, invalid amount...). */
  private readonly counted = (error: unknown): void => {
    if (!this.observer || !(error instanceof DomainError)) return;
    const status = this.errors[error.code]?.status;
    if (status !== undefined && status >= 400 && status < 500) this.observer.refused(error.code);
  };

  /**
   * An invalid request never reaches its handler's claim; as on a route the
   * interceptor claims for, a key that belongs to another request is the
   * first thing it hears.
   */
  private async refusedBeforeClaim(error: unknown, keyed: KeyedRequest): Promise<never> {
    // KEY_REUSED came from the claim itself: the key was read already.
    if (error instanceof IdempotencyKeyReusedError) throw error;
    if (error instanceof DomainError && this.errors[error.code]?.bindsNoIdempotencyKey) {
      throw (await this.idempotency.keyReusedBy(keyed)) ?? error;
    }
    throw error;
  }

  private replay(context: ExecutionContext, replay: Replay): unknown {
    this.observer?.replayed();
    const response = context.switchToHttp().getResponse<Response>();
    response.setHeader(REPLAYED_HEADER, 'true');
    // A stored failure is the whole envelope as first sent: answered as is, whatever it carries.
    if (replay.status >= 400) throw new PrebuiltFailure(replay.status, replay.body as Envelope<never>);
    response.status(replay.status);
    return replay.body;
  }

  /**
   * A business failure (4xx other than 409) is recorded with the answer it
   * produces. Not recorded: what the error table marks as binding no key
   * (invalid request, the key itself), conflicts (a retry may succeed) and
   * server errors.
   */
  private readonly recordable = (error: unknown): { status: number; body: unknown } | null => {
    if (!(error instanceof DomainError) || this.errors[error.code]?.bindsNoIdempotencyKey) return null;
    const { status, body } = toErrorResponse(error, this.errors);
    return status >= 400 && status < 500 && status !== 409 ? { status, body } : null;
  };
}
