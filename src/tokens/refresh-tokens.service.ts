import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type QueryRunner } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { randomToken, sha256 } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { GroupCommit } from '../database/group-commit.js';
import { preparedQuery } from '../database/prepared-query.js';
import { AccessTokenRevocations } from './access-token-revocations.js';

/** What a refresh token stands for. */
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

/**
 * rotateAtOnce's statement, for a batch of rotations: each request (one row of the arrays)
 * consumes its token when the token is live, its family live and the client's, its user enabled
 * and the requested scopes within the grant; inserts the successor and the `refresh.rotated`
 * audit row. A request that fails a check changes nothing. The same token twice in one batch
 * is consumed once (an UPDATE changes a row once), so exactly one of the two wins.
 *
 * Each request reaches its token, family and user by primary key, one after the other (the
 * OFFSET 0 subqueries keep the planner from joining whole tables instead, which it did when
 * the families table looked small), and the UPDATE finds the token again by its ctid. Two
 * requests racing for a token are settled by the UPDATE: it re-checks `consumed_at` on the
 * newest version of the row, so only the first consumes it.
 */
const ROTATE_BATCH = `
  WITH request AS (
    SELECT * FROM unnest($1::bytea[], $2::text[], $3::bytea[], $4::text[], $5::text[],
                         $6::text[], $7::text[])
      WITH ORDINALITY AS r(digest, client_id, successor, requested, client_scopes, jti, ip, n)),
  target AS (
    SELECT r.*, t.ctid AS token_ctid, f.id AS family_id, f.user_id, f.scope, f.expires_at,
           u.username
      FROM request r
      CROSS JOIN LATERAL (
        SELECT ctid, family_id FROM refresh_tokens
         WHERE digest = r.digest AND consumed_at IS NULL AND expires_at > now() OFFSET 0) t
      CROSS JOIN LATERAL (
        SELECT * FROM refresh_token_families WHERE id = t.family_id OFFSET 0) f
      LEFT JOIN LATERAL (
        SELECT username, disabled FROM users WHERE id = f.user_id OFFSET 0) u ON true
     WHERE f.client_id = r.client_id AND f.revoked_at IS NULL AND f.expires_at > now()
       AND coalesce(string_to_array(r.requested, ' '), '{}') <@ string_to_array(f.scope, ' ')
       AND (f.user_id IS NULL OR NOT u.disabled)),
  consumed AS (
    UPDATE refresh_tokens t SET consumed_at = now()
      FROM target g
     WHERE t.ctid = g.token_ctid AND t.consumed_at IS NULL
     RETURNING g.n, g.successor, g.client_id, g.requested, g.client_scopes, g.jti, g.ip,
               g.family_id, g.user_id, g.scope, g.expires_at, g.username),
  inserted AS (
    INSERT INTO refresh_tokens (digest, family_id, expires_at)
    SELECT c.successor, c.family_id, least(now() + make_interval(secs => $8), c.expires_at)
      FROM consumed c),
  audited AS (
    INSERT INTO audit_events (type, client_id, user_id, ip, details)
    SELECT 'refresh.rotated', c.client_id, c.user_id, c.ip, jsonb_build_object(
             'grant_type', 'refresh_token', 'jti', c.jti, 'family_id', c.family_id,
             -- The scope granted: as requested, or what the grant and the client share.
             'scope', coalesce(c.requested, (
               SELECT coalesce(string_agg(s, ' ' ORDER BY n), '')
                 FROM unnest(string_to_array(c.scope, ' ')) WITH ORDINALITY AS g(s, n)
                WHERE s = ANY(string_to_array(c.client_scopes, ' ')))))
      FROM consumed c)
  SELECT n, family_id, user_id, scope, username FROM consumed`;

/** One rotation of a batch: what rotateAtOnce was asked. */
interface RotationRequest {
  digest: Buffer;
  clientId: string;
  successorDigest: Buffer;
  /** Space-separated; null when the request named no scope. */
  requested: string | null;
  clientScopes: string;
  jti: string;
  ip: string | null;
}

interface RotatedRow {
  family_id: string;
  user_id: string | null;
  scope: string;
  username: string | null;
}

const INVALID = () =>
  new OAuthError('invalid_grant', 'the refresh token is invalid, expired or revoked');

/**
 * Refresh tokens: opaque 256-bit values stored as SHA-256 digests, grouped in families (one
 * per original grant). Every use rotates the token; a consumed token presented again
 * revokes its family (RFC 9700 §4.14.2).
 */
