import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import chromium from '@sparticuz/chromium';
import { chromium as playwright, type Browser } from 'playwright-core';

/**
 * A headless Chromium for the browser specs: the one shipped (brotli-packed)
 * inside @sparticuz/chromium, because nothing can be downloaded here and a
 * fresh machine has no browser. playwright-core is pinned to the release that
 * was built against the same Chromium (1.57 <-> 143), so the protocol matches.
 */

/** The flags the closed network needs: no background connections that would only time out. */
const QUIET_NETWORK_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/**
 * @sparticuz/chromium's flags are meant for Lambda. Two would switch off the
 * same-origin and mixed-content rules a real operator's browser applies, which
 * the pages under test must live with; --single-process makes closing a
 * browser context close the whole browser (each test has its own context).
 */
const LAMBDA_ONLY_FLAGS = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

const execFileAsync = promisify(execFile);

export async function launchBrowser(): Promise<Browser> {
  const dir = await unpackedChromium();
  return playwright.launch({
    executablePath: join(dir, 'chromium'),
    // As root Chromium refuses to start with its sandbox: --no-sandbox is in @sparticuz's flags.
    args: [...chromium.args.filter((flag) => !LAMBDA_ONLY_FLAGS.has(flag)), ...QUIET_NETWORK_FLAGS],
    headless: true,
    env: { ...process.env, FONTCONFIG_FILE: join(dir, 'fonts.conf') },
  });
}

let unpacked: Promise<string> | undefined;

/**
 * Unpacks the browser once per version into the temp directory (a few
 * seconds, then reused by every later run). @sparticuz/chromium unpacks into
 * os.tmpdir() and trusts any file already there, so two jest workers (or two
 * checkouts) unpacking at once could start a half-written binary: each one
 * unpacks into its own staging directory (a child process with TMPDIR set,
 * since jest gives a test file its own copy of process.env, which os.tmpdir()
 * never sees) and renames it into place, which is atomic; the loser throws
 * its copy away.
 */
function unpackedChromium(): Promise<string> {
  unpacked ??= (async () => {
    const packageJson = join(dirname(require.resolve('@sparticuz/chromium')), '..', '..', 'package.json');
    const { version } = JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string };
    const dir = join(tmpdir(), `wallet-ledger-chromium-${version}`);
    if (existsSync(join(dir, 'fonts.conf'))) return dir;

    const staging = `${dir}.${process.pid}-${randomBytes(4).toString('hex')}`;
    mkdirSync(staging, { recursive: true });
    try {
      const script = `require(${JSON.stringify(require.resolve('@sparticuz/chromium'))}).executablePath()`;
      await execFileAsync(process.execPath, ['-e', script], {
        env: { ...process.env, TMPDIR: staging },
      });
      if (!existsSync(join(staging, 'chromium'))) throw new Error(`@sparticuz/chromium did not unpack into ${staging}`);
      // The shipped fonts.conf points at /tmp/fonts; ours at the shipped fonts
      // (Open Sans: enough on a machine without any) and the system's.
      writeFileSync(
        join(staging, 'fonts.conf'),
        `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${join(dir, 'fonts')}</dir>
  <dir>/usr/share/fonts</dir>
  <dir>/usr/local/share/fonts</dir>
  <cachedir>${join(dir, 'fonts-cache')}</cachedir>
</fontconfig>
`,
      );
      renameSync(staging, dir);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(dir, 'fonts.conf'))) throw error;
    }
    return dir;
  })();
  return unpacked;
}
