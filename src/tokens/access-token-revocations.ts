import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';

/** Between an audit row's time and its token's `iat`, and between instances' clocks. */
const CLOCK_SKEW_SECONDS = 60;

/**
 * Whose access tokens: one refresh-token family's (of its client), a user's grants to one
 * client, or everything a client or a user was issued.
 */
export type IssuedTo =
  | { clientId: string; familyId?: string; userId?: string }
  | { userId: string; clientId?: undefined; familyId?: undefined };

/** The revocation list of access tokens: a `jti` stays listed until its token expires. */
@Injectable()
export class AccessTokenRevocations {
  /** Answers per jti; a revocation on any instance drops the jti's answer everywhere. */
  private readonly answers: ChangedRowsCache<boolean>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    feed: ChangeFeed,
  ) {
    this.answers = new ChangedRowsCache(feed, 'revoked_access_tokens', {
      maxEntries: 20_000,
    });
  }

  async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, to_timestamp($2))
       ON CONFLICT (jti) DO NOTHING`,
      [jti, expiresAt],
    );
    this.answers.forget(jti);
  }

  /**
   * Revokes every access token that may still be live of one refresh-token family (RFC 6819
   * §5.2.2.3: a compromised grant loses its access tokens too), or of a whole client or user
   * (disabled: the tokens stay dead if it is enabled again). The audit rows of issuances and
   * rotations name their `jti`s (the minter audits every id before signing); none older than
   * ACCESS_TOKEN_TTL can be live.
   */
  async revokeIssuedTo(whose: IssuedTo): Promise<void> {
    const params: unknown[] = [this.config.accessTokenTtl, CLOCK_SKEW_SECONDS];
    const where = (
      [
        ['e.client_id', whose.clientId],
        ['e.user_id', whose.userId],
        ["e.details->>'family_id'", whose.familyId],
      ] as const
    )
      .filter(([, value]) => value !== undefined)
      .map(([column, value]) => `${column} = $${params.push(value)}`);
    const condition = where.join(' AND ');
    const rows = await this.dataSource.query<{ jti: string }[]>(
      `WITH issued AS (
         SELECT DISTINCT ON (e.details->>'jti') e.details->>'jti' AS jti, e.at FROM audit_events e
          WHERE ${condition} AND e.type IN ('token.issued', 'refresh.rotated')
            AND e.details ? 'jti' AND e.at > now() - make_interval(secs => $1::int + $2::int)),
       revoked AS (
         INSERT INTO revoked_access_tokens (jti, expires_at)
         SELECT jti, at + make_interval(secs => $1::int + $2::int) FROM issued
         ON CONFLICT (jti) DO NOTHING RETURNING jti)
       SELECT jti FROM revoked`,
      params,
    );
    for (const { jti } of rows) this.answers.forget(jti);
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
