import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * A DPoP proof already accepted (RFC 9449 §11.1), by its key and `jti`, kept until it would be
 * refused as too old anyway: what makes a proof single use across every instance, at the token
 * endpoint and at Portcullis's own routes alike. Keyed by the key first, so that one client's
 * `jti` can never block another's.
 */
@SweptWhen('expires_at < now()')
@Entity({ name: 'used_dpop_proofs' })
// BRIN: rows arrive in expiry order, so the sweeper's range costs next to nothing to index.
@Index('used_dpop_proofs_expires_idx', { synchronize: false })
export class UsedDpopProof {
  /** RFC 7638 thumbprint of the proof's key. */
  @PrimaryColumn({ type: 'text' })
  jkt!: string;

  @PrimaryColumn({ type: 'text' })
  jti!: string;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
