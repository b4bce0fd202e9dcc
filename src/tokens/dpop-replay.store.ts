import { Injectable } from '@nestjs/common';
import type { DpopReplayStore } from '@portcullis/nest-resource-server';
import { DataSource } from 'typeorm';
import { preparedQuery } from '../database/prepared-query.js';

/**
 * DPoP proofs are single use across every instance (RFC 9449 §11.1): the first instance to
 * insert a proof's key and `jti` into `used_dpop_proofs` takes it, any later insert finds the
 * row. Used by the token endpoint and, through the guard's `dpop.replayStore`, by the own routes.
 */
@Injectable()
export class PostgresDpopReplayStore implements DpopReplayStore {
  constructor(private readonly dataSource: DataSource) {}

  async use(jti: string, jkt: string, expiresAt: number): Promise<boolean> {
    const inserted = await preparedQuery<{ jti: string }>(
      this.dataSource,
      'dpop_proof_use',
      `INSERT INTO used_dpop_proofs (jkt, jti, expires_at) VALUES ($1, $2, to_timestamp($3))
       ON CONFLICT DO NOTHING RETURNING jti`,
      [jkt, jti, expiresAt],
    );
    return inserted.length === 1;
  }
}
