import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Client } from '../clients/client.entity.js';
import { User } from '../users/user.entity.js';
import { SweptWhen } from '../database/swept-when.decorator.js';

/** A single-use authorization code, known by its SHA-256, bound to client, redirect and PKCE. */
// Used codes stay a day, so a late replay still revokes what they issued.
@SweptWhen("expires_at < now() - interval '1 day'")
@Entity({ name: 'authorization_codes' })
export class AuthorizationCode {
  @PrimaryColumn({ type: 'bytea' })
  digest!: Buffer;

  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id' })
  client?: Client;

  @Column({ name: 'user_id', type: 'uuid' })
  userId!: string;

  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id' })
  user?: User;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string;

  @Column({ name: 'redirect_uri_given', type: 'boolean' })
  redirectUriGiven!: boolean;

  @Column({ type: 'text' })
  scope!: string;

  /** The APIs (RFC 8707) the request is for; empty for the issuer's own. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  resources!: string[];

  @Column({ type: 'text', nullable: true })
  nonce!: string | null;

  @Column({ name: 'code_challenge', type: 'text', nullable: true })
  codeChallenge!: string | null;

  @Column({ name: 'code_challenge_method', type: 'text', nullable: true })
  codeChallengeMethod!: 'S256' | 'plain' | null;

  /** RFC 9449 §10: only a DPoP proof by the key of this thumbprint may redeem the code. */
  @Column({ name: 'dpop_jkt', type: 'text', nullable: true })
  dpopJkt!: string | null;

  @Column({ name: 'auth_time', type: 'timestamptz' })
  authTime!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ name: 'consumed_at', type: 'timestamptz', nullable: true })
  consumedAt!: Date | null;

  /** What was issued from the code, to revoke it if the code is replayed (RFC 6749 §4.1.2). */
  @Column({ name: 'issued_jti', type: 'text', nullable: true })
  issuedJti!: string | null;

  @Column({ name: 'issued_jti_expires_at', type: 'timestamptz', nullable: true })
  issuedJtiExpiresAt!: Date | null;

  @Column({ name: 'family_id', type: 'uuid', nullable: true })
  familyId!: string | null;

  /** Set by a replay, so that a redemption still minting revokes what it mints. */
  @Column({ name: 'replayed_at', type: 'timestamptz', nullable: true })
  replayedAt!: Date | null;
}
