import { DatabaseUnreachableError, waitForDatabase } from './wait-for-database';

const URL_ = 'postgres://wallet:s3cret@db:5432/wallet';

function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += ms) };
}

const refused = () => Object.assign(new Error('connect ECONNREFUSED 10.0.0.2:5432'), { code: 'ECONNREFUSED' });

describe('waitForDatabase', () => {
  it('retries until the database answers, one line per failed attempt, without the password', async () => {
    let calls = 0;
    const lines: string[] = [];
    await waitForDatabase(URL_, {
      ...clock(),
      log: (line) => lines.push(line),
      connect: async () => {
        if (++calls < 3) throw refused();
      },
    });
    expect(calls).toBe(3);
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^database at db:5432\/wallet not reachable \(attempt 1, 0 s of 30 s\): connect ECONNREFUSED/,
    );
    expect(lines[2]).toBe('database at db:5432/wallet answers (attempt 3)');
    expect(lines.join('\n')).not.toContain('s3cret');
  });

  it('gives up after the bounded time with the last reason', async () => {
    let calls = 0;
    const attempt = waitForDatabase(URL_, {
      ...clock(),
      timeoutMs: 10_000,
      intervalMs: 1_000,
      connect: async () => {
        calls++;
        throw refused();
      },
    });
    await expect(attempt).rejects.toThrow(DatabaseUnreachableError);
    await expect(attempt).rejects.toThrow(/not reachable within 10 s \(\d+ attempts\): connect ECONNREFUSED/);
    expect(calls).toBe(11); // at 0, 1, ..., 10 s
  });

  it('stops at once when the credentials are refused', async () => {
    let calls = 0;
    const attempt = waitForDatabase(URL_, {
      ...clock(),
      connect: async () => {
        calls++;
        throw Object.assign(new Error('password authentication failed for user "wallet"'), { code: '28P01' });
      },
    });
    await expect(attempt).rejects.toThrow(/refused the connection: password authentication failed/);
    expect(calls).toBe(1);
  });
});
