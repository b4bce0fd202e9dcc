import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { Scope } from '../common/scope.js';
import { randomToken, sha256 } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { GroupCommit } from '../database/group-commit.js';
import { preparedQuery } from '../database/prepared-query.js';
import { whereEqual } from '../database/where-equal.js';
import { insertIssuedAccessTokensFrom } from './access-token.store.js';
import { IDENTITY_SCOPES } from './client-targets.js';

/** Identity scopes keep their bare name whatever the audience (TokenAudience). */
const IDENTITY_SCOPE_LIST = [...IDENTITY_SCOPES];

/** What a refresh token stands for: one original grant, its family. */
export interface RefreshGrant {
  familyId: string;
  clientId: string;
  userId: string | null;
  /** The scope of the original grant. */
  scopes: string[];
}

export interface RefreshTokenState extends RefreshGrant {
  active: boolean;
  issuedAt: Date;
  expiresAt: Date;
}

/** The access token answered with a new grant or a rotation, recorded in the same statement. */
export interface AccessTokenIssuance {
  jti: string;
  /** Epoch seconds. */
  expiresAt: number;
  ip?: string;
}

export interface ConsumeRequest {
  token: string;
  clientId: string;
  /** The scope names asked for; undefined asks for all the grant still allows. */
  requested: string[] | undefined;
  /** The one audience asked for (RFC 8707 §2.2); undefined: the grant's own. */
  resource: string | undefined;
  /** What the client may hold today, as items (TokenAudience): what it lost is not granted again. */
  clientItems: string[];
  /** The lifetime of an access token for each audience the client may have, by identifier. */
  lifetimes: Readonly<Record<string, number>>;
  access: { jti: string; /** Epoch seconds. */ issuedAt: number; ip?: string };
  /** The thumbprint of the request's DPoP proof key (RFC 9449 §5); undefined: no proof. */
  dpopJkt: string | undefined;
  /** The APIs that accept only DPoP-bound tokens (TokenAudience.dpopOnly). */
  dpopOnly: ReadonlySet<string>;
}

/**
 * What presenting a refresh token came to. Only `granted` changed anything: the token is
 * consumed, its successor and the access token are recorded.
 */
export type Consumption =
  | {
      outcome: 'granted';
      successor: string;
      grant: RefreshGrant;
      /** The access token's items: as requested, or what the grant and the client share. */
      scopes: string[];
      /** The access token's audience, and every audience of the grant. */
      audience: string;
      resources: string[];
      /** Epoch seconds. */
      expiresAt: number;
      username: string | null;
    }
  /** Already consumed (now or before) and presented again by its own client. */
  | { outcome: 'reused'; familyId: string }
  | { outcome: 'user_disabled' }
  /** Asked for scope the grant or the client no longer has: these. */
  | { outcome: 'scope_not_granted'; outside: string[] }
  /** Asked for an audience the grant does not cover, or the client may no longer have. */
  | { outcome: 'target_not_granted'; target: string }
  /** The family is bound to a DPoP key (a public client's, RFC 9449 §5) the request did not prove. */
  | { outcome: 'dpop_key_mismatch' }
  /** The family's access tokens are DPoP-bound, or its audience takes only those: no proof came. */
  | { outcome: 'dpop_proof_required'; target: string | null }
  | { outcome: 'invalid' };

/** Whose refresh-token families: one, the one of a token (if it is the client's), a client's or a user's. */
export type FamilySelector =
  | { familyId: string }
  | { token: string; clientId: string }
  | { clientId: string; userId?: string }
  | { userId: string };

export interface RevokedFamily {
  familyId: string;
  userId: string | null;
  /** False when it had been revoked before. */
  revokedNow: boolean;
}

/**
 * Every rule of presenting a refresh token, for a batch of presentations, in one statement:
 * the verdict of each (the token exists and is the client's; consumed before: reused; token and
 * family unexpired and the family unrevoked; its user enabled; the requested scope within what
 * the grant and the client share), and for each `granted` one the token consumed, the successor
 * inserted, and the access token answered with it recorded with its `refresh.rotated` audit row
 * — all or nothing. A token consumed by a concurrent statement (or twice in this batch) is
 * consumed once: the UPDATE re-checks `consumed_at` on the newest version of the row, and the
 * loser's verdict becomes `reused`.
 *
 * Each request reaches its token, family and user by primary key, one after the other (the
 * OFFSET 0 subqueries keep the planner from joining whole tables instead, which it did when
 * the families table looked small), and the UPDATE finds the token again by its ctid.
 */
