import { ApiProperty } from '@nestjs/swagger';
import type { Money } from '@app/money';
import { RequiredAmount, RequiredUuid } from '@app/http';

export const AMOUNT_DOC = {
  type: String,
  example: '100.00',
  description:
    'Decimal string (a JSON number is accepted too) matching ^[0-9]{1,13}(\\.[0-9]{1,2})?$, from 0.01 to 9999999999999.99. ' +
    'More than two fraction digits, exponents, signs and spaces are refused, never rounded.',
};

export class DepositRequest {
  @ApiProperty(AMOUNT_DOC)
  @RequiredAmount()
  amount: Money;
}

export class TransferRequest {
  @ApiProperty({ format: 'uuid', description: "The receiving wallet's id (not your own)" })
  @RequiredUuid()
  destination: string;

  @ApiProperty(AMOUNT_DOC)
  @RequiredAmount()
  amount: Money;
}
