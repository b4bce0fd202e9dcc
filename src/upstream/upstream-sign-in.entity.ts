import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { SweptWhen } from '../database/swept-when.decorator.js';

/** A sign-in with an upstream platform in progress: its state, PKCE verifier, and request. */
@SweptWhen('expires_at < now()')
@Entity({ name: 'upstream_sign_ins' })
export class UpstreamSignIn {
  /** SHA-256 of the `state` sent to the platform (and kept in a signed cookie). */
  @PrimaryColumn({ name: 'state_digest', type: 'bytea' })
  stateDigest!: Buffer;

  @Column({ type: 'text' })
  connection!: string;

  @Column({ name: 'code_verifier_encrypted', type: 'bytea' })
  codeVerifierEncrypted!: Buffer;

  /** The authorization request to continue afterwards, if any. */
  @Column({ name: 'request_id', type: 'text', nullable: true })
  requestId!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
