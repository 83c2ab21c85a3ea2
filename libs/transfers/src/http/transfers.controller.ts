import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type SessionUser } from '@app/auth';
import { ApiEnvelope, ApiErrors } from '@app/http';
import { Idempotent } from '@app/idempotency';
import { OperationResponse } from '@app/wallets';
import { TransfersService } from '../application/transfers.service';
import { DepositRequest, TransferRequest } from './transfers.dto';

@ApiTags('wallets')
@Authenticated()
@Controller('v1/wallets')
export class TransfersController {
  constructor(private readonly transfers: TransfersService) {}

  @Post('deposit')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: "Deposit into the caller's wallet (debits the system funding wallet)" })
  @ApiEnvelope(OperationResponse, { description: "The operation credited to the caller's wallet" })
  @ApiErrors(401, 404, 409, 413, 422)
  async deposit(@CurrentUser() user: SessionUser, @Body() body: DepositRequest): Promise<OperationResponse> {
    return OperationResponse.of(await this.transfers.deposit(user.id, body.amount));
  }

  @Post('transfer')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Transfer to another wallet',
    description:
      'Checked in this order: 401; 422 (bad UUID, bad amount, own wallet); 404 caller has no wallet; ' +
      '400 "Insufficient funds."; 404 "Destination wallet does not exist."',
  })
  @ApiEnvelope(OperationResponse, { description: "The operation debited from the caller's wallet (negative amount)" })
  @ApiErrors(400, 401, 404, 409, 413, 422)
  async transfer(@CurrentUser() user: SessionUser, @Body() body: TransferRequest): Promise<OperationResponse> {
    return OperationResponse.of(await this.transfers.transfer(user.id, body.destination, body.amount));
  }
}
