import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  SetMetadata,
  UseInterceptors,
} from '@nestjs/common';
import { map, type Observable } from 'rxjs';
import { WithMeta } from './cursor';
import { success } from './envelope';

const RAW_RESPONSE = 'http:raw-response';

/** The handler's return value is sent as is, without the envelope (the original's /healthcheck). */
export const RawResponse = () => SetMetadata(RAW_RESPONSE, true);

/** Whether a route handler is marked @RawResponse(). */
export function isRawResponse(handler: Function): boolean {
  return Boolean(Reflect.getMetadata(RAW_RESPONSE, handler));
}

/**
 * Wraps what a handler returns in the success envelope; a route marked
 * @RawResponse() passes untouched. Bound by @Enveloped() on a controller.
 */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (isRawResponse(context.getHandler())) return next.handle();
    return next
      .handle()
      .pipe(map((data) => (data instanceof WithMeta ? success(data.data, data.meta) : success(data ?? null))));
  }
}

/**
 * Every route of the controller answers in the envelope (but those marked
 * @RawResponse()). On the controller, not global: Nest runs a global
 * interceptor on every route, and a route's first interceptor costs CPU on
 * each request (docs/PERFORMANCE.md), so /healthcheck and /readyz, whose
 * controllers are not @Enveloped(), run none. A route's own interceptors
 * (@Idempotent()'s) run inside this one.
 */
export const Enveloped = () => UseInterceptors(EnvelopeInterceptor);
