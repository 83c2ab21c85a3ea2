import {
  type CallHandler,
  type DynamicModule,
  type ExecutionContext,
  Global,
  Injectable,
  Module,
  type NestInterceptor,
  type Type,
} from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, MODULE_METADATA } from '@nestjs/common/constants';
import type { Observable } from 'rxjs';
import { EnvelopeInterceptor, isRawResponse } from '@app/http';
import { IDEMPOTENT_ROUTE, IdempotencyInterceptor, IdempotencyModule } from '@app/idempotency';
import { RefusalMetricsInterceptor } from '@app/observability';

/**
 * The API's interceptors, bound to each route by what the route is, instead
 * of registered as APP_INTERCEPTORs. Nest runs a global interceptor on every
 * route, and the first interceptor of a route is not cheap on Node 20: two
 * AsyncResource.bind calls and an rxjs pipeline per request, measured at
 * about as much CPU as everything else GET /healthcheck does. So:
 *
 * - a route marked @RawResponse() (liveness, readiness) runs none;
 * - every other route runs the envelope;
 * - a route marked @Idempotent() (a money movement) runs, inside the
 *   envelope, the idempotency interceptor and, inside that, the refusal
 *   metrics (a replayed refusal is counted once, as a replay).
 *
 * One interceptor of Nest's (this one) carries the chain, which is worked
 * out once per route and then reused.
 */
@Injectable()
export class RouteInterceptors implements NestInterceptor {
  private readonly chains = new WeakMap<Function, Interceptor[]>();

  constructor(
    private readonly envelope: EnvelopeInterceptor,
    private readonly idempotency: IdempotencyInterceptor,
    private readonly refusals: RefusalMetricsInterceptor,
  ) {}

  /** Whether a route handler runs any interceptor at all. */
  static neededBy(handler: Function): boolean {
    return !isRawResponse(handler) || isIdempotent(handler);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const chain = this.chainOf(context.getHandler());
    // Each one's `next` is the next in the chain; the last one's is Nest's (the handler).
    const first = chain.reduceRight<CallHandler>(
      (inner, interceptor) => ({ handle: () => interceptor.intercept(context, inner) }),
      next,
    );
    return first.handle();
  }

  private chainOf(handler: Function): Interceptor[] {
    let chain = this.chains.get(handler);
    if (!chain) {
      chain = [
        ...(isRawResponse(handler) ? [] : [this.envelope]),
        ...(isIdempotent(handler) ? [this.idempotency, this.refusals] : []),
      ];
      this.chains.set(handler, chain);
    }
    return chain;
  }
}

/** Marked @Idempotent(), whatever options the marker carries. */
function isIdempotent(handler: Function): boolean {
  return Boolean(Reflect.getMetadata(IDEMPOTENT_ROUTE, handler));
}

/** The interceptors of the chain all answer with an Observable at once (never a Promise of one). */
type Interceptor = { intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> };

/**
 * What RouteInterceptors is made of, available to every feature module:
 * Nest makes a route's interceptor in the module of the route's controller.
 */
@Global()
@Module({
  imports: [IdempotencyModule],
  providers: [EnvelopeInterceptor],
  exports: [EnvelopeInterceptor, IdempotencyModule],
})
export class RouteInterceptorsModule {}

/**
 * Binds RouteInterceptors, as @UseInterceptors() would, to every route of
 * the application's controllers that needs it (first, before a route's own
 * interceptors). Done on the composition root's module tree before Nest
 * scans it; binding the same class again changes nothing, so booting several
 * applications in one process (the tests) is safe.
 */
export function bindRouteInterceptors(root: DynamicModule): void {
  for (const controller of controllersOf(root, new Set())) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
      if (!RouteInterceptors.neededBy(handler)) continue;
      const own = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[];
      if (own.includes(RouteInterceptors)) continue;
      Reflect.defineMetadata(INTERCEPTORS_METADATA, [RouteInterceptors, ...own], handler);
    }
  }
}

type ModuleEntry = Type | DynamicModule | Promise<DynamicModule> | { forwardRef: () => unknown };

/** The controllers of a module and of everything it imports, static or dynamic. */
function controllersOf(entry: ModuleEntry, seen: Set<unknown>): Type[] {
  if (!entry || entry instanceof Promise || 'forwardRef' in entry || seen.has(entry)) return [];
  seen.add(entry);
  const type = 'module' in entry ? entry.module : entry;
  const dynamic: Partial<DynamicModule> = 'module' in entry ? entry : {};
  const controllers: Type[] = [
    ...((Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, type) as Type[] | undefined) ?? []),
    ...(dynamic.controllers ?? []),
  ];
  const imports: ModuleEntry[] = [
    ...((Reflect.getMetadata(MODULE_METADATA.IMPORTS, type) as ModuleEntry[] | undefined) ?? []),
    ...((dynamic.imports as ModuleEntry[] | undefined) ?? []),
  ];
  return [...controllers, ...imports.flatMap((imported) => controllersOf(imported, seen))];
}
