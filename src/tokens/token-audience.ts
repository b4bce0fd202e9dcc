import { Injectable } from '@nestjs/common';
import { ApisService } from '../apis/apis.service.js';
import type { Client } from '../clients/client.entity.js';
import { AppConfig } from '../config/app-config.js';
import { ClientTargets, grantAudiences, type GrantTarget } from './client-targets.js';

/** The audience rules (ClientTargets) of a client, over the registered APIs as they are now. */
@Injectable()
export class TokenAudience {
  constructor(
    private readonly apis: ApisService,
    private readonly config: AppConfig,
  ) {}

  get issuer(): string {
    return this.config.issuer;
  }

  async for(client: Client): Promise<ClientTargets> {
    return new ClientTargets(
      client,
      await this.apis.catalog(),
      this.config.issuer,
      this.config.accessTokenTtl,
    );
  }

  /** Every audience a grant can have tokens for, as its refresh-token family keeps them. */
  audiencesOf(grant: GrantTarget): string[] {
    return grantAudiences(grant, this.config.issuer);
  }
}
