import { Column, CreateDateColumn, Entity, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { Client } from '../clients/client.entity.js';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * A validated authorization request waiting for the user to sign in and consent. Kept in the
 * database so any instance can continue it.
 */
@SweptWhen('expires_at < now()')
@Entity({ name: 'authorization_requests' })
export class AuthorizationRequest {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ name: 'client_id', type: 'text' })
  clientId!: string;

  @ManyToOne(() => Client, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'client_id' })
  client?: Client;

  /** One of the registered response types (response-types/). */
  @Column({ name: 'response_type', type: 'text' })
  responseType!: string;

  @Column({ name: 'redirect_uri', type: 'text' })
  redirectUri!: string;

  /** Whether redirect_uri was in the request, so the token request must repeat it. */
  @Column({ name: 'redirect_uri_given', type: 'boolean' })
  redirectUriGiven!: boolean;

  @Column({ type: 'text' })
  scope!: string;

  /** The APIs (RFC 8707) the request is for; empty for the issuer's own. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  resources!: string[];

  @Column({ type: 'text', nullable: true })
  state!: string | null;

  @Column({ type: 'text', nullable: true })
  nonce!: string | null;

  @Column({ name: 'code_challenge', type: 'text', nullable: true })
  codeChallenge!: string | null;

  @Column({ name: 'code_challenge_method', type: 'text', nullable: true })
  codeChallengeMethod!: 'S256' | 'plain' | null;

  /** RFC 9449 §10: the thumbprint of the key the code must be redeemed with (`dpop_jkt`). */
  @Column({ name: 'dpop_jkt', type: 'text', nullable: true })
  dpopJkt!: string | null;

  /** SHA-256 of the CSRF cookie of the browser that started the request (null: unbound). */
  @Column({ name: 'browser_digest', type: 'bytea', nullable: true })
  browserDigest!: Buffer | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
