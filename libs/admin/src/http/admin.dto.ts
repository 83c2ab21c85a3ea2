import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ChainBreak, LedgerAuditReport } from '@app/ledger';
import {
  OptionalAmount,
  OptionalCursor,
  OptionalIntInRange,
  OptionalListOf,
  OptionalString,
  OptionalTimestamp,
  OptionalUuid,
  UUID_PATTERN,
  encodeCursor,
} from '@app/http';
import { EntryType, type Hold, type Operation } from '@app/ledger';
import type { Money } from '@app/money';
import type { Reversal } from '@app/transfers';
import { OperationResponse, OperationsQuery } from '@app/wallets';
import { AdminActionType } from '../domain/admin-action.entity';
import type { AdminWalletView, TransferView, UserWithWallet } from '../application/admin.service';
import type { LoggedAction, LogPosition } from '../persistence/admin-action.repository';
import type { AdminHold, HoldPosition, Lookup } from '../persistence/admin-reads.query';

export class ReasonRequest {
  @ApiPropertyOptional({
    maxLength: 500,
    example: 'Customer reported a mistaken transfer (ticket 4711)',
    description: 'Free text: tabs and line breaks allowed, no other control character',
  })
  @OptionalString({ maxLength: 500, multiline: true })
  reason?: string | null;
}

export class ReversalRequest extends ReasonRequest {
  @ApiPropertyOptional({
    type: String,
    example: '12.34',
    description:
      'A partial reversal (a refund): at most what is left of the entry (409 REVERSAL_EXCEEDS_REMAINING otherwise); ' +
      'default: all that is left. A decimal string (a JSON number is accepted too) matching ^[0-9]{1,13}(\\.[0-9]{1,2})?$, ' +
      'from 0.01 to 9999999999999.99; more than two fraction digits, exponents, signs and spaces are refused (422), never rounded.',
  })
  @OptionalAmount()
  amount?: Money;
}

/** Users after this name, for the same query. */
interface UserPosition {
  query: string;
  username: string;
}

export class UsersQuery {
  @ApiPropertyOptional({ description: 'Username prefix, ignoring case; empty: every user', maxLength: 150 })
  @OptionalString({ maxLength: 150 })
  query?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @OptionalIntInRange(1, 100)
  limit?: number;

  @ApiPropertyOptional({ type: String, description: 'meta.next_cursor of the previous page (same query)' })
  @OptionalCursor(readUserPosition)
  cursor?: UserPosition;
}

export function userCursor(position: UserPosition): string {
  return encodeCursor({ q: position.query, u: position.username });
}

function readUserPosition(position: Record<string, unknown>): UserPosition | null {
  const { q, u } = position;
  return typeof q === 'string' && typeof u === 'string' ? { query: q, username: u } : null;
}

export class ActionsQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'uuid',
    description: 'Only the actions on this id: a wallet, a user, a transfer (journal entry) or a hold',
  })
  @OptionalUuid()
  target?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 50 })
  @OptionalIntInRange(1, 100)
  limit?: number;

  @ApiPropertyOptional({ type: String, description: 'meta.next_cursor of the previous page' })
  @OptionalCursor(readLogPosition)
  cursor?: LogPosition;
}

export function logCursor(position: LogPosition): string {
  return encodeCursor({ t: position.createdAt.getTime(), i: position.id });
}

/** The moments a log line can carry: years 1 to 9999 in UTC, as every timestamp the API reads (OptionalTimestamp). */
const FIRST_MOMENT = new Date(0).setUTCFullYear(1, 0, 1);
const LAST_MOMENT = new Date(0).setUTCFullYear(9999, 11, 31) + 86_400_000 - 1;

/**
 * A cursor is the client's input: a crafted one names a moment of the years 1
 * to 9999 (milliseconds since 1970) and a UUID, or it is no cursor (422)
 * rather than a Date no SQL can hold or an id PostgreSQL refuses (500).
 */
function readLogPosition(position: Record<string, unknown>): LogPosition | null {
  const { t, i } = position;
  return typeof t === 'number' &&
    Number.isSafeInteger(t) &&
    t >= FIRST_MOMENT &&
    t <= LAST_MOMENT &&
    typeof i === 'string' &&
    UUID_PATTERN.test(i)
    ? { createdAt: new Date(t), id: i.toLowerCase() }
    : null;
}

