/**
 * The console's only door to the server: /v1/auth/* and /v1/admin/*, JSON in
 * and out, the session cookie sent same-origin. Every answer is the envelope
 * {status: {success, errors}, data, meta?}; a failure becomes an ApiError that
 * carries the server's own messages, which the console shows as they are.
 */

export interface ApiErrorItem {
  code: string;
  message: string;
  target?: string;
  /** The specific failure (INSUFFICIENT_FUNDS, WALLET_FROZEN, ALREADY_REVERSED, ...), when the server names one. */
  reason?: string;
}

export class ApiError extends Error {
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    readonly errors: ApiErrorItem[],
    /** The answer's Retry-After in seconds (429, 503), when it said one. */
    readonly retryAfterSeconds: number | null = null,
  ) {
    super(errors.map((e) => e.message).join(' ') || `HTTP ${status}`);
  }

  get unauthenticated(): boolean {
    return this.status === 401;
  }
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type Role = 'user' | 'admin';

export interface Principal {
  id: string;
  username: string;
  role: Role;
}

export interface WalletSummary {
  id: string;
  balance: string;
  available: string;
  frozen: boolean;
}

export interface AdminUser {
  id: string;
  username: string;
  role: Role;
  created_at: string;
  wallet: WalletSummary | null;
}

export interface AdminWallet {
  id: string;
  user_id: string | null;
  username?: string | null;
  kind: 'USER' | 'SYSTEM';
  balance: string;
  available: string;
  frozen: boolean;
  frozen_at: string | null;
  /** From the freeze that froze it; null when not frozen. */
  frozen_reason: string | null;
  /** The admin's username; null when not frozen (or frozen from the command line). */
  frozen_by: string | null;
  last_sequence: number | null;
}

export type OperationType = 'DEPOSIT' | 'TRANSFER' | 'REVERSAL';

export interface Operation {
  id: string;
  transfer_id: string;
  wallet_id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  type: OperationType;
  /** Signed: negative on the wallet that pays. */
  amount: string;
  timestamp: string;
  sequence: number | null;
  balance_after: string | null;
  /** On a REVERSAL's legs: the transfer_id of the entry it corrects. */
  reverses: string | null;
  /** How much of this operation's entry has been reversed so far (positive); null while nothing is. */
  reversed_amount: string | null;
  /** Admin routes only; null for the funding wallet. */
  source_username?: string | null;
  destination_username?: string | null;
}

export interface Reversal {
  id: string;
  type: 'REVERSAL';
  reversed_transfer_id: string;
  reason: string | null;
  /** This reversal's amount. */
  amount: string;
  /** The reversed entry's total reversed after this one. */
  reversed_amount: string;
  /** What is left to reverse. */
  remaining: string;
  operations: Operation[];
}

/** GET /v1/admin/transfers/{transfer_id}: one journal entry (deposit, transfer or reversal). */
export interface TransferDetail {
  transfer_id: string;
  type: OperationType;
  created_at: string;
  amount: string;
  source_wallet_id: string;
  source_username: string | null;
  destination_wallet_id: string;
  destination_username: string | null;
  reverses: string | null;
  reversed_amount: string | null;
  reversals: { transfer_id: string; amount: string; created_at: string }[];
  operations: Operation[];
}

/** GET /v1/admin/lookup/{uuid}: what an id names. */
export interface Lookup {
  kind: 'user' | 'wallet' | 'transfer';
  user_id: string | null;
  wallet_id: string | null;
  transfer_id: string | null;
}

export type HoldStatus = 'PENDING' | 'CAPTURED' | 'VOIDED' | 'EXPIRED';

export interface Hold {
  id: string;
  source_wallet_id: string;
  destination_wallet_id: string;
  destination_username: string | null;
  amount: string;
  captured_amount: string | null;
  status: HoldStatus;
  expires_at: string;
  created_at: string;
}

/** The operations filters: empty strings mean no filter. */
export interface OperationFilter {
  /** One type or a comma-separated list (DEPOSIT,TRANSFER,REVERSAL). */
  type: string;
  /** ISO timestamps: from inclusive, to exclusive. */
  from: string;
  to: string;
}

export interface ChainBreak {
  wallet_id: string;
  operation_id: string | null;
  sequence: number | null;
  problem: string;
  expected: string;
  found: string;
}

export interface AuditReport {
  balanced: boolean;
  total: string;
  wallets_checked: number;
  operations_checked: number;
  chain_ok: boolean;
  mismatches: { wallet_id: string; stored: string; recomputed: string }[];
  unbalanced_entries: string[];
  first_break: ChainBreak | null;
}

export type AdminActionType = 'PROMOTE' | 'DEMOTE' | 'END_SESSIONS' | 'REVERSAL' | 'FREEZE' | 'UNFREEZE' | 'HOLD_VOID';

