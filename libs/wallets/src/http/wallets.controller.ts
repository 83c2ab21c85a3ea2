import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated, CurrentUser, type SessionUser } from '@app/auth';
import { ApiEnvelope, ApiErrors, Enveloped, WithMeta } from '@app/http';
import { WalletsService } from '../application/wallets.service';
import { cursorOf, OperationResponse, OperationsQuery, PageMeta, WalletQuery, WalletResponse } from './wallet.dto';

@ApiTags('wallets')
@Authenticated()
@Enveloped()
@Controller('v1/wallets')
export class WalletsController {
  constructor(private readonly wallets: WalletsService) {}

  @Get()
  @ApiOperation({ summary: "The caller's wallet: balance and available balance, or the balance at a moment (`at`)" })
  @ApiEnvelope(WalletResponse)
  @ApiErrors(401, 404, 422)
  async get(@CurrentUser() user: SessionUser, @Query() query: WalletQuery): Promise<WalletResponse> {
    return WalletResponse.of(await this.wallets.walletOf(user.id, query.at), query.at);
  }

  @Get('operations')
  @ApiOperation({
    summary: "The caller's operations, newest first by default",
    description:
      'Pages by `cursor` (from `meta.next_cursor`): walking all pages returns every operation exactly once, ' +
      'in order, whatever the limit, even when many share a timestamp. ' +
      '`timestamp` keeps its original meaning: desc starts at or before it, asc at or after it.',
  })
  @ApiEnvelope(OperationResponse, { isArray: true, meta: PageMeta })
  @ApiErrors(401, 404, 422)
  async operations(
    @CurrentUser() user: SessionUser,
    @Query() query: OperationsQuery,
  ): Promise<WithMeta<OperationResponse[], PageMeta>> {
    const page = await this.wallets.historyOf(user.id, {
      order: query.order ?? 'desc',
      limit: query.limit ?? 100,
      timestamp: query.timestamp,
      after: query.cursor,
    });
    return new WithMeta(page.operations.map(OperationResponse.of), {
      next_cursor: page.next ? cursorOf(page.next) : null,
    });
  }
}