export const CONSUME_BATCH = `
  WITH request AS (
    SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[], $4::text[], $5::text[],
                         $6::text[], $7::float8[], $8::text[], $9::text[], $10::jsonb[],
                         $14::text[])
      WITH ORDINALITY AS r(digest, client_id, successor, requested, client_scopes, jti,
                           access_issued_at, ip, resource, lifetimes, proof_jkt, n)),
  found AS (
    SELECT r.*, t.ctid AS token_ctid, t.consumed_at IS NOT NULL AS consumed,
           t.expires_at > now() AS token_unexpired, f.id AS family_id,
           f.client_id AS family_client_id, f.user_id, f.scope, f.expires_at AS family_expires_at,
           f.revoked_at IS NOT NULL AS family_revoked, f.expires_at > now() AS family_unexpired,
           f.dpop_jkt AS family_dpop_jkt, f.dpop_bound AS family_dpop_bound,
           CASE WHEN cardinality(f.resources) > 0 THEN f.resources ELSE ARRAY[$12::text] END
             AS resources,
           coalesce(r.resource, f.audience, $12::text) AS target,
           u.username, u.disabled AS user_disabled,
           coalesce(string_to_array(r.requested, ' '), '{}') AS requested_scopes,
           string_to_array(f.scope, ' ') AS grant_scopes,
           string_to_array(r.client_scopes, ' ') AS client_scope_list
      FROM request r
      LEFT JOIN LATERAL (
        SELECT ctid, family_id, consumed_at, expires_at FROM refresh_tokens
         WHERE digest = r.digest OFFSET 0) t ON true
      LEFT JOIN LATERAL (
        SELECT * FROM refresh_token_families WHERE id = t.family_id OFFSET 0) f ON true
      LEFT JOIN LATERAL (
        SELECT username, disabled FROM users WHERE id = f.user_id OFFSET 0) u ON true),
  targeted AS (
    SELECT found.*,
           ARRAY(SELECT CASE WHEN target = $12::text OR s = ANY($13::text[]) THEN s
                             ELSE target || '#' || s END
                   FROM unnest(requested_scopes) AS s) AS requested_items
      FROM found),
  scoped AS (
    SELECT targeted.*,
           ARRAY(SELECT s FROM unnest(requested_items) AS s
                  WHERE NOT (s = ANY(grant_scopes) AND s = ANY(client_scope_list))) AS outside,
           coalesce(array_to_string(CASE WHEN requested IS NULL THEN NULL ELSE requested_items END, ' '), (
             SELECT coalesce(string_agg(s, ' ' ORDER BY i), '')
               FROM unnest(grant_scopes) WITH ORDINALITY AS g(s, i)
              WHERE s = ANY(client_scope_list))) AS granted_scope,
           access_issued_at + (lifetimes ->> target)::float8 AS access_expires_at
      FROM targeted),
  -- The access token's own scope, as ClientTargets.access reads it from the items: at the
  -- issuer the items no API of the grant owns, at an API the names of its own.
  aimed AS (
    SELECT scoped.*,
           (SELECT coalesce(string_agg(CASE WHEN target = $12::text THEN s
                                            ELSE substr(s, length(target) + 2) END,
                                       ' ' ORDER BY i), '')
              FROM unnest(string_to_array(granted_scope, ' ')) WITH ORDINALITY AS g(s, i)
             WHERE CASE WHEN target = $12::text
                        THEN NOT EXISTS (SELECT 1 FROM unnest(resources) AS r
                                          WHERE r <> $12::text AND starts_with(s, r || '#'))
                        ELSE starts_with(s, target || '#') END) AS access_scope
      FROM scoped),
  judged AS (
    SELECT aimed.*, CASE
             WHEN family_id IS NULL OR family_client_id <> client_id THEN 'invalid'
             -- RFC 9449 §5, before anything that changes state: without the key a presentation
             -- proves nothing, not even reuse.
             WHEN family_dpop_jkt IS NOT NULL AND proof_jkt IS DISTINCT FROM family_dpop_jkt
               THEN 'dpop_key_mismatch'
             WHEN family_dpop_bound AND proof_jkt IS NULL THEN 'dpop_proof_required'
             WHEN consumed THEN CASE WHEN family_revoked THEN 'invalid' ELSE 'reused' END
             WHEN NOT token_unexpired OR family_revoked OR NOT family_unexpired THEN 'invalid'
             WHEN user_id IS NOT NULL AND coalesce(user_disabled, true) THEN 'user_disabled'
             WHEN NOT target = ANY(resources) OR access_expires_at IS NULL
               THEN 'target_not_granted'
             WHEN proof_jkt IS NULL AND target = ANY($15::text[]) THEN 'dpop_proof_required'
             WHEN cardinality(outside) > 0 THEN 'scope_not_granted'
             ELSE 'granted' END AS verdict
      FROM aimed),
  consumed AS (
    UPDATE refresh_tokens t SET consumed_at = now()
      FROM judged g
     WHERE g.verdict = 'granted' AND t.ctid = g.token_ctid AND t.consumed_at IS NULL
     RETURNING g.n, g.successor, g.client_id, g.jti, g.access_expires_at, g.ip, g.family_id,
               g.user_id, g.family_expires_at, g.access_scope, g.target, g.proof_jkt),
  inserted AS (
    INSERT INTO refresh_tokens (digest, family_id, expires_at)
    SELECT successor, family_id, least(now() + make_interval(secs => $11), family_expires_at)
      FROM consumed),
  issued_rows AS (
    SELECT jti, client_id, user_id, family_id, to_timestamp(access_expires_at) AS expires_at,
           'refresh.rotated' AS type, ip,
           jsonb_build_object('grant_type', 'refresh_token', 'scope', access_scope, 'jti', jti,
                              'family_id', family_id)
             || CASE WHEN target = $12::text THEN '{}'::jsonb
                     ELSE jsonb_build_object('aud', target) END
             || CASE WHEN proof_jkt IS NULL THEN '{}'::jsonb
                     ELSE jsonb_build_object('dpop_jkt', proof_jkt) END AS details
      FROM consumed),
  issued AS (${insertIssuedAccessTokensFrom('issued_rows')}),
  audited AS (${AuditService.insertFrom('issued_rows')})
  SELECT j.n, CASE WHEN j.verdict = 'granted' AND c.n IS NULL THEN 'reused' ELSE j.verdict END
           AS verdict,
         j.family_id, j.user_id, j.scope, j.granted_scope, j.outside, j.username, j.target,
         j.resources, j.access_expires_at
    FROM judged j LEFT JOIN consumed c ON c.n = j.n`;

