import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TestContext } from '@app/testing';

/** Where a browser reaches the app of a context made with `{ listen: true }` (127.0.0.1, a random port). */
export function baseUrlOf(ctx: TestContext): string {
  const address = ctx.server.address() as AddressInfo | null;
  if (!address) throw new Error('The test context does not listen: use useTestContext({ listen: true }).');
  return `http://127.0.0.1:${address.port}`;
}

/** Screenshots of the browser specs; gitignored. */
export function outputPath(file: string): string {
  const dir = join(__dirname, '..', 'output');
  mkdirSync(dir, { recursive: true });
  return join(dir, file);
}
