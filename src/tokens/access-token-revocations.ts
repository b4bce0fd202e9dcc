import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** The revocation list of access tokens: a `jti` stays listed until its token expires. */
@Injectable()
export class AccessTokenRevocations {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async revoke(jti: string, expiresAt: number): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, to_timestamp($2))
       ON CONFLICT (jti) DO NOTHING`,
      [jti, expiresAt],
    );
  }

  async isRevoked(jti: string): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM revoked_access_tokens WHERE jti = $1',
      [jti],
    );
    return rows.length > 0;
  }
}
