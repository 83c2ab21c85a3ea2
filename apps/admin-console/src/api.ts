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
}

export interface Reversal {
  id: string;
  type: 'REVERSAL';
  reversed_transfer_id: string;
  reason: string | null;
  operations: Operation[];
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

export type AdminActionType = 'PROMOTE' | 'DEMOTE' | 'END_SESSIONS' | 'REVERSAL' | 'FREEZE' | 'UNFREEZE';

export interface AdminAction {
  id: string;
  admin_id: string | null;
  admin_username: string | null;
  action: AdminActionType;
  target: string;
  reason: string | null;
  created_at: string;
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

async function page<T>(path: string, query: Record<string, string | number | null | undefined>): Promise<Page<T>> {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== '') search.set(name, String(value));
  }
  const qs = search.toString();
  const envelope = await call<T[]>('GET', qs ? `${path}?${qs}` : path);
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
  operations: (walletId: string, cursor: string | null, limit = 50) =>
    page<Operation>(`/v1/admin/wallets/${id(walletId)}/operations`, { order: 'desc', limit, cursor }),
  reverse: (transferId: string, reason: string) =>
    data<Reversal>('POST', `/v1/admin/transfers/${id(transferId)}/reversal`, reasonBody(reason)),
  freeze: (walletId: string, reason: string) =>
    data<AdminWallet>('POST', `/v1/admin/wallets/${id(walletId)}/freeze`, reasonBody(reason)),
  unfreeze: (walletId: string, reason: string) =>
    data<AdminWallet>('POST', `/v1/admin/wallets/${id(walletId)}/unfreeze`, reasonBody(reason)),
  audit: () => data<AuditReport>('GET', '/v1/admin/ledger/audit'),
  actions: (cursor: string | null, limit = 50) => page<AdminAction>('/v1/admin/actions', { cursor, limit }),
};
