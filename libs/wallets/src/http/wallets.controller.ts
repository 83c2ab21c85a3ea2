import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, SessionGuard, type SessionUser } from '@app/auth';
import { ApiEnvelope, ApiErrors } from '@app/http';
import { WalletsService } from '../application/wallets.service';
import { OperationResponse, OperationsQuery, WalletResponse } from './wallet.dto';

@ApiTags('wallets')
@ApiCookieAuth('sessionid')
@UseGuards(SessionGuard)
@Controller('v1/wallets')
export class WalletsController {
  constructor(private readonly wallets: WalletsService) {}

  @Get()
  @ApiOperation({ summary: "The caller's wallet and its balance" })
  @ApiEnvelope(WalletResponse)
  @ApiErrors(401, 404)
  async get(@CurrentUser() user: SessionUser): Promise<WalletResponse> {
    const { wallet, balance } = await this.wallets.walletOf(user.id);
    return WalletResponse.of(wallet, balance);
  }

  @Get('operations')
  @ApiOperation({ summary: "The caller's operations, newest first by default" })
  @ApiEnvelope(OperationResponse, { isArray: true })
  @ApiErrors(401, 404, 422)
  async operations(@CurrentUser() user: SessionUser, @Query() query: OperationsQuery): Promise<OperationResponse[]> {
    const operations = await this.wallets.operationsOf(user.id, {
      timestamp: query.timestamp,
      order: query.order ?? 'desc',
      limit: query.limit ?? 100,
    });
    return operations.map(OperationResponse.of);
  }
}
