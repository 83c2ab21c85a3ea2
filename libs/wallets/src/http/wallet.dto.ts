import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Operation, SortOrder } from '@app/ledger';
import { encodeCursor, OptionalCursor, OptionalIntInRange, OptionalOneOf, OptionalTimestamp } from '@app/http';
import type { HistoryPosition, WalletView } from '../application/wallets.service';
import type { WalletState } from '../persistence/wallet.repository';

export class WalletResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({
    type: String,
    example: '1000.42',
    description: 'Decimal string with exactly two fraction digits; with `at`, the balance at that moment',
  })
  balance: string;

  @ApiPropertyOptional({
    type: String,
    example: '900.42',
    description:
      'balance less the money reserved by active holds: what transfers and new holds may use (absent with `at`)',
  })
  available?: string;

  @ApiProperty({
    description:
      'Whether an operator froze the wallet (now, also with `at`): a frozen wallet can neither send nor receive money, ' +
      'and its money routes answer 403 WALLET_FROZEN until support unfreezes it',
  })
  frozen: boolean;

  @ApiPropertyOptional({ type: String, format: 'date-time', description: 'The moment asked for with `at`' })
  at?: string;

  static of(view: WalletView<WalletState>, at?: Date): WalletResponse {
    return Object.assign(new WalletResponse(), {
      id: view.wallet.id,
      user_id: view.wallet.userId,
      balance: view.balance.toFixed(),
      ...(view.available ? { available: view.available.toFixed() } : {}),
      frozen: view.wallet.frozen,
      ...(at ? { at: at.toISOString() } : {}),
    });
  }
}

export class WalletQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description:
      "The balance the wallet had at this moment: after its last operation at or before it ('0.00' before the first)",
  })
  @OptionalTimestamp()
  at?: Date;
}

export class OperationResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid', description: 'The journal entry this operation is a leg of' })
  transfer_id: string;

  @ApiProperty({ format: 'uuid' })
  wallet_id: string;

  @ApiProperty({ format: 'uuid', description: 'Paying wallet (the system funding wallet for a deposit)' })
  source_wallet_id: string;

  @ApiProperty({ format: 'uuid' })
  destination_wallet_id: string;

  @ApiProperty({ enum: ['DEPOSIT', 'TRANSFER', 'REVERSAL'] })
  type: string;

  @ApiProperty({
    type: String,
    example: '-50.00',
    description: 'Signed decimal string: negative on the wallet that pays',
  })
  amount: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T17:40:00.123Z' })
  timestamp: string;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    example: 7,
    description: "Receipt: the operation's place in its wallet's history (1, 2, 3, ... without gaps); null on the system funding wallet",
  })
  sequence: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '950.00',
    description: "Receipt: the wallet's balance right after this operation; null on the system funding wallet",
  })
  balance_after: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'On the legs of a REVERSAL: the transfer_id of the entry it corrects; else null',
  })
  reverses: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '3.00',
    description:
      "How much of this operation's entry has been reversed so far (a positive amount, on every leg of the entry); " +
      'null while nothing is',
  })
  reversed_amount: string | null;

  static of(operation: Operation): OperationResponse {
    return Object.assign(new OperationResponse(), {
      id: operation.id,
      transfer_id: operation.transferId,
      wallet_id: operation.walletId,
      source_wallet_id: operation.sourceWalletId,
      destination_wallet_id: operation.destinationWalletId,
      type: operation.type,
      amount: operation.amount.toFixed(),
      timestamp: operation.timestamp!.toISOString(),
      sequence: operation.sequence,
      balance_after: operation.balanceAfter?.toFixed() ?? null,
      reverses: operation.reverses ?? null,
      reversed_amount: operation.reversedAmount?.toFixed() ?? null,
    });
  }
}

export class OperationsQuery {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'desc: operations at or before it; asc: at or after it',
  })
  @OptionalTimestamp()
  timestamp?: Date;

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'desc' })
  @OptionalOneOf(['asc', 'desc'])
  order?: SortOrder;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @OptionalIntInRange(1, 1000)
  limit?: number;

  @ApiPropertyOptional({
    type: String,
    description: 'meta.next_cursor of the previous page; valid for the same wallet and order only',
  })
  @OptionalCursor(readPosition)
  cursor?: HistoryPosition;
}

export class PageMeta {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last page',
  })
  next_cursor: string | null;
}

/** Cursor fields: w = wallet id, o = order, s = sequence of the last operation served. */
export function cursorOf(position: HistoryPosition): string {
  return encodeCursor({ w: position.walletId, o: position.order, s: position.sequence });
}

function readPosition(position: Record<string, unknown>): HistoryPosition | null {
  const { w, o, s } = position;
  if (typeof w !== 'string' || (o !== 'asc' && o !== 'desc') || !Number.isSafeInteger(s) || (s as number) < 1)
    return null;
  return { walletId: w, order: o, sequence: s as number };
}
