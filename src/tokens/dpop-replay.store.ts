import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { DpopReplayStore } from '@portcullis/nest-resource-server';
import { DataSource } from 'typeorm';
import { GroupCommit } from '../database/group-commit.js';
import { preparedQuery } from '../database/prepared-query.js';

/** One proof to record: its key's thumbprint, its `jti`, and until when (epoch seconds). */
type Use = [jkt: string, jti: string, expiresAt: number];

/** The batch as one JSON array ($1); answers the pairs it inserted, the others being replays. */
const USE_BATCH = `INSERT INTO used_dpop_proofs (jkt, jti, expires_at)
  SELECT u->>0, u->>1, to_timestamp((u->>2)::double precision)
    FROM jsonb_array_elements($1::jsonb) AS u
  ON CONFLICT DO NOTHING
  RETURNING jkt, jti`;

const keyOf = (jkt: string, jti: string) => `${jkt} ${jti}`;

/**
 * DPoP proofs are single use across every instance (RFC 9449 §11.1): the first instance to
 * insert a proof's key and `jti` into `used_dpop_proofs` takes it, any later insert finds the
 * row. Used by the token endpoint and, through the guard's `dpop.replayStore`, by the own
 * routes. Concurrent requests' proofs share one statement and one commit (GroupCommit): a
 * commit costs far more than a row.
 */
@Injectable()
export class PostgresDpopReplayStore implements DpopReplayStore, BeforeApplicationShutdown {
  private readonly writer: GroupCommit<Use, boolean>;

  constructor(dataSource: DataSource) {
    this.writer = new GroupCommit<Use, boolean>({
      write: async (uses) => {
        // A pair twice in one batch: the first takes it, the second is a replay.
        const first = new Map<string, number>();
        uses.forEach(([jkt, jti], index) => {
          if (!first.has(keyOf(jkt, jti))) first.set(keyOf(jkt, jti), index);
        });
        const unique = [...first.values()].map((index) => uses[index]);
        const inserted = await preparedQuery<{ jkt: string; jti: string }>(
          dataSource,
          'dpop_proofs_use',
          USE_BATCH,
          [JSON.stringify(unique)],
        );
        const taken = new Set(inserted.map(({ jkt, jti }) => keyOf(jkt, jti)));
        return uses.map(
          ([jkt, jti], index) => first.get(keyOf(jkt, jti)) === index && taken.has(keyOf(jkt, jti)),
        );
      },
      maxBatch: 500,
      maxInFlight: 3,
      minIntervalMs: 1,
    });
  }

  /** Proofs still on their way are recorded before the pool closes (it closes after this). */
  beforeApplicationShutdown(): Promise<void> {
    return this.writer.idle();
  }

  use(jti: string, jkt: string, expiresAt: number): Promise<boolean> {
    return this.writer.submit([jkt, jti, expiresAt]);
  }
}
