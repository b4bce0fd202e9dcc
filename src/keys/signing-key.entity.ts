import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { SigningAlg } from './signing-algorithms.js';

export type { SigningAlg } from './signing-algorithms.js';

/**
 * A token-signing key pair; the private half is stored encrypted (AES-256-GCM). Each
 * algorithm has one active key at a time: the partial unique index makes that a fact of the
 * table, whatever instance rotates.
 */
@Entity({ name: 'signing_keys' })
@Index('signing_keys_one_active_per_alg', ['alg'], {
  unique: true,
  where: `"status" = 'active'`,
})
export class SigningKey {
  /** RFC 7638 thumbprint of the public key. */
  @PrimaryColumn({ type: 'text' })
  kid!: string;

  @Column({ type: 'text' })
  alg!: SigningAlg;

  @Column({ name: 'public_jwk', type: 'jsonb' })
  publicJwk!: Record<string, string>;

  @Column({ name: 'private_key_encrypted', type: 'bytea' })
  privateKeyEncrypted!: Buffer;

  /**
   * The `active` key of each algorithm signs; `retired` ones are only published so their
   * tokens still verify.
   */
  @Column({ type: 'text', default: 'active' })
  status!: 'active' | 'retired';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When the key stopped signing; it leaves the JWKS once its last token has expired. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
}
