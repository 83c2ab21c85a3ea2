import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { Hold } from '@app/ledger';
import type { Money } from '@app/money';
import { OptionalAmount, OptionalIntInRange, RequiredAmount, RequiredUuid } from '@app/http';
import { AMOUNT_DOC } from './transfers.dto';

export const DEFAULT_HOLD_SECONDS = 24 * 3600;
export const MAX_HOLD_SECONDS = 30 * 24 * 3600;

export class PlaceHoldRequest {
  @ApiProperty({ format: 'uuid', description: 'The wallet that will receive the money on capture (not your own)' })
  @RequiredUuid()
  destination: string;

  @ApiProperty(AMOUNT_DOC)
  @RequiredAmount()
  amount: Money;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_HOLD_SECONDS,
    default: DEFAULT_HOLD_SECONDS,
    description: 'After this many seconds the hold reserves nothing and can no longer be captured',
  })
  @OptionalIntInRange(1, MAX_HOLD_SECONDS)
  expires_in_seconds?: number;
}

export class CaptureHoldRequest {
  @ApiPropertyOptional({
    ...AMOUNT_DOC,
    description: 'At most the held amount; default: all of it. The rest is released.',
  })
  @OptionalAmount()
  amount?: Money;
}

export class HoldResponse {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ format: 'uuid' })
  source_wallet_id: string;

  @ApiProperty({ format: 'uuid' })
  destination_wallet_id: string;

  @ApiProperty({ type: String, example: '25.00', description: 'The held amount' })
  amount: string;

  @ApiProperty({ enum: ['PENDING', 'CAPTURED', 'VOIDED', 'EXPIRED'] })
  status: string;

  @ApiProperty({ format: 'date-time' })
  expires_at: string;

  @ApiProperty({ type: String, nullable: true, example: '20.00', description: 'What the capture posted' })
  captured_amount: string | null;

  @ApiProperty({ format: 'uuid', nullable: true, description: 'The TRANSFER journal entry the capture posted' })
  transfer_id: string | null;

  @ApiProperty({ format: 'date-time' })
  created_at: string;

  static of(hold: Hold): HoldResponse {
    return Object.assign(new HoldResponse(), {
      id: hold.id,
      source_wallet_id: hold.sourceWalletId,
      destination_wallet_id: hold.destinationWalletId,
      amount: hold.amount.toFixed(),
      status: hold.status,
      expires_at: hold.expiresAt.toISOString(),
      captured_amount: hold.capturedAmount?.toFixed() ?? null,
      transfer_id: hold.transferId,
      created_at: hold.createdAt!.toISOString(),
    });
  }
}
