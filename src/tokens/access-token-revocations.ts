import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';

/** The revocation list of access tokens: a `jti` stays listed until its token expires. */
@Injectable()
export class AccessTokenRevocations {
  /** Answers per jti; a revocation on any instance drops the jti's answer everywhere. */
  private readonly answers: ChangedRowsCache<boolean>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
