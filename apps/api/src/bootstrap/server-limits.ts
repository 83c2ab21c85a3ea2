import type { Server } from 'node:http';
import type { ServerLimits } from '@app/config';

/**
 * The API server's bounds against slow and numerous clients (README,
 * "Protection"): headers within `headersTimeoutMs` and the whole request
 * within `requestTimeoutMs`, or Node answers 408 and closes the connection
 * (a client dripping its headers or body holds a socket no longer);
 * `maxConnections` open at most, one more is closed as soon as it is
 * accepted; idle keep-alive connections closed after `keepAliveTimeoutMs`.
 * Set on the server object, before it listens: main.ts and the e2e tests
 * (configureApp) get the same limits whoever calls listen().
 */
export function applyServerLimits(server: Server, limits: ServerLimits): void {
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxConnections = limits.maxConnections;
  // Node checks both timeouts every connectionsCheckingInterval (30 s by default, read when the server starts
  // listening): without this a 10 s headers timeout would close a slow client after 10 to 40 s.
  // (Node reads the property; @types/node declares it as a createServer option only.)
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.max(50, Math.min(1_000, Math.floor(limits.headersTimeoutMs / 4)));
}
