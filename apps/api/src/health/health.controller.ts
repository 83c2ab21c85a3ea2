import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '@app/auth';
import { RawResponse } from '@app/http';

@ApiTags('monitoring')
@Controller('healthcheck')
export class HealthController {
  @Get()
  @Public()
  @RawResponse()
  @ApiOperation({ summary: 'Liveness: served without the envelope, as the original did' })
  @ApiOkResponse({ schema: { type: 'object', properties: { healthy: { type: 'boolean', example: true } } } })
  check(): { healthy: true } {
    return { healthy: true };
  }
}
