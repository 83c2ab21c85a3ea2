import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor, SetMetadata } from '@nestjs/common';
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
 * Wraps what a handler returns in the success envelope. The composition root
 * binds it only to the routes not marked @RawResponse() (route-interceptors.ts).
 */
@Injectable()
export class EnvelopeInterceptor implements NestInterceptor {
  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next
      .handle()
      .pipe(map((data) => (data instanceof WithMeta ? success(data.data, data.meta) : success(data ?? null))));
  }
}
