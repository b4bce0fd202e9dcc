import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryColumn,
} from 'typeorm';
import { Client } from '../clients/client.entity.js';
import { SweptWhen } from '../database/swept-when.decorator.js';

/**
 * A validated authorization request waiting for the user to sign in and consent. Kept in the
 * database so any instance can continue it. A pushed request (RFC 9126) waits here first for
 * its request_uri, unbound to any browser, until the authorize endpoint takes it.
 */
@SweptWhen('expires_at < now()')
@Entity({ name: 'authorization_requests' })
@Index('authorization_requests_request_uri_key', ['requestUriDigest'], {
  unique: true,
  where: '"request_uri_digest" IS NOT NULL',
})
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

  /** `none` or `login` (OpenID Connect Core §3.1.2.1), as asked; other prompts are not acted on. */
  @Column({ type: 'text', nullable: true })
  prompt!: 'none' | 'login' | null;

  /**
   * SHA-256 of the request_uri of a pushed request (RFC 9126) not yet taken by the authorize
   * endpoint; null once taken, and for a request made at the authorize endpoint.
   */
  @Column({ name: 'request_uri_digest', type: 'bytea', nullable: true })
  requestUriDigest!: Buffer | null;
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
