import { Controller, Get, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentActor } from '../audit/actor.decorator.js';
import type { Actor } from '../audit/audit.service.js';
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

  /** A new key signs from now on; the old one stays published until its tokens expire. */
  @Post('rotate')
  async rotate(@CurrentActor() actor: Actor) {
    return presentSigningKey(await this.keys.rotate(actor));
  }
}