export interface AdminAction {
  id: string;
  admin_id: string | null;
  /** null for the command line. */
  admin_username: string | null;
  action: AdminActionType;
  target: string;
  /** The owner when the target is a wallet or a user. */
  target_username: string | null;
  reason: string | null;
  created_at: string;
  /** A REVERSAL's amount, its entry, and the parties of the entry it reversed; null on other actions. */
  amount: string | null;
  entry_id: string | null;
  source_wallet_id: string | null;
  source_username: string | null;
  destination_wallet_id: string | null;
  destination_username: string | null;
}

interface Envelope<T> {
  status?: { success?: boolean; errors?: ApiErrorItem[] };
  data?: T;
  meta?: { next_cursor?: string | null };
}

async function call<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<Envelope<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers:
        body === undefined
          ? { Accept: 'application/json' }
          : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, [
      { code: 'NETWORK', message: 'The server cannot be reached. Check the connection and try again.' },
    ]);
  }
  let envelope: Envelope<T>;
  try {
    envelope = (await response.json()) as Envelope<T>;
  } catch {
    throw new ApiError(response.status, [
      {
        code: 'BAD_RESPONSE',
        message: `The server answered ${response.status} ${response.statusText} without a JSON body.`,
      },
    ]);
  }
  if (!response.ok || envelope.status?.success !== true) {
    const errors = envelope.status?.errors?.length
      ? envelope.status.errors
      : [{ code: 'HTTP', message: `HTTP ${response.status}` }];
    const retryAfter = Number(response.headers.get('Retry-After') ?? NaN);
    throw new ApiError(response.status, errors, Number.isInteger(retryAfter) && retryAfter >= 0 ? retryAfter : null);
  }
  return envelope;
}

async function data<T>(method: 'GET' | 'POST', path: string, body?: object): Promise<T> {
  return (await call<T>(method, path, body)).data as T;
}

type Query = Record<string, string | number | null | undefined>;

/** The path with its query string; empty and absent values are left out. */
function withQuery(path: string, query: Query): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  }
  const qs = search.toString();
  return qs ? `${path}?${qs}` : path;
}

async function page<T>(path: string, query: Query): Promise<Page<T>> {
  const envelope = await call<T[]>('GET', withQuery(path, query));
  return { items: envelope.data ?? [], nextCursor: envelope.meta?.next_cursor ?? null };
}

const id = (value: string) => encodeURIComponent(value);

/** An empty reason is sent as no reason at all. */
const reasonBody = (reason: string) => (reason.trim() ? { reason: reason.trim() } : {});

export const api = {
  login: (username: string, password: string) => data<Principal>('POST', '/v1/auth/login', { username, password }),
  me: () => data<Principal>('GET', '/v1/auth/me'),
  logout: () => data<null>('POST', '/v1/auth/logout', {}),

  users: (query: string, cursor: string | null, limit = 20) =>
    page<AdminUser>('/v1/admin/users', { query, cursor, limit }),
  wallet: (walletId: string) => data<AdminWallet>('GET', `/v1/admin/wallets/${id(walletId)}`),
  operations: (walletId: string, filter: OperationFilter, cursor: string | null, limit = 50) =>
    page<Operation>(`/v1/admin/wallets/${id(walletId)}/operations`, { ...filter, order: 'desc', limit, cursor }),
  /** Not fetched: the address of the CSV file, for a download link (the browser sends the session cookie). */
  operationsCsvUrl: (walletId: string, filter: OperationFilter) =>
    withQuery(`/v1/admin/wallets/${id(walletId)}/operations.csv`, { ...filter }),
  holds: (walletId: string, cursor: string | null, limit = 20) =>
    page<Hold>(`/v1/admin/wallets/${id(walletId)}/holds`, { cursor, limit }),
  voidHold: (holdId: string, reason: string) =>
    data<Hold>('POST', `/v1/admin/holds/${id(holdId)}/void`, reasonBody(reason)),
  transfer: (transferId: string) => data<TransferDetail>('GET', `/v1/admin/transfers/${id(transferId)}`),
  lookup: (uuid: string) => data<Lookup>('GET', `/v1/admin/lookup/${id(uuid)}`),
  /** `amount` empty: everything that is left of the entry. */
  reverse: (transferId: string, reason: string, amount = '') =>
    data<Reversal>('POST', `/v1/admin/transfers/${id(transferId)}/reversal`, {
      ...reasonBody(reason),
      ...(amount.trim() ? { amount: amount.trim() } : {}),
    }),
  freeze: (walletId: string, reason: string) =>
    data<AdminWallet>('POST', `/v1/admin/wallets/${id(walletId)}/freeze`, reasonBody(reason)),
  unfreeze: (walletId: string, reason: string) =>
    data<AdminWallet>('POST', `/v1/admin/wallets/${id(walletId)}/unfreeze`, reasonBody(reason)),
  audit: () => data<AuditReport>('GET', '/v1/admin/ledger/audit'),
  /** `target`: only the actions on that id (a wallet, a user, a transfer); null: all of them. */
  actions: (target: string | null, cursor: string | null, limit = 50) =>
    page<AdminAction>('/v1/admin/actions', { target, cursor, limit }),
};
