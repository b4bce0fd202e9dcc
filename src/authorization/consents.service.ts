import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope } from '../common/scope.js';

export interface ConsentView {
  clientId: string;
  clientName: string;
  scope: string;
  grantedAt: Date;
}

/** The scopes each user has granted each client. */
@Injectable()
export class ConsentsService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async covers(userId: string, clientId: string, scope: Scope): Promise<boolean> {
    const [row] = await this.dataSource.query<{ scope: string }[]>(
      'SELECT scope FROM consents WHERE user_id = $1 AND client_id = $2',
      [userId, clientId],
    );
    return row !== undefined && scope.isWithin(Scope.stored(row.scope));
  }

  /** Adds this scope to what the user granted the client. */
  async grant(userId: string, clientId: string, scope: Scope): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO consents (user_id, client_id, scope) VALUES ($1, $2, $3)
       ON CONFLICT (user_id, client_id) DO UPDATE SET updated_at = now(), scope = (
         SELECT coalesce(string_agg(DISTINCT s, ' ' ORDER BY s), '')
           FROM unnest(string_to_array(consents.scope, ' ') || string_to_array($3, ' ')) AS s WHERE s <> '')`,
      [userId, clientId, scope.toString()],
    );
  }

  async list(userId: string): Promise<ConsentView[]> {
    const rows = await this.dataSource.query<
      { client_id: string; client_name: string; scope: string; created_at: Date }[]
    >(
      `SELECT c.client_id, k.client_name, c.scope, c.created_at FROM consents c
         JOIN clients k ON k.client_id = c.client_id WHERE c.user_id = $1 ORDER BY k.client_name`,
      [userId],
    );
    return rows.map((r) => ({
      clientId: r.client_id,
      clientName: r.client_name,
      scope: r.scope,
      grantedAt: r.created_at,
    }));
  }

  /** Withdraws the consent; false when there was none. */
  async revoke(userId: string, clientId: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'WITH gone AS (DELETE FROM consents WHERE user_id = $1 AND client_id = $2 RETURNING 1) SELECT * FROM gone',
      [userId, clientId],
    );
    return rows.length > 0;
  }
}