const ENTRY_TYPES = Object.values(EntryType);

const TYPE_DOC = {
  type: String,
  example: 'TRANSFER,REVERSAL',
  description: `Only these entry types, comma-separated (${ENTRY_TYPES.join(', ')}); an unknown one is 422`,
};
const FROM_DOC = {
  type: String,
  format: 'date-time',
  description: 'Only operations at or after this moment (inclusive); without a zone, UTC',
};
const TO_DOC = {
  type: String,
  format: 'date-time',
  description: 'Only operations before this moment (exclusive); without a zone, UTC',
};

/** GET /v1/admin/wallets/{id}/operations: the user route's paging, and filters. */
export class AdminOperationsQuery extends OperationsQuery {
  @ApiPropertyOptional(TYPE_DOC)
  @OptionalListOf(ENTRY_TYPES)
  type?: EntryType[];

  @ApiPropertyOptional(FROM_DOC)
  @OptionalTimestamp()
  from?: Date;

  @ApiPropertyOptional(TO_DOC)
  @OptionalTimestamp()
  to?: Date;
}

/** GET /v1/admin/wallets/{id}/operations.csv: the same filters, every matching operation. */
export class OperationsCsvQuery {
  @ApiPropertyOptional(TYPE_DOC)
  @OptionalListOf(ENTRY_TYPES)
  type?: EntryType[];

  @ApiPropertyOptional(FROM_DOC)
  @OptionalTimestamp()
  from?: Date;

  @ApiPropertyOptional(TO_DOC)
  @OptionalTimestamp()
  to?: Date;
}

/** An operation as operators see it: the user route's, with both parties' usernames. */
export class AdminOperationResponse extends OperationResponse {
  @ApiProperty({ type: String, nullable: true, description: "The paying wallet's owner; null for the funding wallet" })
  source_username: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The receiving wallet's owner; null for the funding wallet" })
  destination_username: string | null;

  static withNames(operation: Operation, usernames: ReadonlyMap<string, string | null>): AdminOperationResponse {
    return Object.assign(new AdminOperationResponse(), OperationResponse.of(operation), {
      source_username: usernames.get(operation.sourceWalletId) ?? null,
      destination_username: usernames.get(operation.destinationWalletId) ?? null,
    });
  }
}

export class HoldsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @OptionalIntInRange(1, 1000)
  limit?: number;

  @ApiPropertyOptional({ type: String, description: 'meta.next_cursor of the previous page; valid for the same wallet only' })
  @OptionalCursor(readHoldPosition)
  cursor?: HoldPosition;
}

export function holdCursor(position: HoldPosition): string {
  return encodeCursor({ w: position.walletId, t: position.createdAt.getTime(), i: position.id });
}

function readHoldPosition(position: Record<string, unknown>): HoldPosition | null {
  const { w, t, i } = position;
  return typeof w === 'string' &&
    UUID_PATTERN.test(w) &&
    typeof t === 'number' &&
    Number.isSafeInteger(t) &&
    t >= FIRST_MOMENT &&
    t <= LAST_MOMENT &&
    typeof i === 'string' &&
    UUID_PATTERN.test(i)
    ? { walletId: w.toLowerCase(), createdAt: new Date(t), id: i.toLowerCase() }
    : null;
}

export class AdminHoldResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The wallet that placed the hold (the payer)' })
  source_wallet_id: string;

  @ApiProperty({ format: 'uuid' })
  destination_wallet_id: string;

  @ApiProperty({ type: String, nullable: true, description: "The destination wallet's owner" })
  destination_username: string | null;

  @ApiProperty({ type: String, example: '25.00', description: 'The held amount' })
  amount: string;

  @ApiProperty({ type: String, nullable: true, example: '20.00', description: 'What a capture posted' })
  captured_amount: string | null;

  @ApiProperty({
    enum: ['PENDING', 'CAPTURED', 'VOIDED', 'EXPIRED'],
    description: 'A pending hold past its expiry reads EXPIRED (it reserves nothing)',
  })
  status: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  static of(hold: AdminHold): AdminHoldResponse {
    return Object.assign(new AdminHoldResponse(), {
      id: hold.id,
      source_wallet_id: hold.sourceWalletId,
      destination_wallet_id: hold.destinationWalletId,
      destination_username: hold.destinationUsername,
      amount: hold.amount.toFixed(),
      captured_amount: hold.capturedAmount?.toFixed() ?? null,
      status: hold.status,
      expires_at: hold.expiresAt.toISOString(),
      created_at: hold.createdAt.toISOString(),
    });
  }

  /** A hold a batch just resolved, with the destination's owner read before. */
  static ofEntity(hold: Hold, destinationUsername: string | null): AdminHoldResponse {
    return AdminHoldResponse.of({
      id: hold.id,
      sourceWalletId: hold.sourceWalletId,
      destinationWalletId: hold.destinationWalletId,
      destinationUsername,
      amount: hold.amount,
      capturedAmount: hold.capturedAmount,
      status: hold.status,
      expiresAt: hold.expiresAt,
      createdAt: hold.createdAt!,
    });
  }
}

