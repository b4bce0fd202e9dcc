import { Body, Controller, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../audit/actor.decorator.js';
import type { Actor } from '../audit/audit.service.js';
import { RotateKeysDto } from '../keys/dto/rotate-keys.dto.js';
import { KeysService } from '../keys/keys.service.js';
import { presentSigningKey } from '../keys/signing-key.presenter.js';
import { RequiresLiveToken } from '../tokens/requires-live-token.decorator.js';
import { AdminTokenGuard } from './admin-token.guard.js';

@ApiTags('admin')
@RequiresLiveToken('admin', AdminTokenGuard)
@Controller('admin/keys')
export class AdminKeysController {
  constructor(private readonly keys: KeysService) {}

  /** Every key, newest first, with whether it is still in the JWKS. */
  @Get()
  async list() {
    return { items: (await this.keys.list()).map(presentSigningKey) };
  }

  /**
   * New keys sign from now on (every algorithm's, or `alg`'s alone); the old ones stay
   * published until their tokens expire.
   */
  @Post('rotate')
  @ApiCreatedResponse({
    description:
      'The new key of `alg` (unset: of SIGNING_ALG, the one that signs access tokens), and in `rotated` every key this rotation made.',
  })
  async rotate(@Body() body: RotateKeysDto, @CurrentActor() actor: Actor) {
    const { key, rotated } = await this.keys.rotate(actor, body.alg);
    return { ...presentSigningKey(key), rotated: rotated.map((row) => presentSigningKey(row)) };
  }
}