@Injectable()
export class RefreshTokensService implements BeforeApplicationShutdown {
  /** Rotations of concurrent requests share one statement and one commit. */
  private readonly rotations = new GroupCommit<RotationRequest, RotatedRow | undefined>({
    write: async (requests) => {
      const rows = await preparedQuery<RotatedRow & { n: string }>(
        this.dataSource,
        'refresh-rotate-batch',
        ROTATE_BATCH,
        [
          requests.map((r) => r.digest),
          requests.map((r) => r.clientId),
          requests.map((r) => r.successorDigest),
          requests.map((r) => r.requested),
          requests.map((r) => r.clientScopes),
          requests.map((r) => r.jti),
          requests.map((r) => r.ip),
          this.config.refreshTokenTtl,
        ],
      );
      const byPosition = new Map(rows.map((row) => [Number(row.n), row]));
      return requests.map((_, index) => byPosition.get(index + 1));
    },
    maxBatch: 200,
    maxInFlight: 2,
    minIntervalMs: 4,
  });

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly accessTokens: AccessTokenRevocations,
  ) {}

  /** Rotations still on their way are committed before the pool closes (it closes after this). */
  beforeApplicationShutdown(): Promise<void> {
    return this.rotations.idle();
  }

  /**
   * Starts a family for a new grant and returns its first token, and writes the audit row of the
   * access token issued with it (`details` gains the family id): one statement, one commit.
   */
  async start(
    clientId: string,
    userId: string | null,
    scopes: string[],
    audit: { ip?: string; details: Record<string, unknown> },
  ): Promise<{ token: string; familyId: string }> {
    const token = randomToken(32);
    const [row] = await preparedQuery<{ family_id: string }>(
      this.dataSource,
      'refresh-family-start',
      `WITH family AS (
         INSERT INTO refresh_token_families (client_id, user_id, scope, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(secs => $4)) RETURNING id, expires_at),
       token AS (
         INSERT INTO refresh_tokens (digest, family_id, expires_at)
         SELECT $5, id, least(now() + make_interval(secs => $6), expires_at) FROM family),
       audited AS (
         INSERT INTO audit_events (type, client_id, user_id, ip, details)
         SELECT 'token.issued', $1, $2, $7, $8::jsonb || jsonb_build_object('family_id', id)
           FROM family)
       SELECT id AS family_id FROM family`,
      [
        clientId,
        userId,
        scopes.join(' '),
        this.config.refreshTokenAbsoluteTtl,
        sha256(token),
        this.config.refreshTokenTtl,
        audit.ip ?? null,
        JSON.stringify(audit.details),
      ],
    );
    return { token, familyId: row.family_id };
  }

  /**
   * Consumes `token` for `clientId` and returns its successor, atomically: of any number of
   * concurrent requests with one token, exactly one gets here. `accept` runs inside the
   * transaction, on its connection (`manager`: the pool may be full of requests waiting on
   * this row), and may throw to refuse without consuming the token.
   */
  async rotate(
    token: string,
    clientId: string,
    accept: (grant: RefreshGrant, manager: EntityManager) => Promise<void>,
    ip?: string,
  ): Promise<{ token: string; grant: RefreshGrant }> {
    const digest = sha256(token);
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let outcome: { token: string; grant: RefreshGrant } | undefined;
    try {
      await runner.startTransaction();
      const { records } = (await runner.query(
        `UPDATE refresh_tokens t SET consumed_at = now()
           FROM refresh_token_families f
          WHERE t.digest = $1 AND t.consumed_at IS NULL AND t.expires_at > now()
            AND f.id = t.family_id AND f.client_id = $2
            AND f.revoked_at IS NULL AND f.expires_at > now()
          RETURNING f.id AS family_id, f.user_id, f.scope`,
        [digest, clientId],
        true,
      )) as { records: { family_id: string; user_id: string | null; scope: string }[] };
      const row = records[0];
      if (row) {
        const grant: RefreshGrant = {
          familyId: row.family_id,
          clientId,
          userId: row.user_id,
          scopes: row.scope ? row.scope.split(' ') : [],
        };
        await accept(grant, runner.manager);
        outcome = { token: await this.insertToken(runner, row.family_id), grant };
      }
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction();
      throw error;
    } finally {
      await runner.release();
    }
    if (outcome) return outcome;
    await this.detectReuse(digest, clientId, ip);
    throw INVALID();
  }

  /**
   * The common case of `rotate` in one statement, shared with the rotations that arrive with it
   * (one round trip, one commit, no transaction held open): consumes `token` when its family is live, its user enabled and the requested
   * scopes within the grant, inserts the successor, and writes the `refresh.rotated` audit row
   * for the access token `audit.jti` — all or nothing. Undefined when any check fails:
   * nothing was changed then, and `rotate` tells why.
   */
  async rotateAtOnce(
    token: string,
    clientId: string,
    scope: { requested: string[] | undefined; clientScopes: string[] },
    audit: { jti: string; ip?: string },
  ): Promise<{ token: string; grant: RefreshGrant; username: string | null } | undefined> {
    const successor = randomToken(32);
    const row = await this.rotations.submit({
      digest: sha256(token),
      clientId,
      successorDigest: sha256(successor),
      requested: scope.requested?.join(' ') ?? null,
      clientScopes: scope.clientScopes.join(' '),
      jti: audit.jti,
      ip: audit.ip ?? null,
    });
    if (!row) return undefined;
    return {
      token: successor,
      grant: {
        familyId: row.family_id,
        clientId,
        userId: row.user_id,
        scopes: row.scope ? row.scope.split(' ') : [],
      },
      username: row.username,
    };
  }

  /** Revokes the family of `token` if it belongs to `clientId`; false when it does not. */
  async revoke(
    token: string,
    clientId: string,
    reason: string,
  ): Promise<{ familyId: string } | undefined> {
    const [row] = await this.dataSource.query<{ id: string }[]>(
      // (In a CTE, so the driver answers rows: a bare UPDATE answers [rows, count].)
      `WITH revoked AS (
         UPDATE refresh_token_families f SET revoked_at = coalesce(f.revoked_at, now()),
                revoked_reason = coalesce(f.revoked_reason, $3)
           FROM refresh_tokens t
          WHERE t.digest = $1 AND f.id = t.family_id AND f.client_id = $2
          RETURNING f.id)
       SELECT id FROM revoked`,
      [sha256(token), clientId, reason],
    );
    if (!row) return undefined;
    // RFC 7009 §2.1: the access tokens of the same grant go with it.
    await this.accessTokens.revokeIssuedTo({ clientId, familyId: row.id });
    return { familyId: row.id };
  }

  /** Revokes one family and the access tokens it issued (a replayed authorization code's, for instance). */
  async revokeFamily(familyId: string, reason: string): Promise<void> {
    const [revoked] = await this.dataSource.query<{ client_id: string }[]>(
      `WITH revoked AS (
         UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = $2
          WHERE id = $1 AND revoked_at IS NULL RETURNING client_id)
       SELECT client_id FROM revoked`,
      [familyId, reason],
    );
    if (revoked) await this.accessTokens.revokeIssuedTo({ clientId: revoked.client_id, familyId });
  }

  /** Revokes every family a user granted a client, and their access tokens (consent withdrawn). */
  async revokeGrantsOf(userId: string, clientId: string, reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE refresh_token_families SET revoked_at = now(), revoked_reason = $3
        WHERE user_id = $1 AND client_id = $2 AND revoked_at IS NULL`,
      [userId, clientId, reason],
    );
    await this.accessTokens.revokeIssuedTo({ clientId, userId });
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
      scopes: row.scope ? row.scope.split(' ') : [],
      issuedAt: row.created_at,
      expiresAt: row.expires_at,
      active: row.active,
    };
  }

  private async insertToken(runner: QueryRunner, familyId: string): Promise<string> {
    const token = randomToken(32);
    await runner.query(
      `INSERT INTO refresh_tokens (digest, family_id, expires_at)
       SELECT $1, f.id, least(now() + make_interval(secs => $3), f.expires_at)
         FROM refresh_token_families f WHERE f.id = $2`,
      [sha256(token), familyId, this.config.refreshTokenTtl],
    );
    return token;
  }

  /** A consumed token presented again by its own client: revoke the whole family, access tokens too. */
  private async detectReuse(digest: Buffer, clientId: string, ip?: string): Promise<void> {
    const [revoked] = await this.dataSource.query<{ id: string; user_id: string | null }[]>(
      `WITH revoked AS (
         UPDATE refresh_token_families f SET revoked_at = now(), revoked_reason = 'reuse'
           FROM refresh_tokens t
          WHERE t.digest = $1 AND t.consumed_at IS NOT NULL
            AND f.id = t.family_id AND f.client_id = $2 AND f.revoked_at IS NULL
          RETURNING f.id, f.user_id)
       SELECT id, user_id FROM revoked`,
      [digest, clientId],
    );
    if (revoked) {
      await this.accessTokens.revokeIssuedTo({ clientId, familyId: revoked.id });
      await this.audit.record({
        type: 'refresh.reuse_detected',
        clientId,
        userId: revoked.user_id,
        ip,
        details: { family_id: revoked.id, family_revoked: true },
      });
    }
  }
}