/**
 * A new grant in one statement: its family, its first refresh token, and the access token
 * answered with it recorded with its `token.issued` audit row (whose details gain the family).
 */
const START = `
  WITH family AS (
    INSERT INTO refresh_token_families (client_id, user_id, scope, expires_at, resources, audience,
                                        dpop_jkt, dpop_bound)
    VALUES ($1, $2, $3, now() + make_interval(secs => $4), $11, $12, $13, $14)
    RETURNING id, expires_at),
  token AS (
    INSERT INTO refresh_tokens (digest, family_id, expires_at)
    SELECT $5, id, least(now() + make_interval(secs => $6), expires_at) FROM family),
  issued_rows AS (
    SELECT $7::text AS jti, $1::text AS client_id, $2::uuid AS user_id, id AS family_id,
           to_timestamp($8::float8) AS expires_at, 'token.issued' AS type, $9::text AS ip,
           $10::jsonb || jsonb_build_object('family_id', id) AS details
      FROM family),
  issued AS (${insertIssuedAccessTokensFrom('issued_rows')}),
  audited AS (${AuditService.insertFrom('issued_rows')})
  SELECT id AS family_id FROM family`;

interface ConsumeItem {
  digest: Buffer;
  clientId: string;
  successorDigest: Buffer;
  /** Space-separated names; null when the request named no scope. */
  requested: string | null;
  clientScopes: string;
  jti: string;
  accessIssuedAt: number;
  ip: string | null;
  resource: string | null;
  lifetimes: string;
  dpopJkt: string | null;
  dpopOnly: ReadonlySet<string>;
}

