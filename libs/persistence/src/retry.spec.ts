import { DeadlockException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { RetriesExhaustedError, retryOnConflict } from './retry';

const deadlock = () => new DeadlockException(Object.assign(new Error('deadlock detected'), { code: '40P01' }));

describe('retryOnConflict', () => {
  it('runs the use case again after a deadlock and returns its result', async () => {
    let calls = 0;
    const result = await retryOnConflict(
      async () => {
        calls++;
        if (calls < 3) throw deadlock();
        return 'posted';
      },
      { baseDelayMs: 1 },
    );
    expect(result).toBe('posted');
    expect(calls).toBe(3);
  });

  it('retries serialization failures and lock timeouts by SQLSTATE', async () => {
    for (const code of ['40001', '55P03']) {
      let calls = 0;
      await retryOnConflict(
        async () => {
          if (calls++ === 0) throw Object.assign(new Error(code), { code });
          return 'ok';
        },
        { baseDelayMs: 1 },
      );
      expect(calls).toBe(2);
    }
  });

  it('gives up after the bounded number of attempts with a conflict error (409), never the raw driver error', async () => {
    let calls = 0;
    const attempt = retryOnConflict(
      async () => {
        calls++;
        throw deadlock();
      },
      { attempts: 4, baseDelayMs: 1 },
    );
    await expect(attempt).rejects.toBeInstanceOf(RetriesExhaustedError);
    await expect(attempt).rejects.toMatchObject({ code: 'CONCURRENT_CONFLICT' });
    expect(calls).toBe(4);
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    const violation = new UniqueConstraintViolationException(Object.assign(new Error('dup'), { code: '23505' }));
    await expect(
      retryOnConflict(
        async () => {
          calls++;
          throw violation;
        },
        { baseDelayMs: 1 },
      ),
    ).rejects.toBe(violation);
    expect(calls).toBe(1);
  });
});

describe('retryOnConflict reporting', () => {
  it('tells onRetry the SQLSTATE of each conflict it retries, not of the one it gives up on', async () => {
    const seen: string[] = [];
    const codes = ['40P01', '55P03', '40001'];
    await expect(
      retryOnConflict(
        async () => {
          throw Object.assign(new Error('conflict'), { code: codes.shift() ?? '40P01' });
        },
        { attempts: 3, baseDelayMs: 1, onRetry: (sqlState) => seen.push(sqlState) },
      ),
    ).rejects.toBeInstanceOf(RetriesExhaustedError);
    expect(seen).toEqual(['40P01', '55P03']);
  });
});
