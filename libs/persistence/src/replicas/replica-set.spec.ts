import type { MikroORM } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import { formatLsn, parseLsn, Replica, ReplicaSet } from './replica-set';

/** A pool answering one query with whatever `answer()` says now (or failing). */
function fakePool(answer: () => Record<string, unknown> | Error): Pool {
  return {
    query: async () => {
      const row = answer();
      if (row instanceof Error) throw row;
      return { rows: [row] };
    },
    end: async () => undefined,
  } as unknown as Pool;
}

describe('WAL positions', () => {
  it('parse from and format to the X/Y text of pg_lsn, comparing as numbers', () => {
    expect(parseLsn('0/16B3748')).toBe(0x16b3748n);
    expect(parseLsn('1/0')).toBe(1n << 32n);
    expect(parseLsn('1/0')! > parseLsn('0/FFFFFFFF')!).toBe(true);
    expect(formatLsn(parseLsn('A/16B3748')!)).toBe('A/16B3748');
    for (const bad of [undefined, null, '', '0', '0/', 'x/1', '0/1;drop', '123456789/0']) {
      expect(parseLsn(bad)).toBeNull();
    }
  });
});

describe('ReplicaSet', () => {
  let now = 1_000_000;
  let primaryLsn = '0/100';
  let replay: string | Error = '0/100';
  let recovery = true;

  beforeEach(() => {
    now = 1_000_000;
    primaryLsn = '0/100';
    replay = '0/100';
    recovery = true;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
  });
  afterEach(() => jest.restoreAllMocks());

  function replicaSet(maxLagSeconds = 2) {
    const replica = new Replica(
      'replica:5432',
      {} as MikroORM,
      fakePool(() => (replay instanceof Error ? replay : { replay, recovery })),
    );
    const set = new ReplicaSet(
      [replica],
      fakePool(() => ({ lsn: primaryLsn })),
      { maxLagSeconds, pollMs: 50 },
    );
    // One poll, as the timer would run it (private: the tests drive time themselves).
    const poll = () => (set as unknown as { poll(): Promise<void> }).poll();
    return { set, replica, poll };
  }

  it('uses a caught-up replica for any read, and for a client whose position it has replayed', async () => {
    const { set, replica, poll } = replicaSet();
    await poll();
    expect(set.status()).toEqual([{ name: 'replica:5432', lagSeconds: 0, usable: true }]);
    expect(await set.choose(null)).toBe(replica);
    expect(await set.choose(parseLsn('0/100'))).toBe(replica);
  });

  it('asks the replica again before sending a client to the primary, and sends it there when the replica has not replayed its write', async () => {
    const { set, replica, poll } = replicaSet();
    await poll();
    replay = '0/200'; // replayed since the last poll
    expect(await set.choose(parseLsn('0/180'))).toBe(replica);
    expect(await set.choose(parseLsn('0/300'))).toBeNull();
  });

  it('measures lag from when the primary first passed the replay position, and skips the replica past the bound', async () => {
    const { set, poll } = replicaSet(2);
    await poll();
    primaryLsn = '0/500'; // the primary writes; the replica's replay is stuck at 0/100
    now += 100;
    await poll();
    now += 1_000;
    await poll();
    expect(set.status()[0]).toMatchObject({ lagSeconds: 1, usable: true });
    now += 1_500;
    await poll();
    expect(set.status()[0]).toMatchObject({ lagSeconds: 2.5, usable: false });
    expect(await set.choose(null)).toBeNull();
    replay = '0/500';
    await poll();
    expect(set.status()[0]).toMatchObject({ lagSeconds: 0, usable: true });
  });

  it('counts an idle primary as no lag: a paused replica misses nothing', async () => {
    const { set, poll } = replicaSet(2);
    await poll();
    now += 60_000;
    await poll();
    expect(set.status()[0]).toMatchObject({ lagSeconds: 0, usable: true });
  });

  it('skips a replica that stopped answering, or left recovery (promoted)', async () => {
    const { set, poll } = replicaSet();
    await poll();
    replay = new Error('connect ECONNREFUSED');
    now += 100;
    await poll();
    expect(set.status()[0]).toMatchObject({ lagSeconds: null, usable: false });
    replay = '0/100';
    await poll();
    expect(set.status()[0].usable).toBe(true);
    recovery = false;
    await poll();
    expect(set.status()[0].usable).toBe(false);
  });

  it('skips a replica whose last answer is older than a second (stalled)', async () => {
    const { set, poll } = replicaSet();
    await poll();
    now += 1_500;
    expect(set.status()[0].usable).toBe(false);
  });
});
