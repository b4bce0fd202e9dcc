import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TimestampedEntity } from '../database/timestamped.entity.js';

export type UpstreamProvider = 'coze' | 'feishu';

/**
 * A named configuration of one upstream platform. Plain settings are in `settings`; the
 * secrets (a private key, an app secret) only encrypted, in `secrets_encrypted`.
 */
@Entity({ name: 'upstream_connections' })
export class UpstreamConnection extends TimestampedEntity {
  @PrimaryColumn({ type: 'text' })
  name!: string;

  @Column({ type: 'text' })
  provider!: UpstreamProvider;

  @Column({ type: 'jsonb', default: () => "'{}'" })
  settings!: Record<string, string | number | boolean>;

  @Column({ name: 'secrets_encrypted', type: 'bytea', select: false })
  secretsEncrypted!: Buffer;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;
}
