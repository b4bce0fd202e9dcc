import { Injectable } from '@nestjs/common';
import { ClientsService } from '../clients/clients.service.js';
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
}