export class TransferReversalResponse {
  @ApiProperty({ format: 'uuid', description: 'The REVERSAL entry' })
  transfer_id: string;

  @ApiProperty({ type: String, example: '3.00' })
  amount: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;
}

export class TransferViewResponse {
  @ApiProperty({ format: 'uuid' })
  transfer_id: string;

  @ApiProperty({ enum: ENTRY_TYPES })
  type: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, example: '10.00', description: 'What the entry moved from source to destination' })
  amount: string;

  @ApiProperty({ format: 'uuid', description: 'The paying wallet (the funding wallet for a deposit)' })
  source_wallet_id: string;

  @ApiProperty({ type: String, nullable: true, description: 'null for the funding wallet' })
  source_username: string | null;

  @ApiProperty({ format: 'uuid' })
  destination_wallet_id: string;

  @ApiProperty({ type: String, nullable: true, description: 'null for the funding wallet' })
  destination_username: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'For a REVERSAL: the entry it corrects' })
  reverses: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '3.00',
    description: "The sum of this entry's reversals; null while nothing is reversed",
  })
  reversed_amount: string | null;

  @ApiProperty({ type: [TransferReversalResponse], description: 'Its REVERSAL entries, oldest first' })
  reversals: TransferReversalResponse[];

  @ApiProperty({ type: [AdminOperationResponse], description: 'Its legs, the paying one first, with receipts' })
  operations: AdminOperationResponse[];

  static of(view: TransferView): TransferViewResponse {
    const { entry, legs } = view;
    const usernames = new Map([
      [entry.sourceWalletId, entry.sourceUsername],
      [entry.destinationWalletId, entry.destinationUsername],
    ]);
    return Object.assign(new TransferViewResponse(), {
      transfer_id: entry.id,
      type: entry.type,
      created_at: entry.createdAt.toISOString(),
      amount: entry.amount.toFixed(),
      source_wallet_id: entry.sourceWalletId,
      source_username: entry.sourceUsername,
      destination_wallet_id: entry.destinationWalletId,
      destination_username: entry.destinationUsername,
      reverses: entry.reverses,
      reversed_amount: entry.reversedAmount?.toFixed() ?? null,
      reversals: entry.reversals.map((reversal) => ({
        transfer_id: reversal.id,
        amount: reversal.amount.toFixed(),
        created_at: reversal.createdAt.toISOString(),
      })),
      operations: legs.map((leg) => AdminOperationResponse.withNames(leg, usernames)),
    });
  }
}

export class LookupResponse {
  @ApiProperty({ enum: ['user', 'wallet', 'transfer'], description: 'What the id names' })
  kind: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The user, or the wallet\'s owner' })
  user_id: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The wallet, or the user\'s wallet' })
  wallet_id: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The journal entry (any type)' })
  transfer_id: string | null;

  static of(found: Lookup): LookupResponse {
    return Object.assign(new LookupResponse(), {
      kind: found.kind,
      user_id: found.userId,
      wallet_id: found.walletId,
      transfer_id: found.transferId,
    });
  }
}

export class AdminWalletSummary {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, example: '100.00' })
  balance: string;

  @ApiProperty({ type: String, example: '80.00', description: 'balance less active holds' })
  available: string;

  @ApiProperty()
  frozen: boolean;
}

