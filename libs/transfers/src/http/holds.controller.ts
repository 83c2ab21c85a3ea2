import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type SessionUser } from '@app/auth';
import { ApiEnvelope, ApiErrors, type DocumentedFailure, Enveloped, UUID_PATTERN } from '@app/http';
import { destinationWalletFrozen, OWN_WALLET_FROZEN } from '@app/ledger';
import { Idempotent, KeyedBy, type KeyedRequest } from '@app/idempotency';
import { type Answer, MoneyMovements } from '../application/money-movements';
import { HoldNotFoundError } from '../domain/transfers.errors';
import { CaptureHoldRequest, DEFAULT_HOLD_SECONDS, HoldResponse, PlaceHoldRequest } from './holds.dto';

const HOLD_FORBIDDEN: DocumentedFailure = {
  status: 403,
  description: "The hold is another user's: only the owner of the paying wallet may capture or void it",
  error: {
    code: 'FORBIDDEN',
    message: 'Only the owner of the paying wallet may capture or void this hold.',
    target: '__all__',
    reason: 'HOLD_FORBIDDEN',
  },
};

@ApiTags('holds')
@Authenticated()
@Enveloped()
@Controller('v1')
export class HoldsController {
  constructor(private readonly movements: MoneyMovements) {}

  @Post('wallets/holds')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: "Reserve money on the caller's wallet for a destination (two-phase transfer)",
    description:
      'Checked like a transfer, against the available balance: 422 (bad UUID, bad amount, own wallet); ' +
      '404 caller has no wallet; 403 WALLET_FROZEN when the caller\'s wallet is frozen; 400 "Insufficient funds."; ' +
      '404 "Destination wallet does not exist."; 403 WALLET_FROZEN when the destination is frozen.',
  })
  @ApiEnvelope(HoldResponse)
  @ApiErrors(400, 401, OWN_WALLET_FROZEN, destinationWalletFrozen('destination'), 404, 409, 413, 422)
  place(
    @CurrentUser() user: SessionUser,
    @Body() body: PlaceHoldRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<HoldResponse>> {
    return this.movements.submit(
      {
        type: 'PLACE_HOLD',
        userId: user.id,
        destinationId: body.destination,
        amount: body.amount,
        expiresInSeconds: body.expires_in_seconds ?? DEFAULT_HOLD_SECONDS,
      },
      { keyed, present: HoldResponse.of },
    );
  }

  @Post('holds/:id/capture')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Capture a hold: posts a TRANSFER of `amount` (default: all) and releases the rest',
    description:
      'Only the payer may capture (403 HOLD_FORBIDDEN); a hold is captured or voided at most once (409); an expired hold ' +
      'cannot be captured (409); 403 WALLET_FROZEN when either wallet is frozen.',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(HoldResponse)
  @ApiErrors(401, HOLD_FORBIDDEN, OWN_WALLET_FROZEN, destinationWalletFrozen(), 404, 409, 422)
  capture(
    @CurrentUser() user: SessionUser,
    @Param('id') id: string,
    @Body() body: CaptureHoldRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<HoldResponse>> {
    return this.movements.submit(
      { type: 'CAPTURE_HOLD', userId: user.id, holdId: holdId(id), amount: body.amount },
      { keyed, present: HoldResponse.of },
    );
  }

  @Post('holds/:id/void')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Void a hold: releases the reserved money; nothing is posted',
    description: 'Only the payer may void (403 HOLD_FORBIDDEN); possible on a frozen wallet (nothing moves).',
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(HoldResponse)
  @ApiErrors(401, HOLD_FORBIDDEN, 404, 409)
  void(
    @CurrentUser() user: SessionUser,
    @Param('id') id: string,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<HoldResponse>> {
    return this.movements.submit({ type: 'VOID_HOLD', userId: user.id, holdId: holdId(id) }, { keyed, present: HoldResponse.of });
  }
}

/** A malformed id names no hold. */
function holdId(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new HoldNotFoundError();
  return id.toLowerCase();
}