interface Verdict {
  verdict:
    | 'granted'
    | 'reused'
    | 'user_disabled'
    | 'scope_not_granted'
    | 'target_not_granted'
    | 'dpop_key_mismatch'
    | 'dpop_proof_required'
    | 'invalid';
  family_id: string | null;
  user_id: string | null;
  scope: string | null;
  granted_scope: string | null;
  outside: string[] | null;
  username: string | null;
  target: string | null;
  resources: string[] | null;
  access_expires_at: number | null;
}

/**
 * Refresh tokens: opaque 256-bit values stored as SHA-256 digests, grouped in families (one
 * per original grant). Every use rotates the token; a consumed token presented again is reuse
 * (RFC 9700 §4.14.2), and the caller revokes its family.
 */
@Injectable()
export class RefreshTokenStore implements BeforeApplicationShutdown {
  /** Presentations of concurrent requests share one statement and one commit. */
  private readonly consumptions = new GroupCommit<ConsumeItem, Verdict>({
    write: async (items) => {
      const rows = await preparedQuery<Verdict & { n: string }>(
        this.dataSource,
        'refresh-consume-batch',
        CONSUME_BATCH,
        [
          items.map((r) => r.digest),
          items.map((r) => r.clientId),
          items.map((r) => r.successorDigest),
          items.map((r) => r.requested),
          items.map((r) => r.clientScopes),
          items.map((r) => r.jti),
          items.map((r) => r.accessIssuedAt),
          items.map((r) => r.ip),
          items.map((r) => r.resource),
          items.map((r) => r.lifetimes),
          this.config.refreshTokenTtl,
          this.config.issuer,
          IDENTITY_SCOPE_LIST,
          items.map((r) => r.dpopJkt),
          // The same set for every request of a batch, bar a catalog change between them.
          [...new Set(items.flatMap((r) => [...r.dpopOnly]))],
        ],
      );
      const byPosition = new Map(rows.map((row) => [Number(row.n), row]));
      return items.map((_, index) => byPosition.get(index + 1)!);
    },
    maxBatch: 200,
    maxInFlight: 2,
    minIntervalMs: 4,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  /** Presentations still on their way are committed before the pool closes (it closes after this). */
  beforeApplicationShutdown(): Promise<void> {
    return this.consumptions.idle();
  }

  /** Starts a family for a new grant and returns its first token. */
  async start(
    grant: {
      clientId: string;
      userId: string | null;
      scopes: string[];
      resources: string[];
      audience: string;
      /** RFC 9449 §5: the key a public client's refresh tokens are bound to. */
      dpopJkt?: string;
      /** Whether the access tokens are DPoP-bound: a refresh needs a proof again. */
      dpopBound: boolean;
    },
    access: AccessTokenIssuance & { details: Record<string, unknown> },
  ): Promise<{ token: string; familyId: string }> {
    const token = randomToken(32);
    const [row] = await preparedQuery<{ family_id: string }>(
      this.dataSource,
      'refresh-family-start',
      START,
      [
        grant.clientId,
        grant.userId,
        Scope.of(grant.scopes).toString(),
        this.config.refreshTokenAbsoluteTtl,
        sha256(token),
        this.config.refreshTokenTtl,
        access.jti,
        access.expiresAt,
        access.ip ?? null,
        JSON.stringify(access.details),
        grant.resources,
        grant.audience,
        grant.dpopJkt ?? null,
        grant.dpopBound,
      ],
    );
    return { token, familyId: row.family_id };
  }

  /**
   * Presents `token` for `clientId`: of any number of concurrent presentations of one token,
   * exactly one is `granted`.
   */
  async consume(request: ConsumeRequest): Promise<Consumption> {
    const successor = randomToken(32);
    const row = await this.consumptions.submit({
      digest: sha256(request.token),
      clientId: request.clientId,
      successorDigest: sha256(successor),
      requested: request.requested === undefined ? null : Scope.of(request.requested).toString(),
      clientScopes: Scope.of(request.clientItems).toString(),
      jti: request.access.jti,
      accessIssuedAt: request.access.issuedAt,
      ip: request.access.ip ?? null,
      resource: request.resource ?? null,
      lifetimes: JSON.stringify(request.lifetimes),
      dpopJkt: request.dpopJkt ?? null,
      dpopOnly: request.dpopOnly,
    });
    switch (row.verdict) {
      case 'granted':
        return {
          outcome: 'granted',
          successor,
          grant: {
            familyId: row.family_id!,
            clientId: request.clientId,
            userId: row.user_id,
            scopes: Scope.stored(row.scope).toArray(),
          },
          scopes: Scope.stored(row.granted_scope).toArray(),
          audience: row.target!,
          resources: row.resources ?? [],
          expiresAt: Number(row.access_expires_at),
          username: row.username,
        };
      case 'reused':
        return { outcome: 'reused', familyId: row.family_id! };
      case 'scope_not_granted':
        return { outcome: 'scope_not_granted', outside: row.outside ?? [] };
      case 'target_not_granted':
        return { outcome: 'target_not_granted', target: row.target ?? '' };
      case 'user_disabled':
        return { outcome: 'user_disabled' };
      case 'dpop_key_mismatch':
        return { outcome: 'dpop_key_mismatch' };
      case 'dpop_proof_required':
        return { outcome: 'dpop_proof_required', target: row.target };
      default:
        return { outcome: 'invalid' };
    }
  }

  /** Revokes the selected families (a revoked one keeps its first reason). */
  async revoke(selector: FamilySelector, reason: string): Promise<RevokedFamily[]> {
    const params: unknown[] = [reason];
    let target: string;
    if ('token' in selector) {
      target = `SELECT f.id, f.user_id FROM refresh_tokens t
                  JOIN refresh_token_families f ON f.id = t.family_id
                 WHERE t.digest = $${params.push(sha256(selector.token))}
                   AND f.client_id = $${params.push(selector.clientId)}`;
    } else {
      const where = whereEqual(
        {
          id: 'familyId' in selector ? selector.familyId : undefined,
          client_id: 'clientId' in selector ? selector.clientId : undefined,
          user_id: 'userId' in selector ? selector.userId : undefined,
        },
        params,
      );
      target = `SELECT id, user_id FROM refresh_token_families WHERE ${where}`;
    }
    const rows = await this.dataSource.query<
      { id: string; user_id: string | null; revoked_now: boolean }[]
    >(
      `WITH target AS (${target}),
       revoked AS (
         UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = $1
           FROM target WHERE f.id = target.id AND f.revoked_at IS NULL
          RETURNING f.id)
       SELECT target.id, target.user_id, revoked.id IS NOT NULL AS revoked_now
         FROM target LEFT JOIN revoked USING (id)`,
      params,
    );
    return rows.map((row) => ({
      familyId: row.id,
      userId: row.user_id,
      revokedNow: row.revoked_now,
    }));
  }

  /** The state of a refresh token, for introspection; undefined when unknown. */
  async inspect(token: string): Promise<RefreshTokenState | undefined> {
    const [row] = await this.dataSource.query<
      {
        family_id: string;
        client_id: string;
        user_id: string | null;
        scope: string;
        created_at: Date;
        expires_at: Date;
        active: boolean;
      }[]
    >(
      `SELECT f.id AS family_id, f.client_id, f.user_id, f.scope, t.created_at,
              least(t.expires_at, f.expires_at) AS expires_at,
              (t.consumed_at IS NULL AND f.revoked_at IS NULL
                AND t.expires_at > now() AND f.expires_at > now()) AS active
         FROM refresh_tokens t JOIN refresh_token_families f ON f.id = t.family_id
        WHERE t.digest = $1`,
      [sha256(token)],
    );
    if (!row) return undefined;
    return {
      familyId: row.family_id,
      clientId: row.client_id,
      userId: row.user_id,
      scopes: Scope.stored(row.scope).toArray(),
      issuedAt: row.created_at,
      expiresAt: row.expires_at,
      active: row.active,
    };
  }
}
