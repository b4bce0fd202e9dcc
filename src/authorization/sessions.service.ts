import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { randomToken, sha256 } from '../common/secrets.js';
import { AppConfig } from '../config/app-config.js';
import { clearCookie, readSignedCookie, SESSION_COOKIE, setSignedCookie } from './cookies.js';

export interface SignedInUser {
  userId: string;
  username: string;
  /** When the user authenticated, for OIDC `auth_time`. */
  authTime: Date;
}

/**
 * Browser sessions: a signed cookie holding a random value, the SHA-256 of which keys a row in
 * `sessions` with an idle and an absolute expiry. A new value at every sign-in (no fixation).
 */
@Injectable()
export class SessionsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async start(userId: string, reply: FastifyReply): Promise<void> {
    const value = randomToken(32);
    await this.dataSource.query(
      `INSERT INTO sessions (digest, user_id, last_seen_at, expires_at)
       VALUES ($1, $2, now(), now() + make_interval(secs => $3))`,
      [sha256(value), userId, this.config.sessionAbsoluteTtl],
    );
    setSignedCookie(reply, SESSION_COOKIE, value, {
      secure: this.config.secureCookies,
      maxAge: this.config.sessionAbsoluteTtl,
    });
  }

  /** The signed-in, still enabled user of this browser, touching the session; or undefined. */
  async current(request: FastifyRequest): Promise<SignedInUser | undefined> {
    const value = readSignedCookie(request, SESSION_COOKIE, this.config.secureCookies);
    if (!value || value.length > 128) return undefined;
    const [row] = await this.dataSource.query<
      { user_id: string; username: string; created_at: Date }[]
    >(
      `WITH touched AS (
         UPDATE sessions SET last_seen_at = now()
          WHERE digest = $1 AND expires_at > now() AND last_seen_at > now() - make_interval(secs => $2)
          RETURNING user_id, created_at)
       SELECT t.user_id, t.created_at, u.username
         FROM touched t JOIN users u ON u.id = t.user_id AND NOT u.disabled`,
      [sha256(value), this.config.sessionIdleTtl],
    );
    return row
      ? { userId: row.user_id, username: row.username, authTime: row.created_at }
      : undefined;
  }

  /** Ends every browser session of the user. */
  async endAllOf(userId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM sessions WHERE user_id = $1', [userId]);
  }

  async end(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const value = readSignedCookie(request, SESSION_COOKIE, this.config.secureCookies);
    if (value)
      await this.dataSource.query('DELETE FROM sessions WHERE digest = $1', [sha256(value)]);
    clearCookie(reply, SESSION_COOKIE, this.config.secureCookies);
  }
}
