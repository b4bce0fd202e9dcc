import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { randomToken } from '../common/secrets.js';
import { UsersService } from '../users/users.service.js';
import type { FeishuUser } from './feishu/feishu.client.js';
import type { LoadedConnection } from './upstream-connections.service.js';

export class NotLinkedError extends Error {}

/**
 * Links upstream identities (a Feishu open_id, per connection) to local users: an existing
 * link wins; otherwise a new user when the connection allows sign-up; otherwise a refusal.
 */
@Injectable()
export class UpstreamIdentities {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
  ) {}

  async resolve(
    connection: LoadedConnection,
    identity: FeishuUser,
  ): Promise<{ userId: string; username: string; created: boolean }> {
    const [linked] = await this.dataSource.query<{ user_id: string }[]>(
      'SELECT user_id FROM upstream_identities WHERE connection = $1 AND external_id = $2',
      [connection.name, identity.openId],
    );
    if (linked) {
      const user = await this.users.findActive(linked.user_id);
      if (!user) throw new NotLinkedError('this account is disabled');
      return { userId: user.id, username: user.username, created: false };
    }
    if (connection.settings.allow_signup !== true) {
      throw new NotLinkedError('this Feishu account is not linked to an account here');
    }
    const base = `feishu-${identity.openId}`.replace(/[^A-Za-z0-9._@+-]/g, '').slice(0, 120);
    const email =
      identity.email && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(identity.email)
        ? identity.email
        : undefined;
    // A password nobody knows: this user signs in through Feishu.
    const user = await this.users.create({ username: base, password: randomToken(32), email });
    await this.link(connection.name, identity, user.id);
    return { userId: user.id, username: user.username, created: true };
  }

  async link(
    connection: string,
    identity: Pick<FeishuUser, 'openId' | 'unionId'>,
    userId: string,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO upstream_identities (connection, external_id, union_id, user_id) VALUES ($1, $2, $3, $4)
       ON CONFLICT (connection, external_id) DO UPDATE SET user_id = $4, union_id = $3`,
      [connection, identity.openId, identity.unionId, userId],
    );
  }

  async isLinked(connection: string, userId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM upstream_identities WHERE connection = $1 AND user_id = $2',
      [connection, userId],
    );
    return rows.length > 0;
  }

  async listFor(
    userId: string,
  ): Promise<{ connection: string; external_id: string; union_id: string | null }[]> {
    return this.dataSource.query(
      'SELECT connection, external_id, union_id FROM upstream_identities WHERE user_id = $1 ORDER BY connection, external_id',
      [userId],
    );
  }

  async unlink(userId: string, connection: string, externalId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `WITH gone AS (DELETE FROM upstream_identities WHERE user_id = $1 AND connection = $2 AND external_id = $3 RETURNING 1)
       SELECT * FROM gone`,
      [userId, connection, externalId],
    );
    return rows.length > 0;
  }
}
