import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { KeysService } from './keys.service.js';

@ApiTags('discovery')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: KeysService) {}

  @Get('jwks.json')
  @Header('Cache-Control', 'public, max-age=60')
  @Header('Content-Type', 'application/json; charset=utf-8')
  @ApiOkResponse({ description: 'The public keys that verify this server’s tokens (RFC 7517).' })
  jwks(): Promise<string> {
    // Serialized once per key change: this endpoint is polled by every resource server.
    return this.keys.freshJwksJson();
  }
}
