import { Body, Controller, Get, HttpCode, Logger, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Response } from 'express';
import { Authenticated, CurrentUser, type SessionUser } from '@app/auth';
import {
  ApiEnvelope,
  ApiErrors,
  Enveloped,
  describeUnexpectedError,
  type EnvelopeError,
  ErrorDto,
  JsonBodyOnly,
  RawResponse,
  UUID_PATTERN,
  WithMeta,
} from '@app/http';
import { Idempotent, KeyedBy, type KeyedRequest } from '@app/idempotency';
import { type Answer, HoldNotFoundError, TransferNotFoundError } from '@app/transfers';
import { cursorOf, PageMeta, WalletNotFoundError } from '@app/wallets';
import { AdminService } from '../application/admin.service';
import { IdNotFoundError } from '../domain/admin.errors';
import {
  ActionsQuery,
  AdminActionResponse,
  AdminHoldResponse,
  AdminOperationResponse,
  AdminOperationsQuery,
  AdminUserResponse,
  AdminWalletResponse,
  AuditResponse,
  holdCursor,
  HoldsQuery,
  logCursor,
  LookupResponse,
  OperationsCsvQuery,
  ReasonRequest,
  ReversalRequest,
  ReversalResponse,
  TransferViewResponse,
  userCursor,
  UsersQuery,
} from './admin.dto';
import { OPERATIONS_CSV_HEADER, writeOperationsCsv } from './operations.csv';

const FORBIDDEN = 'A visitor gets 401; a logged-in user without the admin role gets 403 FORBIDDEN.';

@ApiTags('admin')
@Authenticated({ admin: true })
// Every admin POST takes a JSON body only (415 otherwise), whether or not it moves money.
@JsonBodyOnly()
@Enveloped()
@Controller('v1/admin')
export class AdminController {
  private readonly log = new Logger(AdminController.name);

  constructor(private readonly admin: AdminService) {}

  @Get('users')
  @ApiOperation({ summary: 'Find users by username prefix, with their wallets and balances', description: FORBIDDEN })
  @ApiEnvelope(AdminUserResponse, { isArray: true, meta: PageMeta })
  @ApiErrors(401, 403, 422)
  async users(@Query() query: UsersQuery): Promise<WithMeta<AdminUserResponse[], PageMeta>> {
    const prefix = query.query ?? '';
    const limit = query.limit ?? 20;
    // A cursor made for another query starts over rather than skipping names.
    const after = query.cursor?.query === prefix ? query.cursor.username : undefined;
    const found = await this.admin.findUsers(prefix, after, limit + 1);
    const page = found.slice(0, limit);
    const last = page.at(-1);
    return new WithMeta(page.map(AdminUserResponse.of), {
      next_cursor: found.length > limit && last ? userCursor({ query: prefix, username: last.user.usernameKey }) : null,
    });
  }

