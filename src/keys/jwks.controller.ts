import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { KeysService } from './keys.service.js';

@ApiTags('discovery')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeysService) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  @ApiOkResponse({ description: 'The public keys that verify this server’s tokens (RFC 7517).' })
  jwks() {
    // Re-read at most once a second, so a rotation made elsewhere shows at once.
    return this.keys.freshJwks();
  }
}
