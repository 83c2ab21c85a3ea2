import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const MIN_LENGTH = 32;

/**
 * The session secret when none is configured (outside production only; the
 * configuration demands SESSION_SECRET there): 32 random bytes generated the
 * first time and kept in `file` (mode 0600) next to the embedded database's
 * data, so that sessions survive restarts of the same checkout while no two
 * checkouts, and no attacker who read the source, share a secret.
 */
export function localSessionSecret(file: string, log: (line: string) => void): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  try {
    // 'wx': fails if the file exists, so two processes starting at once keep one secret.
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    log(`generated a session secret in ${file} (set SESSION_SECRET to choose one)`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length < MIN_LENGTH) {
    throw new Error(
      `${file} holds a session secret shorter than ${MIN_LENGTH} characters: delete it or set SESSION_SECRET`,
    );
  }
  return secret;
}
