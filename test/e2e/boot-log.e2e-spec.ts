import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { scratchDatabase } from '@app/testing';

const ROOT = join(__dirname, '..', '..');

describe('the log of a start that migrates', () => {
  it('writes every line as JSON, the migrations\' progress included (no coloured or plain line first)', async () => {
    const database = await scratchDatabase('bootlog');
    try {
      const child = spawn(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH ?? '',
            DATABASE_URL: database.url,
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
    } finally {
      await database.drop();
    }
  });
});