  @Get('wallets/:id')
  @ApiOperation({
    summary: 'Any wallet: balance, available balance, frozen state (with the reason, who froze it and when)',
    description: FORBIDDEN,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminWalletResponse)
  @ApiErrors(401, 403, 404)
  async wallet(@Param('id') id: string): Promise<AdminWalletResponse> {
    return AdminWalletResponse.of(await this.admin.wallet(walletId(id)));
  }

  @Get('wallets/:id/operations')
  @ApiOperation({
    summary: "Any wallet's operations, with receipts and both parties' usernames; paged like GET /v1/wallets/operations",
    description:
      'Filters `type` (comma-separated entry types), `from` (inclusive) and `to` (exclusive) combine with the ' +
      'cursor, order and limit; an unknown type or a bad moment is 422. 422 for the system funding wallet, which ' +
      `keeps no sequence to page by. ${FORBIDDEN}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminOperationResponse, { isArray: true, meta: PageMeta })
  @ApiErrors(401, 403, 404, 422)
  async operations(
    @Param('id') id: string,
    @Query() query: AdminOperationsQuery,
  ): Promise<WithMeta<AdminOperationResponse[], PageMeta>> {
    const page = await this.admin.history(walletId(id), {
      order: query.order ?? 'desc',
      limit: query.limit ?? 100,
      timestamp: query.timestamp,
      after: query.cursor,
      types: query.type,
      from: query.from,
      to: query.to,
    });
    return new WithMeta(
      page.operations.map((operation) => AdminOperationResponse.withNames(operation, page.usernames)),
      { next_cursor: page.next ? cursorOf(page.next) : null },
    );
  }

  @Get('wallets/:id/operations.csv')
  @RawResponse()
  @ApiOperation({
    summary: "Download every operation of a wallet that passes the filters, as CSV, oldest first",
    description:
      'Columns: transfer_id, type, created_at, amount, balance_after, sequence, source_wallet_id, source_username, ' +
      'destination_wallet_id, destination_username, reverses, reversed_amount (RFC 4180; a username a spreadsheet ' +
      "would run as a formula is prefixed with '). Streamed in pages of 1000 rows, so any size downloads in " +
      'bounded memory. Same filters as the operations route. Failures before the first byte answer in the JSON ' +
      `envelope: 404 unknown wallet, 422 bad filter or the funding wallet. ${FORBIDDEN}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiResponse({
    status: 200,
    description: 'The CSV file (Content-Disposition: attachment; filename="wallet-<id>-operations.csv")',
    content: {
      'text/csv': {
        schema: { type: 'string' },
        example:
          `${OPERATIONS_CSV_HEADER}` +
          '3b1f0c52-8f7e-4a36-9a51-1c2d3e4f5a6b,TRANSFER,2026-11-24T17:40:00.123Z,-10.00,90.00,2,' +
          '5f1c2d3e-0000-4000-8000-00000000000a,alice,7a8b9c0d-0000-4000-8000-00000000000b,bob,,3.00\r\n',
      },
    },
  })
  @ApiErrors(401, 403, 404, 422)
  async operationsCsv(@Param('id') id: string, @Query() query: OperationsCsvQuery, @Res() response: Response): Promise<void> {
    const wallet = walletId(id);
    const pages = this.admin.exportOperations(wallet, { types: query.type, from: query.from, to: query.to });
    // The first page decides the answer: an unknown wallet or the funding wallet fails here, in the envelope.
    const first = await pages.next();
    response.status(200);
    response.setHeader('Content-Type', 'text/csv; charset=utf-8');
    response.setHeader('Content-Disposition', `attachment; filename="wallet-${wallet}-operations.csv"`);
    response.setHeader('Cache-Control', 'no-store');
    try {
      await writeOperationsCsv(response, first, pages);
    } catch (error) {
      // The status line is gone: a failure now can only cut the download short, which the client sees.
      this.log.error(`operations export of wallet ${wallet} failed: ${describeUnexpectedError(error)}`);
      response.destroy(error as Error);
    }
  }

  @Get('wallets/:id/holds')
  @ApiOperation({
    summary: 'The holds a wallet placed, newest first, keyset paged',
    description:
      'Status as of now: a pending hold past its expiry reads EXPIRED. 404 for an unknown wallet; a cursor ' +
      `is valid for the same wallet only. ${FORBIDDEN}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminHoldResponse, { isArray: true, meta: PageMeta })
  @ApiErrors(401, 403, 404, 422)
  async holds(@Param('id') id: string, @Query() query: HoldsQuery): Promise<WithMeta<AdminHoldResponse[], PageMeta>> {
    const wallet = walletId(id);
    const limit = query.limit ?? 100;
    // A cursor of another wallet starts over rather than skipping holds.
    const after = query.cursor?.walletId === wallet ? query.cursor : undefined;
    const holds = await this.admin.holds(wallet, after, limit + 1);
    const page = holds.slice(0, limit);
    const last = page.at(-1);
    return new WithMeta(page.map(AdminHoldResponse.of), {
      next_cursor:
        holds.length > limit && last ? holdCursor({ walletId: wallet, createdAt: last.createdAt, id: last.id }) : null,
    });
  }

  @Post('holds/:id/void')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: "Void any wallet's pending hold: the reserved money is released, nothing is posted",
    description:
      'Through the same batch as the owner\'s void, and like it allowed on a frozen wallet. 409 when the hold is no ' +
      'longer pending (HOLD_ALREADY_RESOLVED, HOLD_EXPIRED); 404 unknown hold. Logged as HOLD_VOID with its reason. ' +
      FORBIDDEN,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminHoldResponse)
  @ApiErrors(401, 403, 404, 409, 413, 422)
  async voidHold(
    @CurrentUser() admin: SessionUser,
    @Param('id') id: string,
    @Body() body: ReasonRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<AdminHoldResponse>> {
    if (!UUID_PATTERN.test(id)) throw new HoldNotFoundError();
    return this.admin.voidHold(admin, id.toLowerCase(), body.reason || null, {
      keyed,
      present: AdminHoldResponse.ofEntity,
    });
  }

  @Get('transfers/:transferId')
  @ApiOperation({
    summary: 'One journal entry (deposit, transfer or reversal) with both parties, its legs and its reversals',
    description: `404 for an unknown or malformed id. ${FORBIDDEN}`,
  })
  @ApiParam({ name: 'transferId', format: 'uuid' })
  @ApiEnvelope(TransferViewResponse)
  @ApiErrors(401, 403, 404)
  async transfer(@Param('transferId') transferId: string): Promise<TransferViewResponse> {
    if (!UUID_PATTERN.test(transferId)) throw new TransferNotFoundError();
    return TransferViewResponse.of(await this.admin.transfer(transferId.toLowerCase()));
  }

  @Get('lookup/:id')
  @ApiOperation({
    summary: 'What an id names: a user, a wallet or a transfer (any journal entry), with the ids it resolves to',
    description: `404 when nothing has this id (or it is no UUID). ${FORBIDDEN}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(LookupResponse)
  @ApiErrors(401, 403, 404)
  async lookup(@Param('id') id: string): Promise<LookupResponse> {
    if (!UUID_PATTERN.test(id)) throw new IdNotFoundError();
    return LookupResponse.of(await this.admin.lookup(id.toLowerCase()));
  }

  @Post('transfers/:transferId/reversal')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Reverse a transfer or a deposit, in full or in part: one compensating REVERSAL entry moves the money back',
    description:
      'A transfer: its payee pays its payer back. A deposit (a chargeback): the depositor\'s wallet pays the funding ' +
      'wallet back. `amount` (a partial reversal) or, absent, all that is left of the entry; an entry\'s reversals ' +
      'never add up to more than its amount (the database refuses it too). 409 ALREADY_REVERSED when nothing is left; ' +
      '409 REVERSAL_EXCEEDS_REMAINING when `amount` is more than what is left (the message says how much is); ' +
      '409 NOT_REVERSIBLE for a reversal; 400 INSUFFICIENT_FUNDS when the paying wallet does not have the amount ' +
      'available (the message names the wallet and what it has); 422 for a malformed `amount`; 404 for an unknown ' +
      'entry. A frozen wallet does not refuse it (a claw-back: a freeze stops the user, not the operator). Logged in ' +
      `the admin action log with its amount and entry. ${FORBIDDEN}`,
  })
  @ApiParam({ name: 'transferId', format: 'uuid', description: 'The transfer_id of the transfer or deposit to reverse' })
  @ApiEnvelope(ReversalResponse)
  @ApiErrors(401, 403, 404, 413, 422)
  @ApiFailure(
    400,
    'INSUFFICIENT_FUNDS: the paying wallet (the payee\'s, or the depositor\'s for a deposit) does not have the amount ' +
      'available (its balance less what its pending holds reserve); the message names the wallet and what it has. Nothing posted.',
    {
      code: 'BAD_REQUEST',
      message:
        "Insufficient funds: the payee's wallet 5f1c2a7e-0b7d-4f43-9d55-2b4c8e1f3a90 has 3.00 available; the reversal needs 10.00.",
      target: '__all__',
      reason: 'INSUFFICIENT_FUNDS',
    },
  )
  @ApiFailure(
    409,
    'Nothing posted. REVERSAL_EXCEEDS_REMAINING (target `amount`): more than what is left of the entry, the message says ' +
      'how much is ("Only 3.00 of this transfer\'s 10.00 is left to reverse."); ALREADY_REVERSED: nothing is left ' +
      '("This transfer was already reversed."); NOT_REVERSIBLE: the entry is itself a reversal ' +
      '("A reversal cannot be reversed; only transfers and deposits can."); CONCURRENT_CONFLICT: conflicted with ' +
      'concurrent requests after bounded retries, safe to retry.',
    {
      code: 'CONFLICT',
      message: "Only 3.00 of this transfer's 10.00 is left to reverse.",
      target: 'amount',
      reason: 'REVERSAL_EXCEEDS_REMAINING',
    },
  )
  async reverse(
    @CurrentUser() admin: SessionUser,
    @Param('transferId') transferId: string,
    @Body() body: ReversalRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<ReversalResponse>> {
    if (!UUID_PATTERN.test(transferId)) throw new TransferNotFoundError();
    const reason = body.reason || null;
    return this.admin.reverse(admin, transferId.toLowerCase(), { reason, amount: body.amount }, {
      keyed,
      present: (reversal) => ReversalResponse.of(reversal, reason),
    });
  }

  @Post('wallets/:id/freeze')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({
    summary: 'Freeze a wallet: it can neither send nor receive, nor place or capture holds',
    description: `409 when already frozen; 422 for the system funding wallet. Logged. ${FORBIDDEN}`,
  })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminWalletResponse)
  @ApiErrors(401, 403, 404, 409, 413, 422)
  async freeze(
    @CurrentUser() admin: SessionUser,
    @Param('id') id: string,
    @Body() body: ReasonRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<AdminWalletResponse>> {
    return this.admin.setFrozen(admin, walletId(id), true, body.reason || null, {
      keyed,
      present: AdminWalletResponse.of,
    });
  }

  @Post('wallets/:id/unfreeze')
  @HttpCode(200)
  @Idempotent()
  @ApiOperation({ summary: 'Unfreeze a wallet', description: `409 when not frozen. Logged. ${FORBIDDEN}` })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiEnvelope(AdminWalletResponse)
  @ApiErrors(401, 403, 404, 409, 413, 422)
  async unfreeze(
    @CurrentUser() admin: SessionUser,
    @Param('id') id: string,
    @Body() body: ReasonRequest,
    @KeyedBy() keyed?: KeyedRequest,
  ): Promise<Answer<AdminWalletResponse>> {
    return this.admin.setFrozen(admin, walletId(id), false, body.reason || null, {
      keyed,
      present: AdminWalletResponse.of,
    });
  }

  @Get('ledger/audit')
  @ApiOperation({
    summary: 'Recompute every wallet from its operations and verify the hash chains',
    description:
      'Reads the whole ledger in batches, in one snapshot. One audit runs at a time across all instances: a call ' +
      'made while this instance runs one gets that run\'s report when it ends; a call made while another instance ' +
      'runs one gets 409 AUDIT_IN_PROGRESS, naming when that audit started. A run still going after ' +
      `AUDIT_TIMEOUT_SECONDS (600 by default) is abandoned: 503 AUDIT_TIMED_OUT. ${FORBIDDEN}`,
  })
  @ApiEnvelope(AuditResponse)
  @ApiErrors(401, 403)
  @ApiFailure(409, 'Another instance is running the audit; the message says since when. Try again when it ends.', {
    code: 'CONFLICT',
    message:
      'A ledger audit is already running on another instance (started at 2026-11-28T09:00:00.000Z); try again when it has ended.',
    target: '__all__',
    reason: 'AUDIT_IN_PROGRESS',
  })
  @ApiFailure(503, 'The audit ran past its time limit (AUDIT_TIMEOUT_SECONDS) and was abandoned; nothing is reported.', {
    code: 'SERVICE_UNAVAILABLE',
    message: 'The ledger audit did not finish within its time limit of 600 s and was abandoned.',
    target: '__all__',
    reason: 'AUDIT_TIMED_OUT',
  })
  async audit(): Promise<AuditResponse> {
    return AuditResponse.of(await this.admin.audit());
  }

  @Get('actions')
  @ApiOperation({
    summary: 'The admin action log, newest first, with the usernames involved',
    description: `\`target\`: only the actions on that id (a wallet, a user, a transfer, a hold). ${FORBIDDEN}`,
  })
  @ApiEnvelope(AdminActionResponse, { isArray: true, meta: PageMeta })
  @ApiErrors(401, 403, 422)
  async actions(@Query() query: ActionsQuery): Promise<WithMeta<AdminActionResponse[], PageMeta>> {
    const limit = query.limit ?? 50;
    const lines = await this.admin.log(query.cursor, limit + 1, query.target);
    const page = lines.slice(0, limit);
    const last = page.at(-1);
    return new WithMeta(page.map(AdminActionResponse.of), {
      next_cursor: lines.length > limit && last ? logCursor({ createdAt: last.createdAt, id: last.id }) : null,
    });
  }
}

/** A failure documented with its own example (ApiErrors' examples are the money routes'). */
function ApiFailure(status: 400 | 409 | 503, description: string, error: EnvelopeError) {
  return ApiResponse({
    status,
    description,
    schema: {
      type: 'object',
      required: ['status', 'data'],
      properties: {
        status: {
          type: 'object',
          required: ['success', 'errors'],
          properties: {
            success: { type: 'boolean', example: false },
            errors: { type: 'array', items: { $ref: getSchemaPath(ErrorDto) }, example: [error] },
          },
        },
        data: { type: 'object', nullable: true, example: null },
      },
    },
  });
}

/** A malformed id names no wallet. */
function walletId(id: string): string {
  if (!UUID_PATTERN.test(id)) throw new WalletNotFoundError();
  return id.toLowerCase();
}
