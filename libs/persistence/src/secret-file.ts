import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** 32 random bytes, hex: safe in a URL and in an SQL string literal as it is. */
export function randomSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The secret kept in `file` (mode 0600, its directory created 0700 when
 * missing), generated the first time. 'wx' fails if the file exists, so two
 * processes starting at once keep one secret. A file readable by others is
 * narrowed to 0600.
 */
export function readOrCreateSecretFile(file: string): { secret: string; created: boolean } {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let created = false;
  try {
    writeFileSync(file, `${randomSecret()}\n`, { flag: 'wx', mode: 0o600 });
    created = true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return { secret: readSecretFile(file)!, created };
}

/** The secret in `file`, or undefined when there is no such file; an empty file is an error. */
export function readSecretFile(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const secret = readFileSync(file, 'utf8').trim();
  if (secret.length === 0) throw new Error(`${file} is empty`);
  return secret;
}