export class AdminUserResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ enum: ['user', 'admin'] })
  role: string;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: AdminWalletSummary, nullable: true })
  wallet: AdminWalletSummary | null;

  static of({ user, wallet }: UserWithWallet): AdminUserResponse {
    return Object.assign(new AdminUserResponse(), {
      id: user.id,
      username: user.username,
      role: user.role,
      created_at: user.createdAt!.toISOString(),
      wallet: wallet
        ? {
            id: wallet.wallet.id,
            balance: wallet.balance.toFixed(),
            available: wallet.available.toFixed(),
            frozen: wallet.wallet.frozen,
          }
        : null,
    });
  }
}

export class AdminWalletResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid', nullable: true, description: 'null for the system funding wallet' })
  user_id: string | null;

  @ApiProperty({ type: String, nullable: true, description: "The owner's username; null for the system funding wallet" })
  username: string | null;

  @ApiProperty({ enum: ['USER', 'SYSTEM'] })
  kind: string;

  @ApiProperty({ type: String, example: '100.00' })
  balance: string;

  @ApiProperty({ type: String, example: '80.00', description: 'balance less active holds' })
  available: string;

  @ApiProperty({ description: 'A frozen wallet can neither send nor receive' })
  frozen: boolean;

  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'When it was frozen; null when not frozen' })
  frozen_at: string | null;

  @ApiProperty({ type: String, nullable: true, description: 'The reason the freeze gave; null when not frozen' })
  frozen_reason: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'The username of the admin who froze it; null when not frozen (or frozen from the command line)',
  })
  frozen_by: string | null;

  @ApiProperty({ type: 'integer', nullable: true, description: 'Sequence of its newest operation (null: system wallet)' })
  last_sequence: number | null;

  static of(view: AdminWalletView): AdminWalletResponse {
    return Object.assign(new AdminWalletResponse(), {
      id: view.wallet.id,
      user_id: view.wallet.userId,
      username: view.username,
      kind: view.wallet.kind,
      balance: view.balance.toFixed(),
      available: view.available.toFixed(),
      frozen: view.wallet.frozen,
      frozen_at: view.wallet.frozenAt?.toISOString() ?? null,
      frozen_reason: view.wallet.frozen ? (view.freeze?.reason ?? null) : null,
      frozen_by: view.wallet.frozen ? (view.freeze?.adminUsername ?? null) : null,
      last_sequence: view.wallet.lastSequence,
    });
  }
}

export class ReversalResponse {
  @ApiProperty({ format: 'uuid', description: 'The REVERSAL journal entry' })
  id: string;

  @ApiProperty({ enum: ['REVERSAL'] })
  type: 'REVERSAL';

  @ApiProperty({ format: 'uuid' })
  reversed_transfer_id: string;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, example: '3.00', description: 'What this reversal moved back' })
  amount: string;

  @ApiProperty({
    type: String,
    example: '7.00',
    description: "What the reversed entry's reversals add up to, this one included (never more than its amount)",
  })
  reversed_amount: string;

  @ApiProperty({ type: String, example: '3.00', description: 'What is left to reverse of the entry ("0.00": nothing)' })
  remaining: string;

  @ApiProperty({
    type: [OperationResponse],
    description:
      "Its legs: the original payee's debit, then the original payer's credit (with receipts); for a deposit, " +
      "the depositor's debit, then the funding wallet's credit",
  })
  operations: OperationResponse[];

  static of(reversal: Reversal, reason: string | null): ReversalResponse {
    return Object.assign(new ReversalResponse(), {
      id: reversal.id,
      type: 'REVERSAL' as const,
      reversed_transfer_id: reversal.reverses,
      reason,
      amount: reversal.amount.toFixed(),
      reversed_amount: reversal.reversedTotal.toFixed(),
      remaining: reversal.remaining.toFixed(),
      operations: reversal.operations.map(OperationResponse.of),
    });
  }
}

export class WalletMismatchResponse {
  @ApiProperty({ format: 'uuid' })
  wallet_id: string;

  @ApiProperty({ type: String })
  stored: string;

  @ApiProperty({ type: String })
  recomputed: string;
}

export class ChainBreakResponse {
  @ApiProperty({ format: 'uuid' })
  wallet_id: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: the wallet row itself disagrees' })
  operation_id: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  sequence: number | null;

