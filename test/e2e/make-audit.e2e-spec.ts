import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** `make audit` (scripts/audit.mjs) against the registry at `registry`: exit code and output. */
function audit(registry: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/audit.mjs'], {
      cwd: ROOT,
      env: { ...process.env, npm_config_registry: registry, npm_config_fetch_retries: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`)),
  );
}

describe('make audit', () => {
  it('says plainly that nothing was checked when the advisory service does not answer, exit 2', async () => {
    // A port nothing listens on: the registry is unreachable.
    const closed = createServer();
    const registry = await listen(closed);
    await new Promise((done) => closed.close(done));
    const run = await audit(registry);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^make audit: the npm advisory service could not be reached \(.*ECONNREFUSED.*\): nothing was checked\./,
    );
  });

  it('names an endpoint that refuses the audit (a registry without it) the same way', async () => {
    const refusing = createServer((_request, response) => response.writeHead(405).end());
    const registry = await listen(refusing);
    try {
      const run = await audit(registry);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(
        /^make audit: the npm advisory service could not be reached \(405 .*advisories\/bulk\)/,
      );
    } finally {
      refusing.close();
    }
  });

  it('reports a clean result when the service answers with no advisory, exit 0', async () => {
    const asked: string[] = [];
    const clean = createServer((request, response) => {
      asked.push(`${request.method} ${request.url}`);
      request.resume().on('end', () => response.setHeader('Content-Type', 'application/json').end('{}'));
    });
    const registry = await listen(clean);
    try {
      const run = await audit(registry);
      expect(asked).toEqual(['POST /-/npm/v1/security/advisories/bulk']);
      expect(run).toMatchObject({ code: 0, stderr: '' });
      expect(run.stdout).toMatch(/^make audit: no known vulnerability in \d+ dependencies\n$/);
    } finally {
      clean.close();
    }
  });
});
