import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@app/testing';

const ROOT = join(__dirname, '..', '..');

describe('the log of a first start (make run: an embedded PostgreSQL made, then migrated)', () => {
  it("writes every line as JSON: the embedded server's and the migrations' lines included, none coloured or plain", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-boot-log-'));
    try {
      const child = spawn(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            EMBEDDED_PG_DATA_DIR: join(dir, 'postgres'),
            EMBEDDED_PG_PORT: String(await freePort()),
            PORT: '0',
            HOST: '127.0.0.1',
            METRICS_PORT: '0',
            LOG_FORMAT: 'json',
            SESSION_SECRET: 'x'.repeat(40),
          },
        },
      );
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (/"msg":"listening on /.test(stdout)) resolve();
        });
        void exited.then((code) => reject(new Error(`the API exited ${code} before listening: ${stderr}`)));
      });
      child.kill('SIGTERM');
      expect(await exited).toBe(0);

      const lines = stdout.trimEnd().split('\n');
      const notJson = lines.filter((line) => {
        try {
          return typeof JSON.parse(line) !== 'object';
        } catch {
          return true;
        }
      });
      expect(notJson).toEqual([]);
      expect(stderr).toBe('');
      const migrations = lines.map((line) => JSON.parse(line)).filter((line) => line.context === 'Migrations');
      expect(migrations.length).toBeGreaterThan(0);
      expect(migrations[0].msg).toMatch(/Migration\d+_initial/);
      expect(lines.map((line) => JSON.parse(line))).toContainEqual(
        expect.objectContaining({
          context: 'Bootstrap',
          msg: expect.stringMatching(/^embedded PostgreSQL listening on /),
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
