import { Injectable } from '@nestjs/common';
import { ApisService, type ApiCatalog } from '../apis/apis.service.js';
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

  /** dpopOnly() of each catalog, which is replaced (never changed) when an API changes. */
  private readonly dpopOnlyOf = new WeakMap<ApiCatalog, ReadonlySet<string>>();

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

  /**
   * The registered APIs that accept only DPoP-bound tokens (their `dpop_bound_access_tokens`):
   * a token for one of them needs a proof at the token endpoint.
   */
  async dpopOnly(): Promise<ReadonlySet<string>> {
    const catalog = await this.apis.catalog();
    let only = this.dpopOnlyOf.get(catalog);
    if (!only) {
      only = new Set(
        [...catalog.values()]
          .filter((api) => api.dpopBoundAccessTokens)
          .map((api) => api.identifier),
      );
      this.dpopOnlyOf.set(catalog, only);
    }
    return only;
  }

  /** Every audience a grant can have tokens for, as its refresh-token family keeps them. */
  audiencesOf(grant: GrantTarget): string[] {
    return grantAudiences(grant, this.config.issuer);
  }
}
