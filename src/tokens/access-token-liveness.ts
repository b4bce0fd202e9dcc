import { Injectable } from '@nestjs/common';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { AccessTokenStore } from './access-token.store.js';

/** Why a validly signed, unexpired access token no longer counts, if it does not. */
export type Liveness = 'live' | 'revoked' | 'client_inactive' | 'user_inactive';

/**
 * What a token's signature cannot say: that it was not revoked, and that its client, and its
 * user for a user's token, are still enabled. Introspection and Portcullis's own APIs ask
 * the same question here; every answer comes from a cache kept coherent across instances.
 */
@Injectable()
export class AccessTokenLiveness {
  constructor(
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    private readonly store: AccessTokenStore,
  ) {}

  async check(claims: {
    jti: unknown;
    client_id: string;
    sub: string;
    username?: unknown;
  }): Promise<Liveness> {
    const ofUser = claims.username !== undefined;
    const [revoked, client, user] = await Promise.all([
      typeof claims.jti === 'string' ? this.store.isRevoked(claims.jti) : true,
      this.clients.findActive(claims.client_id),
      ofUser ? this.users.findActive(claims.sub) : undefined,
    ]);
    if (revoked) return 'revoked';
    if (!client) return 'client_inactive';
    if (ofUser && !user) return 'user_inactive';
    return 'live';
  }

  /**
   * A grant's client and user (null: the client's own grant) when both are still enabled, for
   * a refresh token; undefined when either is not.
   */
  async activeParties(
    clientId: string,
    userId: string | null,
  ): Promise<{ client: Client; user: User | null } | undefined> {
    const [client, user] = await Promise.all([
      this.clients.findActive(clientId),
      userId === null ? null : this.users.findActive(userId),
    ]);
    if (!client || (userId !== null && !user)) return undefined;
    return { client, user };
  }
}
