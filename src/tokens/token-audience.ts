import { Injectable } from '@nestjs/common';
import { ApisService } from '../apis/apis.service.js';
import type { Client } from '../clients/client.entity.js';
import { AppConfig } from '../config/app-config.js';
import { ClientTargets, grantAudiences, type GrantTarget } from './client-targets.js';

/** The audience rules (ClientTargets) of a client, over the registered APIs as they are now. */
@Injectable()
export class TokenAudience {
  /**
   * The rules last made for each client object. Clients and the catalog are cached objects,
   * replaced (never changed) when their rows change, so the same pair gives the same rules:
   * a token request need not rebuild them.
   */
  private readonly made = new WeakMap<Client, ClientTargets>();

  constructor(
    private readonly apis: ApisService,
    private readonly config: AppConfig,
  ) {}

  get issuer(): string {
    return this.config.issuer;
  }

  async for(client: Client): Promise<ClientTargets> {
    const catalog = await this.apis.catalog();
    const made = this.made.get(client);
    if (made?.catalog === catalog) return made;
    const targets = new ClientTargets(
      client,
      catalog,
      this.config.issuer,
      this.config.accessTokenTtl,
    );
    this.made.set(client, targets);
    return targets;
  }

  /** Every audience a grant can have tokens for, as its refresh-token family keeps them. */
  audiencesOf(grant: GrantTarget): string[] {
    return grantAudiences(grant, this.config.issuer);
  }
}
