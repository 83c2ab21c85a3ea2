import type { UnitOfWork } from '@app/persistence';
import { AuditTimedOutError } from '../domain/ledger.errors';
import { GENESIS_HASH, operationHash } from '../domain/operation-hash';
import type { AuditedOperation, AuditedWallet, LedgerAuditQuery } from '../persistence/ledger-audit.query';
import { LedgerAuditor } from './ledger-auditor';

const WALLET = '00000000-0000-4000-8000-0000000000aa';
const OPERATIONS = 1_000;

/** One wallet with OPERATIONS deposits of 1.00, correctly chained. */
function ledger(): { wallet: AuditedWallet; operations: AuditedOperation[] } {
  const operations: AuditedOperation[] = [];
  let previous = GENESIS_HASH;
  for (let n = 1; n <= OPERATIONS; n++) {
    const fields = {
      id: `00000000-0000-4000-8001-${n.toString(16).padStart(12, '0')}`,
      transferId: `00000000-0000-4000-8002-${n.toString(16).padStart(12, '0')}`,
      type: 'DEPOSIT',
      walletId: WALLET,
      sourceWalletId: '00000000-0000-4000-8000-000000000001',
      destinationWalletId: WALLET,
      amount: '1.00',
      sequence: n,
      balanceAfter: `${n}.00`,
      timestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, n)),
    };
    previous = operationHash(fields, previous);
    operations.push({ ...fields, hash: previous });
  }
  return { wallet: { id: WALLET, balance: `${OPERATIONS}.00`, lastSequence: OPERATIONS, chainHead: previous }, operations };
}

/**
 * The auditor on a query double whose answers are already resolved promises:
 * without the turns it gives back on purpose, the whole audit would run in
 * microtasks, without a single turn of the event loop.
 */
function auditorOn(options: { timeoutSeconds?: number } = {}) {
  const { wallet, operations } = ledger();
  const calls = { tryLock: 0, rolledBack: 0, sequencedReads: 0 };
  const query = {
    tryLock: async () => {
      calls.tryLock++;
      return { locked: true, statementTimeoutMs: 15_000 };
    },
    lockHolder: async () => null,
    limitStatements: async () => undefined,
    total: async () => '0.00',
    unbalancedEntries: async () => [],
    userWallets: async (afterId: string) => (afterId < WALLET ? [wallet] : []),
    sequencedOperations: async (
      _first: string,
      _last: string,
      after: { sequence: number } | null,
      limit: number,
    ): Promise<AuditedOperation[]> => {
      calls.sequencedReads++;
      const from = after?.sequence ?? 0;
      return operations.slice(from, from + limit);
    },
    unsequencedOperations: async () => [],
  } as unknown as LedgerAuditQuery;
  const unitOfWork = {
    snapshot: async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        calls.rolledBack++;
        throw error;
      }
    },
  } as unknown as UnitOfWork;
  const auditor = new LedgerAuditor(unitOfWork, query, { timeoutSeconds: options.timeoutSeconds ?? 600 });
  return { auditor, calls };
}

/** Turns of the event loop (setImmediate callbacks) that ran before `work` settled. */
async function turnsDuring(work: Promise<unknown>): Promise<number> {
  let settled = false;
  let turns = 0;
  const tick = () => {
    if (settled) return;
    turns++;
    setImmediate(tick);
  };
  setImmediate(tick);
  await work.finally(() => {
    settled = true;
  });
  return turns;
}

describe('LedgerAuditor (issue 15)', () => {
  afterEach(() => jest.restoreAllMocks());

  it('gives the event loop a turn every 100 operations it replays', async () => {
    const { auditor } = auditorOn();
    const report = auditor.run();
    const turns = await turnsDuring(report);
    expect(await report).toMatchObject({ chainOk: true, operationsChecked: OPERATIONS, walletsChecked: 1 });
    expect(turns).toBeGreaterThanOrEqual(OPERATIONS / 100);
  });

  it('answers callers who come while a run is in flight with that run: one lock, one scan', async () => {
    const { auditor, calls } = auditorOn();
    const first = auditor.run();
    const second = auditor.run();
    expect(second).toBe(first);
    expect(auditor.activity).toEqual({ scansStarted: 0, waiting: 2 });
    const [a, b] = await Promise.all([first, second]);
    expect(b).toBe(a);
    expect(calls.tryLock).toBe(1);
    expect(auditor.activity).toEqual({ scansStarted: 1, waiting: 0 });
    // A caller after the end starts a new run.
    await auditor.run();
    expect(calls.tryLock).toBe(2);
  });

  it('abandons the run once its time limit has passed, inside the transaction, and keeps no failed run', async () => {
    const { auditor, calls } = auditorOn({ timeoutSeconds: 5 });
    const start = Date.now();
    let now = start;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const report = auditor.run();
    // The clock passes the limit while the first batch is being replayed.
    const jump = setImmediate(() => {
      now = start + 5_001;
    });
    await expect(report).rejects.toBeInstanceOf(AuditTimedOutError);
    clearImmediate(jump);
    expect(calls.rolledBack).toBe(1);
    expect(calls.sequencedReads).toBe(1);
    expect(auditor.activity.waiting).toBe(0);
    now = start + 60_000;
    jest.restoreAllMocks();
    await expect(auditor.run()).resolves.toMatchObject({ chainOk: true });
  });
});
