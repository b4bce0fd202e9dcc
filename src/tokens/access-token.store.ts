import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService, type AuditRecord } from '../audit/audit.service.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';
import type { GroupCommit } from '../database/group-commit.js';
import { jsonBatchInsert } from '../database/json-batch-insert.js';
import { whereEqual } from '../database/where-equal.js';

/** A new access token, as revocation must find it: whose it is, and until when it lives. */
export interface IssuedAccessToken {
  jti: string;
  clientId: string;
  userId: string | null;
  /** The refresh-token family (grant) it was issued with. */
  familyId: string | null;
  /** Epoch seconds: the token's `exp`. */
  expiresAt: number;
}

/** Which live access tokens to revoke: one, a grant's, a user's at a client, a client's or a user's. */
export type AccessTokenSelector =
  | { jti: string; expiresAt: number }
  | { familyId: string }
  | { clientId: string; userId?: string }
  | { userId: string };

/**
 * The insert of issued tokens for a statement that records an issuance with the change it
 * comes from (a new refresh-token family, a rotation): every row of `source`, a relation with
 * the columns jti, client_id, user_id, family_id and expires_at.
 */
export function insertIssuedAccessTokensFrom(source: string): string {
  return `INSERT INTO issued_access_tokens (jti, client_id, user_id, family_id, expires_at)
    SELECT jti, client_id, user_id, family_id, expires_at FROM ${source}`;
}

/** One statement for a batch of issuances of any size (jsonBatchInsert): the tokens and their audit rows. */
const RECORD_BATCH = `
  WITH issued_rows AS (
    SELECT e->>0 AS jti, e->>1 AS client_id, (e->>2)::uuid AS user_id, (e->>3)::uuid AS family_id,
           to_timestamp((e->>4)::float8) AS expires_at, e->>5 AS type, e->>6 AS ip, e->7 AS details
      FROM jsonb_array_elements($1::jsonb) AS e),
  issued AS (${insertIssuedAccessTokensFrom('issued_rows')}),
  audited AS (${AuditService.insertFrom('issued_rows')})
  SELECT count(*) FROM issued_rows`;

/** jti, client_id, user_id, family_id, expires_at, type, ip, details */
type RecordRow = [
  string,
  string,
  string | null,
  string | null,
  number,
  string,
  string | null,
  object,
];

/**
 * Access tokens on the server's side: the index of those issued and still live, and the
 * revocation list (a `jti` stays listed until its token expires). Tokens are JWTs verified by
 * signature; only revocation needs rows.
 */
@Injectable()
export class AccessTokenStore implements BeforeApplicationShutdown {
  /** Answers per jti; a revocation on any instance drops the jti's answer everywhere. */
  private readonly answers: ChangedRowsCache<boolean>;

  /** Issuances of concurrent requests share one statement and one commit. */
  private readonly writer: GroupCommit<RecordRow, void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    feed: ChangeFeed,
  ) {
    this.writer = jsonBatchInsert(dataSource, 'access-tokens-issued', RECORD_BATCH);
    this.answers = new ChangedRowsCache(feed, 'revoked_access_tokens', { maxEntries: 20_000 });
  }

  /** Issuances still on their way are committed before the pool closes (it closes after this). */
  beforeApplicationShutdown(): Promise<void> {
    return this.writer.idle();
  }

  /**
   * Records a token about to be signed, with its audit row, and resolves once both are
   * committed: no token is handed out that revocation could not find.
   */
  record(token: IssuedAccessToken, audit: Omit<AuditRecord, 'clientId' | 'userId'>): Promise<void> {
    return this.writer.submit([
      token.jti,
      token.clientId,
      token.userId,
      token.familyId,
      token.expiresAt,
      audit.type,
      audit.ip ?? null,
      audit.details ?? {},
    ]);
  }

  /** Puts the selected live tokens on the revocation list; answers how many were added. */
  async revoke(selector: AccessTokenSelector): Promise<number> {
    if ('jti' in selector) {
      const rows = await this.dataSource.query<{ jti: string }[]>(
        `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, to_timestamp($2))
         ON CONFLICT (jti) DO NOTHING RETURNING jti`,
        [selector.jti, selector.expiresAt],
      );
      this.answers.forget(selector.jti);
      return rows.length;
    }
    const params: unknown[] = [];
    const where = whereEqual(
      {
        family_id: 'familyId' in selector ? selector.familyId : undefined,
        client_id: 'clientId' in selector ? selector.clientId : undefined,
        user_id: 'userId' in selector ? selector.userId : undefined,
      },
      params,
    );
    const rows = await this.dataSource.query<{ jti: string }[]>(
      `INSERT INTO revoked_access_tokens (jti, expires_at)
       SELECT jti, expires_at FROM issued_access_tokens WHERE ${where} AND expires_at > now()
       ON CONFLICT (jti) DO NOTHING RETURNING jti`,
      params,
    );
    for (const { jti } of rows) this.answers.forget(jti);
    return rows.length;
  }

  /** Whether this server issued the token and it has not expired: its index row is there. */
  async wasIssued(clientId: string, jti: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM issued_access_tokens WHERE client_id = $1 AND jti = $2 AND expires_at > now()',
      [clientId, jti],
    );
    return rows.length > 0;
  }

  isRevoked(jti: string): Promise<boolean> {
    return this.answers.get(jti, async () => {
      const rows = await this.dataSource.query<unknown[]>(
        'SELECT 1 FROM revoked_access_tokens WHERE jti = $1',
        [jti],
      );
      return rows.length > 0;
    });
  }
}
