import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp } from '../../setup/test-app';

export interface ServedApp extends TestApp {
  /** `http://127.0.0.1:<port>`: where the browser reaches the app. */
  baseUrl: string;
}

/** The e2e harness's app (real AppModule, configureApp, this worker's database), listening for a browser. */
export async function serveTestApp(env: Record<string, string> = {}): Promise<ServedApp> {
  const t = await createTestApp(env);
  await t.app.listen(0, '127.0.0.1');
  const { port } = t.server.address() as AddressInfo;
  return { ...t, baseUrl: `http://127.0.0.1:${port}` };
}

/** Screenshots and traces of the browser specs; gitignored. */
export function outputPath(file: string): string {
  const dir = join(__dirname, '..', 'output');
  mkdirSync(dir, { recursive: true });
  return join(dir, file);
}
