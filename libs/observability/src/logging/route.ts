import type { Request } from 'express';

/** The label of requests answered before or without a route (unknown path, a body refused by the parser). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * The route pattern that served the request (`/v1/holds/:id/capture`), never
 * the raw URL: ids in paths would make every request its own log group and
 * metric series.
 */
export function routePattern(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}

/** The logged-in user's id (passport's session user), if any. */
export function userIdOf(req: Request): string | undefined {
  const id = (req.user as { id?: unknown } | null | undefined)?.id;
  return typeof id === 'string' ? id : undefined;
}
