import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type SigningAlg = 'ES256' | 'RS256';

/** A token-signing key pair; the private half is stored encrypted (AES-256-GCM). */
@Entity({ name: 'signing_keys' })
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

  /** `active` keys sign; `retired` ones are only published so their tokens still verify. */
  @Column({ type: 'text', default: 'active' })
  status!: 'active' | 'retired';

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  /** When the key stopped signing; it leaves the JWKS once its last token has expired. */
  @Column({ name: 'retired_at', type: 'timestamptz', nullable: true })
  retiredAt!: Date | null;
}
