import { Inject, Injectable, Logger } from '@nestjs/common';
import { IssuerMetadata } from './issuer-metadata.js';
import { RESOURCE_SERVER_OPTIONS, type ResourceServerOptions } from './resource-server.options.js';

/** The issuer could not say whether the token is active: refuse (fail closed). */
export class IntrospectionUnavailableError extends Error {}

/**
 * Revocation-aware mode: asks the issuer (RFC 7662) whether a verified token is still active,
 * as a configured client, remembering each answer by `jti` for a few seconds.
 */
@Injectable()
export class TokenIntrospector {
  private readonly logger = new Logger('ResourceServer');
  private readonly cache = new Map<string, { active: boolean; until: number }>();

  constructor(
    @Inject(RESOURCE_SERVER_OPTIONS) private readonly options: ResourceServerOptions,
    private readonly metadata: IssuerMetadata,
  ) {}

  get enabled(): boolean {
    return this.options.introspection !== undefined;
  }

  async isActive(token: string, jti: string): Promise<boolean> {
    const cached = this.cache.get(jti);
    if (cached && cached.until > Date.now()) return cached.active;
    const active = await this.ask(token);
    if (this.cache.size > 50_000) this.cache.clear();
    this.cache.set(jti, {
      active,
      until: Date.now() + (this.options.introspection!.cacheSeconds ?? 5) * 1000,
    });
    return active;
  }

  private async ask(token: string): Promise<boolean> {
    const { clientId, clientSecret } = this.options.introspection!;
    const encode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');
    try {
      const endpoint = (await this.metadata.get()).introspectionEndpoint;
      if (!endpoint) throw new Error('the issuer publishes no introspection_endpoint');
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${encode(clientId)}:${encode(clientSecret)}`).toString('base64')}`,
        },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }).toString(),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`introspection answered ${response.status}`);
      const answer = (await response.json()) as { active?: unknown };
      return answer.active === true;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warn(`token introspection failed, refusing the request: ${reason}`);
      throw new IntrospectionUnavailableError(reason);
    }
  }
}
