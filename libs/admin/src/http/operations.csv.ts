import type { ServerResponse } from 'node:http';
import type { ExportedOperation } from '../application/admin.service';

/** The export's columns, in order: the header row. */
export const OPERATIONS_CSV_COLUMNS = [
  'transfer_id',
  'type',
  'created_at',
  'amount',
  'balance_after',
  'sequence',
  'source_wallet_id',
  'source_username',
  'destination_wallet_id',
  'destination_username',
  'reverses',
  'reversed_amount',
] as const;

/**
 * One field by RFC 4180: quoted when it holds a comma, a double quote or a
 * line break, its quotes doubled. Free text a user chose (a username) that a
 * spreadsheet would run as a formula (starting with =, +, -, @, tab or CR)
 * is prefixed with an apostrophe (OWASP, "CSV Injection"); amounts are
 * ours and keep their sign.
 */
function field(value: string | number | null, text = false): string {
  if (value === null) return '';
  let out = String(value);
  if (text && /^[=+\-@\t\r]/.test(out)) out = `'${out}`;
  return /[",\r\n]/.test(out) ? `"${out.replace(/"/g, '""')}"` : out;
}

export const OPERATIONS_CSV_HEADER = `${OPERATIONS_CSV_COLUMNS.join(',')}\r\n`;

export function operationsCsvRows(rows: readonly ExportedOperation[]): string {
  return rows
    .map(
      ({ operation, usernames, facts }) =>
        [
          field(operation.transferId),
          field(operation.type),
          field(operation.timestamp!.toISOString()),
          field(operation.amount.toFixed()),
          field(operation.balanceAfter?.toFixed() ?? null),
          field(operation.sequence),
          field(operation.sourceWalletId),
          field(usernames.get(operation.sourceWalletId) ?? null, true),
          field(operation.destinationWalletId),
          field(usernames.get(operation.destinationWalletId) ?? null, true),
          field(facts?.reverses ?? null),
          field(facts?.reversedAmount?.toFixed() ?? null),
        ].join(',') + '\r\n',
    )
    .join('');
}

/** The slice of a response the export writes to (a ServerResponse; a fake in the unit test). */
export type CsvSink = Pick<ServerResponse, 'write' | 'end' | 'on' | 'off' | 'destroyed' | 'writableEnded'>;

/**
 * Writes a chunk, respecting backpressure: resolves once the socket took it
 * (at once, or on 'drain'), or false when the client went away meanwhile.
 */
export function writeRespectingBackpressure(response: CsvSink, chunk: string): Promise<boolean> {
  if (response.destroyed || response.writableEnded) return Promise.resolve(false);
  if (response.write(chunk)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const settle = (written: boolean) => {
      response.off('drain', drained);
      response.off('close', closed);
      resolve(written);
    };
    const drained = () => settle(true);
    const closed = () => settle(false);
    response.on('drain', drained);
    response.on('close', closed);
  });
}

/**
 * Writes the header, then each page once the socket took the one before,
 * and ends the response: the next page is read only then, so one page is in
 * memory at a time however slow the client. A client that goes away stops
 * the reads (the pages are closed). `first` was read by the caller, before
 * it committed to a 200.
 */
export async function writeOperationsCsv(
  response: CsvSink,
  first: IteratorResult<ExportedOperation[]>,
  pages: AsyncGenerator<ExportedOperation[]>,
): Promise<void> {
  try {
    if (!(await writeRespectingBackpressure(response, OPERATIONS_CSV_HEADER))) return;
    for (let page = first; !page.done; page = await pages.next()) {
      if (!(await writeRespectingBackpressure(response, operationsCsvRows(page.value)))) return;
    }
    response.end();
  } finally {
    await pages.return(undefined);
  }
}
