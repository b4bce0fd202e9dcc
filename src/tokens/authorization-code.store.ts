import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Scope } from '../common/scope.js';
import { randomToken, sha256 } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';

export interface CodeGrant {
  clientId: string;
  userId: string;
  redirectUri: string;
  redirectUriGiven: boolean;
  scopes: string[];
  /** The APIs of the authorization request (RFC 8707); empty: the issuer's own. */
  resources: string[];
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: 'S256' | 'plain' | null;
  /** RFC 9449 §10: the thumbprint of the key whose DPoP proof must redeem the code. */
  dpopJkt: string | null;
  authTime: Date;
}

export type Redemption =
  | { outcome: 'redeemed'; digest: Buffer; grant: CodeGrant }
  | {
      outcome: 'replayed';
      clientId: string;
      familyId: string | null;
      jti: string | null;
      jtiExpiresAt: Date | null;
    }
  /** Bound to a DPoP key (dpop_jkt) the redemption proved no possession of: not consumed. */
  | { outcome: 'key_mismatch' }
  | { outcome: 'invalid' };

interface CodeRow {
  client_id: string;
  user_id: string;
  redirect_uri: string;
  redirect_uri_given: boolean;
  scope: string;
  resources: string[];
  nonce: string | null;
  code_challenge: string | null;
  code_challenge_method: 'S256' | 'plain' | null;
  dpop_jkt: string | null;
  auth_time: Date;
}

/**
 * Authorization codes: 256-bit, stored as SHA-256 digests, consumed by one conditional UPDATE.
 * Issued by the authorization flow, redeemed by the token endpoint.
 */
@Injectable()
export class AuthorizationCodeStore {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Deletes the unredeemed codes of a client or user: redeeming one later is invalid_grant. */
  async discardUnredeemedOf(party: { clientId: string } | { userId: string }): Promise<void> {
    const [column, value] =
      'clientId' in party ? ['client_id', party.clientId] : ['user_id', party.userId];
    await this.dataSource.query(
      `DELETE FROM authorization_codes WHERE ${column} = $1 AND consumed_at IS NULL`,
      [value],
    );
  }

  async issue(grant: CodeGrant): Promise<string> {
    const code = randomToken(32);
    await this.dataSource.query(
      `INSERT INTO authorization_codes (digest, client_id, user_id, redirect_uri, redirect_uri_given, scope,
         nonce, code_challenge, code_challenge_method, auth_time, expires_at, resources, dpop_jkt)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now() + make_interval(secs => $11), $12, $13)`,
      [
        sha256(code),
        grant.clientId,
        grant.userId,
        grant.redirectUri,
        grant.redirectUriGiven,
        Scope.of(grant.scopes).toString(),
        grant.nonce,
        grant.codeChallenge,
        grant.codeChallengeMethod,
        grant.authTime,
        this.config.authCodeTtl,
        grant.resources,
        grant.dpopJkt,
      ],
    );
    return code;
  }

  /**
   * Consumes the code: of concurrent redemptions exactly one is `redeemed`. `dpopJkt` is the
   * thumbprint of the key the request's DPoP proof was signed with: a code bound to another
   * key, or redeemed without a proof, is left as it was (RFC 9449 §10), so a thief without the
   * key cannot even spend it.
   */
  async redeem(code: string, dpopJkt: string | undefined): Promise<Redemption> {
    if (code.length > 128) return { outcome: 'invalid' };
    const digest = sha256(code);
    const [row] = await this.dataSource.query<CodeRow[]>(
      `WITH consumed AS (
         UPDATE authorization_codes SET consumed_at = now()
          WHERE digest = $1 AND consumed_at IS NULL AND expires_at > now()
            AND (dpop_jkt IS NULL OR dpop_jkt = $2)
          RETURNING *)
       SELECT * FROM consumed`,
      [digest, dpopJkt ?? null],
    );
    if (row) {
      return {
        outcome: 'redeemed',
        digest,
        grant: {
          clientId: row.client_id,
          userId: row.user_id,
          redirectUri: row.redirect_uri,
          redirectUriGiven: row.redirect_uri_given,
          scopes: Scope.stored(row.scope).toArray(),
          resources: row.resources,
          nonce: row.nonce,
          codeChallenge: row.code_challenge,
          codeChallengeMethod: row.code_challenge_method,
          dpopJkt: row.dpop_jkt,
          authTime: row.auth_time,
        },
      };
    }
    // Marked in the same statement that reads what was issued: a redemption still minting
    // either recorded its tokens before this (they are revoked here) or sees the mark after.
    const [used] = await this.dataSource.query<
      {
        client_id: string;
        family_id: string | null;
        issued_jti: string | null;
        issued_jti_expires_at: Date | null;
      }[]
    >(
      `WITH marked AS (
         UPDATE authorization_codes SET replayed_at = coalesce(replayed_at, now())
          WHERE digest = $1 AND consumed_at IS NOT NULL
          RETURNING client_id, family_id, issued_jti, issued_jti_expires_at)
       SELECT * FROM marked`,
      [digest],
    );
    if (!used)
      return (await this.isBoundElsewhere(digest))
        ? { outcome: 'key_mismatch' }
        : { outcome: 'invalid' };
    return {
      outcome: 'replayed',
      clientId: used.client_id,
      familyId: used.family_id,
      jti: used.issued_jti,
      jtiExpiresAt: used.issued_jti_expires_at,
    };
  }

  /** What an unspent, unexpired code is for, without spending it; undefined for any other. */
  async peek(
    code: string,
  ): Promise<Pick<CodeGrant, 'clientId' | 'scopes' | 'resources'> | undefined> {
    if (code.length > 128) return undefined;
    const [row] = await this.dataSource.query<Pick<CodeRow, 'client_id' | 'scope' | 'resources'>[]>(
      `SELECT client_id, scope, resources FROM authorization_codes
        WHERE digest = $1 AND consumed_at IS NULL AND expires_at > now()`,
      [sha256(code)],
    );
    return row
      ? {
          clientId: row.client_id,
          scopes: Scope.stored(row.scope).toArray(),
          resources: row.resources,
        }
      : undefined;
  }

  /** Whether an unspent code is bound to a key: what a redemption without it was refused for. */
  private async isBoundElsewhere(digest: Buffer): Promise<boolean> {
    const rows = await this.dataSource.query<unknown[]>(
      `SELECT 1 FROM authorization_codes
        WHERE digest = $1 AND consumed_at IS NULL AND expires_at > now() AND dpop_jkt IS NOT NULL`,
      [digest],
    );
    return rows.length > 0;
  }

  /**
   * Remembers what the code produced, so a replay can revoke it. True when a replay came
   * while the tokens were being minted: then the caller must revoke them itself.
   */
  async recordIssued(
    digest: Buffer,
    issued: { jti: string; expiresAt: number; familyId?: string },
  ): Promise<boolean> {
    const [row] = await this.dataSource.query<{ replayed_at: Date | null }[]>(
      `WITH recorded AS (
         UPDATE authorization_codes
            SET issued_jti = $2, issued_jti_expires_at = to_timestamp($3), family_id = $4
          WHERE digest = $1
          RETURNING replayed_at)
       SELECT * FROM recorded`,
      [digest, issued.jti, issued.expiresAt, issued.familyId ?? null],
    );
    return row?.replayed_at != null;
  }
}
