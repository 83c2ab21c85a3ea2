import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const SERVED = [
  join(ROOT, 'dist', 'apps', 'admin-console', 'index.html'),
  join(ROOT, 'dist', 'apps', 'admin-console', 'main.js'),
];

/** `nest build <project>`, as `npm run build` runs it, in a process of its own; resolves with its exit code. */
function build(project: 'api' | 'admin-console'): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['node_modules/@nestjs/cli/bin/nest.js', 'build', project], {
      cwd: ROOT,
      stdio: 'ignore',
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
}

describe('building while the API serves from dist/', () => {
  it('keeps the served console in place while the API and the console are built again (written over, never deleted first)', async () => {
    expect(await build('admin-console')).toBe(0);
    expect(SERVED.filter((file) => !existsSync(file))).toEqual([]);
    // Looked for every few milliseconds while the builds run in their own processes: a build that empties
    // its output directory first (nest's deleteOutDir; the API's is all of dist/) leaves the console missing
    // until the console's own build has run again, 10 s on this machine.
    let looks = 0;
    let missing = 0;
    const watcher = setInterval(() => {
      looks++;
      if (SERVED.some((file) => !existsSync(file))) missing++;
    }, 2);
    try {
      expect(await build('api')).toBe(0);
      expect(await build('admin-console')).toBe(0);
    } finally {
      clearInterval(watcher);
    }
    expect(looks).toBeGreaterThan(10);
    expect(missing).toBe(0);
  });
});
