import type { Request, Response } from 'express';
import { ThrottledError } from '../domain/auth.errors';

export const RETRY_AFTER_HEADER = 'Retry-After';

/** The client address the throttles count by: Express's req.ip, which TRUST_PROXY decides. */
export function clientAddress(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/** Runs a throttle's check; a 429 it raises carries `Retry-After` (seconds until the window ends). */
export async function throttled<T>(response: Response, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (error) {
    if (error instanceof ThrottledError) response.setHeader(RETRY_AFTER_HEADER, String(error.retryAfterSeconds));
    throw error;
  }
}
