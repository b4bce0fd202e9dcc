import { Injectable, OnModuleInit } from '@nestjs/common';
import type {
  ExternalAuthorizeRequest,
  ExternalCodeGrant,
  ExternalSignIn,
  ExternalSignInOutcome,
} from '../../authorization/external-sign-in.js';
import { ExternalSignInRegistry } from '../../authorization/external-sign-in-registry.js';
import { TokenCache } from '../token-cache.service.js';
import { NotLinkedError, UpstreamIdentities } from '../upstream-identities.service.js';
import { UpstreamConnectionsService } from '../upstream-connections.service.js';
import { FeishuClient } from './feishu.client.js';

/**
 * Sign in with Feishu, for authorization/'s external sign-in flow: the Feishu identity is
 * linked to a local user, and the user's Feishu tokens are kept (encrypted) for brokering.
 */
@Injectable()
export class FeishuSignIn implements ExternalSignIn, OnModuleInit {
  readonly provider = 'feishu';
  readonly displayName = 'Feishu';

  constructor(
    private readonly registry: ExternalSignInRegistry,
    private readonly connections: UpstreamConnectionsService,
    private readonly feishu: FeishuClient,
    private readonly identities: UpstreamIdentities,
    private readonly cache: TokenCache,
  ) {}

  onModuleInit(): void {
    this.registry.register(this);
  }

  async enabledConnections(): Promise<string[]> {
    return (await this.connections.list())
      .filter((c) => c.provider === 'feishu' && c.enabled)
      .map((c) => c.name);
  }

  async authorizeUrl(name: string, request: ExternalAuthorizeRequest): Promise<string> {
    const connection = await this.connections.load(name, 'feishu');
    return this.feishu.authorizeUrl(
      connection,
      request.redirectUri,
      request.state,
      request.codeChallenge,
    );
  }

  async complete(name: string, grant: ExternalCodeGrant): Promise<ExternalSignInOutcome> {
    const connection = await this.connections.load(name, 'feishu');
    const tokens = await this.feishu.exchangeCode(
      connection,
      grant.code,
      grant.redirectUri,
      grant.codeVerifier,
    );
    const identity = await this.feishu.userInfo(connection, tokens.token);
    let resolved: { userId: string; username: string; created: boolean };
    try {
      resolved = await this.identities.resolve(connection, identity);
    } catch (error) {
      if (error instanceof NotLinkedError) return { outcome: 'not_linked', reason: error.message };
      throw error;
    }
    await this.cache.put(name, `user:${resolved.userId}`, tokens);
    return { outcome: 'signed_in', ...resolved };
  }
}
