import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localSessionSecret } from './session-secret';

describe('localSessionSecret', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'session-secret-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates 32 random bytes into a 0600 file once, creating the directory, and reads it back after', () => {
    const file = join(dir, 'data', 'session-secret');
    const lines: string[] = [];
    const secret = localSessionSecret(file, (line) => lines.push(line));
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(lines).toEqual([`generated a session secret in ${file} (set SESSION_SECRET to choose one)`]);
    expect(localSessionSecret(file, (line) => lines.push(line))).toBe(secret);
    expect(lines).toHaveLength(1);
  });

  it('gives two data directories two secrets', () => {
    const log = () => undefined;
    expect(localSessionSecret(join(dir, 'a', 'session-secret'), log)).not.toBe(
      localSessionSecret(join(dir, 'b', 'session-secret'), log),
    );
  });

  it('tightens a file readable by others to 0600', () => {
    const file = join(dir, 'session-secret');
    writeFileSync(file, 'x'.repeat(40));
    chmodSync(file, 0o644);
    expect(localSessionSecret(file, () => undefined)).toBe('x'.repeat(40));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('x'.repeat(40));
  });

  it('refuses a file holding a secret too short to sign with', () => {
    const file = join(dir, 'session-secret');
    writeFileSync(file, 'short\n', { mode: 0o600 });
    expect(() => localSessionSecret(file, () => undefined)).toThrow(/shorter than 32 characters/);
  });
});
