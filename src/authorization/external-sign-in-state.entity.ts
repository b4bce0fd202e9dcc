import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * A sign-in with an external identity provider in progress: its state, PKCE verifier, and
 * request. Single-use: `ExternalSignInStateStore` deletes the row as it reads it. The table
 * keeps the name it had when only upstream platforms signed users in.
 */
@SweptWhen('expires_at < now()')
@Entity({ name: 'upstream_sign_ins' })
export class ExternalSignInState {
  /** SHA-256 of the `state` sent to the provider (and kept in a signed cookie). */
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
