import { runTypeScript } from '@app/testing';

/** Starts the API as `npm run start:dev` does, with `env` on top of a clean environment; its output and exit code. */
function startApi(env: Record<string, string>) {
  // No DATABASE_URL of the test run and no embedded database: configuration is judged before either.
  return runTypeScript('apps/api/src/main.ts', [], { PORT: '0', HOST: '127.0.0.1', ...env });
}

const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none',
  SESSION_SECRET: 'x'.repeat(40),
};

describe('starting the service with bad protection settings', () => {
  // Each start is a few seconds of transpiling; every other bad value is covered by libs/config's unit tests.
  it.concurrent.each<[string, Record<string, string>, RegExp]>([
    [
      'SECURE_COOKIES=true without TRUST_PROXY',
      { SECURE_COOKIES: 'true' },
      /^Invalid configuration: SECURE_COOKIES=true needs TRUST_PROXY .*set SECURE_COOKIES=false to serve plain HTTP$/,
    ],
    [
      "production's Secure cookies without TRUST_PROXY",
      PRODUCTION,
      /^Invalid configuration: SECURE_COOKIES \(true by default in production\) needs TRUST_PROXY/,
    ],
    [
      'TRUST_PROXY=true (any client could pick its address with X-Forwarded-For)',
      { TRUST_PROXY: 'true' },
      /^Invalid configuration: TRUST_PROXY=true would let any client choose its address with X-Forwarded-For .*\(loopback, 10\.0\.0\.0\/8, \.\.\.\)$/,
    ],
    [
      'a negative per-address login limit',
      { LOGIN_FAILURES_PER_ADDRESS: '-5' },
      /^Invalid configuration: LOGIN_FAILURES_PER_ADDRESS must be an integer in \[0, 1000000\], got "-5"$/,
    ],
  ])('refuses %s: one line naming it, exit 1', async (_what, env, line) => {
    const { code, stdout, stderr } = await startApi(env);
    expect({ code, stdout }).toEqual({ code: 1, stdout: '' });
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(line)]);
  });
});
