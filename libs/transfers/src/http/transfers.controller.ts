import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type SessionUser } from '@app/auth';
import { ApiEnvelope, ApiErrors, Enveloped } from '@app/http';
import { destinationWalletFrozen, OWN_WALLET_FROZEN } from '@app/ledger';
import { Idempotent, KeyedBy, type KeyedRequest } from '@app/idempotency';
import { OperationResponse } from '@app/wallets';
import { type Answer, MoneyMovements } from '../application/money-movements';
import { DepositRequest, TransferRequest } from './transfers.dto';

@ApiTags('wallets')
@Authenticated()
@Enveloped()
@Controller('v1/wallets')
export class TransfersController {
  constructor(private readonly movements: MoneyMovements) {}

  @Post('deposit')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: "Deposit into the caller's wallet (debits the system funding wallet)",
    description: '403 WALLET_FROZEN when an operator froze the wallet.',
  })
  @ApiEnvelope(OperationResponse, { description: "The operation credited to the caller's wallet" })
  @ApiErrors(401, OWN_WALLET_FROZEN, 404, 409, 413, 422)
  deposit(
    @CurrentUser() user: SessionUser,
    @Body() body: DepositRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<OperationResponse>> {
    return this.movements.submit(
      { type: 'DEPOSIT', userId: user.id, amount: body.amount },
      { keyed, present: OperationResponse.of },
    );
  }

  @Post('transfer')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Transfer to another wallet',
    description:
      'Checked in this order: 401; 422 (bad UUID, bad amount, own wallet); 404 caller has no wallet; ' +
      '403 WALLET_FROZEN when the caller\'s wallet is frozen; 400 "Insufficient funds."; ' +
      '404 "Destination wallet does not exist."; 403 WALLET_FROZEN when the destination is frozen.',
  })
  @ApiEnvelope(OperationResponse, { description: "The operation debited from the caller's wallet (negative amount)" })
  @ApiErrors(400, 401, OWN_WALLET_FROZEN, destinationWalletFrozen('destination'), 404, 409, 413, 422)
  transfer(
    @CurrentUser() user: SessionUser,
    @Body() body: TransferRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<OperationResponse>> {
    return this.movements.submit(
      { type: 'TRANSFER', userId: user.id, destinationId: body.destination, amount: body.amount },
      { keyed, present: OperationResponse.of },
    );
  }
}
