import { Injectable } from '@nestjs/common';
import type { Actor } from '../audit/audit.service.js';
import { SessionsService } from '../authorization/sessions.service.js';
import type { Client } from '../clients/client.entity.js';
import { ClientsService } from '../clients/clients.service.js';
import { TokenRevocation } from '../tokens/token-revocation.service.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';

/**
 * Disabling a client or user: the flag refuses it from then on, and what it held is ended
 * for good (tokens, codes, and a user's browser sessions), so enabling it again brings back
 * none of it — only new sign-ins and grants work.
 */
@Injectable()
export class Disablement {
  constructor(
    private readonly clients: ClientsService,
    private readonly users: UsersService,
    private readonly revocation: TokenRevocation,
    private readonly sessions: SessionsService,
  ) {}

  async disableClient(clientId: string, actor: Actor): Promise<Client> {
    const client = await this.clients.setDisabled(clientId, true, actor);
    await this.revocation.revoke({ clientId }, 'client_disabled');
    return client;
  }

  async disableUser(userId: string, actor: Actor): Promise<User> {
    const user = await this.users.setDisabled(userId, true, actor);
    await this.sessions.endAllOf(userId);
    await this.revocation.revoke({ userId }, 'user_disabled');
    return user;
  }
}
