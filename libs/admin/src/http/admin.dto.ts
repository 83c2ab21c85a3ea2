import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ChainBreak, LedgerAuditReport } from '@app/ledger';
import {
  OptionalAmount,
  OptionalCursor,
  OptionalIntInRange,
  OptionalString,
  UUID_PATTERN,
  encodeCursor,
} from '@app/http';
import type { Money } from '@app/money';
import type { Reversal } from '@app/transfers';
import { OperationResponse } from '@app/wallets';
import { AdminActionType } from '../domain/admin-action.entity';
import type { AdminWalletView, UserWithWallet } from '../application/admin.service';
import type { LoggedAction, LogPosition } from '../persistence/admin-action.repository';

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

  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  frozen_at: string | null;

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

  @ApiProperty({ format: 'uuid', description: 'The user (PROMOTE, DEMOTE, END_SESSIONS), transfer (REVERSAL) or wallet (FREEZE, UNFREEZE)' })
  target: string;

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

  static of(line: LoggedAction): AdminActionResponse {
    return Object.assign(new AdminActionResponse(), {
      id: line.id,
      admin_id: line.adminId,
      admin_username: line.adminUsername,
      action: line.action,
      target: line.target,
      reason: line.reason,
      amount: line.amount?.toFixed() ?? null,
      entry_id: line.entryId,
      created_at: line.createdAt.toISOString(),
    });
  }
}
