import { EventEmitter } from 'node:events';
import { Money } from '@app/money';
import { Operation } from '@app/ledger';
import type { ExportedOperation } from '../application/admin.service';
import { type CsvSink, OPERATIONS_CSV_HEADER, operationsCsvRows, writeOperationsCsv } from './operations.csv';

/** A response whose socket is full until the test says it drained. */
class SlowResponse extends EventEmitter {
  readonly chunks: string[] = [];
  destroyed = false;
  writableEnded = false;
  full = true;

  write(chunk: string): boolean {
    this.chunks.push(chunk);
    return !this.full;
  }

  end(): this {
    this.writableEnded = true;
    return this;
  }

  drain(): void {
    this.emit('drain');
  }

  close(): void {
    this.destroyed = true;
    this.emit('close');
  }
}

const walletA = '00000000-0000-4000-8000-00000000000a';
const walletB = '00000000-0000-4000-8000-00000000000b';

function row(sequence: number): ExportedOperation {
  const operation = Object.assign(new Operation(), {
    id: `op-${sequence}`,
    transferId: `entry-${sequence}`,
    walletId: walletA,
    sourceWalletId: walletA,
    destinationWalletId: walletB,
    type: 'TRANSFER',
    amount: Money.of('-1.00'),
    sequence,
    balanceAfter: Money.of('9.00'),
    timestamp: new Date('2026-12-03T12:00:00.000Z'),
  });
  return {
    operation,
    usernames: new Map([
      [walletA, 'alice'],
      [walletB, 'bob'],
    ]),
    facts: undefined,
  };
}

/** Pages of one row each, counting how many were read and whether reading was closed. */
function pagesOf(count: number) {
  const state = { read: 0, closed: false };
  async function* generate(): AsyncGenerator<ExportedOperation[]> {
    try {
      for (let i = 1; i <= count; i++) {
        state.read = i;
        yield [row(i)];
      }
    } finally {
      state.closed = true;
    }
  }
  return { pages: generate(), state };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('writeOperationsCsv', () => {
  it('reads the next page only once the socket took the previous one (backpressure)', async () => {
    const response = new SlowResponse();
    const { pages, state } = pagesOf(3);
    const first = await pages.next();
    const done = writeOperationsCsv(response as unknown as CsvSink, first, pages);
    await tick();
    // The header is waiting for the socket: no page row written, no second page read.
    expect(response.chunks).toEqual([OPERATIONS_CSV_HEADER]);
    expect(state.read).toBe(1);
    response.drain();
    await tick();
    expect(response.chunks).toHaveLength(2);
    expect(state.read).toBe(1);
    response.drain();
    await tick();
    expect(state.read).toBe(2);
    response.full = false;
    response.drain();
    await done;
    expect(response.chunks).toEqual([OPERATIONS_CSV_HEADER, ...[1, 2, 3].map((i) => operationsCsvRows([row(i)]))]);
    expect(response.writableEnded).toBe(true);
    expect(state.closed).toBe(true);
  });

  it('stops reading pages when the client goes away mid-download', async () => {
    const response = new SlowResponse();
    const { pages, state } = pagesOf(1000);
    const done = writeOperationsCsv(response as unknown as CsvSink, await pages.next(), pages);
    response.drain();
    await tick();
    response.close();
    await done;
    expect(state.read).toBe(1);
    expect(state.closed).toBe(true);
    expect(response.writableEnded).toBe(false);
  });
});

describe('operationsCsvRows', () => {
  it('quotes fields by RFC 4180 and defuses usernames a spreadsheet would run as formulas', () => {
    const exported = row(7);
    exported.usernames = new Map([
      [walletA, 'o"brien, jr'],
      [walletB, '=HYPERLINK("x")'],
    ]);
    expect(operationsCsvRows([exported])).toBe(
      'entry-7,TRANSFER,2026-12-03T12:00:00.000Z,-1.00,9.00,7,' +
        `${walletA},"o""brien, jr",${walletB},"'=HYPERLINK(""x"")",,\r\n`,
    );
  });
});
