import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Operation, SortOrder } from '@app/ledger';
import type { Money } from '@app/money';
import { OptionalIntInRange, OptionalOneOf, OptionalTimestamp } from '@app/http';
import type { Wallet } from '../domain/wallet.entity';

export class WalletResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  user_id: string;

  @ApiProperty({ type: String, example: '1000.42', description: 'Decimal string with exactly two fraction digits' })
  balance: string;

  static of(wallet: Wallet, balance: Money): WalletResponse {
    return Object.assign(new WalletResponse(), { id: wallet.id, user_id: wallet.userId, balance: balance.toFixed() });
  }
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

  @ApiProperty({ enum: ['DEPOSIT', 'TRANSFER'] })
  type: string;

  @ApiProperty({
    type: String,
    example: '-50.00',
    description: 'Signed decimal string: negative on the wallet that pays',
  })
  amount: string;

  @ApiProperty({ format: 'date-time', example: '2026-11-24T17:40:00.123Z' })
  timestamp: string;

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
}