  @ApiProperty({
    enum: ['sequence', 'balance_after', 'hash', 'unsequenced_user_leg', 'balance', 'last_sequence', 'chain_head'],
    description: 'What differs',
  })
  problem: string;

  @ApiProperty({ description: 'What recomputing the ledger gives' })
  expected: string;

  @ApiProperty({ description: 'What is stored' })
  found: string;

  static of(found: ChainBreak): ChainBreakResponse {
    return Object.assign(new ChainBreakResponse(), {
      wallet_id: found.walletId,
      operation_id: found.operationId,
      sequence: found.sequence,
      problem: found.problem,
      expected: found.expected,
      found: found.found,
    });
  }
}

export class AuditResponse {
  @ApiProperty({ description: 'Every journal entry, and so the whole ledger, sums to zero' })
  balanced: boolean;

  @ApiProperty({ type: String, example: '0.00', description: 'Sum of every operation' })
  total: string;

  @ApiProperty({ type: 'integer' })
  wallets_checked: number;

  @ApiProperty({ type: 'integer' })
  operations_checked: number;

  @ApiProperty({ type: [WalletMismatchResponse], description: 'User wallets whose stored balance is not the sum of their operations (at most 100)' })
  mismatches: WalletMismatchResponse[];

  @ApiProperty({ type: [String], description: 'Journal entries whose legs do not sum to zero (at most 100)' })
  unbalanced_entries: string[];

  @ApiProperty({ description: 'Every hash, link, sequence and running balance recomputes to what is stored' })
  chain_ok: boolean;

  @ApiProperty({ type: ChainBreakResponse, nullable: true, description: 'Where the ledger first disagrees with itself' })
  first_break: ChainBreakResponse | null;

  static of(report: LedgerAuditReport): AuditResponse {
    return Object.assign(new AuditResponse(), {
      balanced: report.balanced,
      total: report.total,
      wallets_checked: report.walletsChecked,
      operations_checked: report.operationsChecked,
      mismatches: report.mismatches.map((m) => ({ wallet_id: m.walletId, stored: m.stored, recomputed: m.recomputed })),
      unbalanced_entries: report.unbalancedEntries,
      chain_ok: report.chainOk,
      first_break: report.firstBreak ? ChainBreakResponse.of(report.firstBreak) : null,
    });
  }
}

export class AdminActionResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'null: the command line (make admin)' })
  admin_id: string | null;

  @ApiProperty({ type: String, nullable: true })
  admin_username: string | null;

  @ApiProperty({ enum: Object.values(AdminActionType) })
  action: string;

  @ApiProperty({
    format: 'uuid',
    description: 'The user (PROMOTE, DEMOTE, END_SESSIONS), transfer (REVERSAL), wallet (FREEZE, UNFREEZE) or hold (HOLD_VOID)',
  })
  target: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: "The target's owner: the user, the wallet's owner, a hold's payer; null for a REVERSAL",
  })
  target_username: string | null;

  @ApiProperty({ type: String, nullable: true })
  reason: string | null;

  @ApiProperty({ type: String, nullable: true, example: '3.00', description: "A REVERSAL's amount; null for other actions" })
  amount: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: "A REVERSAL's own journal entry (the target is the entry it reversed); null for other actions",
  })
  entry_id: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "A REVERSAL: the reversed entry's payer" })
  source_wallet_id: string | null;

  @ApiProperty({ type: String, nullable: true })
  source_username: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: "A REVERSAL: the reversed entry's payee" })
  destination_wallet_id: string | null;

  @ApiProperty({ type: String, nullable: true })
  destination_username: string | null;

  static of(line: LoggedAction): AdminActionResponse {
    return Object.assign(new AdminActionResponse(), {
      id: line.id,
      admin_id: line.adminId,
      admin_username: line.adminUsername,
      action: line.action,
      target: line.target,
      target_username: line.targetUsername,
      reason: line.reason,
      amount: line.amount?.toFixed() ?? null,
      entry_id: line.entryId,
      created_at: line.createdAt.toISOString(),
      source_wallet_id: line.source?.walletId ?? null,
      source_username: line.source?.username ?? null,
      destination_wallet_id: line.destination?.walletId ?? null,
      destination_username: line.destination?.username ?? null,
    });
  }
}
