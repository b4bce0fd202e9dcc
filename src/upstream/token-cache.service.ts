import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import pLimit from 'p-limit';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { KeyEncryption } from '../keys/key-encryption.js';

export interface UpstreamTokenValue {
  token: string;
  expiresAt: Date;
  refreshToken?: string;
  refreshExpiresAt?: Date;
}

/**
 * A mint holds a pooled connection (its advisory lock) for as long as the upstream takes, up
 * to UPSTREAM_TIMEOUT_MS. At most this many do so at once, so that a slow upstream and many
 * subjects cannot take the whole pool (10) from token requests; further mints wait in line.
 */
export const MINTS_HOLDING_A_CONNECTION = 4;

interface Row {
  token_encrypted: Buffer;
  expires_at: Date;
  refresh_encrypted: Buffer | null;
  refresh_expires_at: Date | null;
}

/**
 * Upstream tokens, cached in PostgreSQL (encrypted) per connection and subject, renewed
 * UPSTREAM_REFRESH_MARGIN seconds before they expire. Single-flight: while one request mints,
 * every other request for the same key — in this instance or another — waits on a
 * transaction-scoped advisory lock and then reads what was minted. A failed mint caches
 * nothing.
 */
@Injectable()
export class TokenCache {
  /** In this process, concurrent requests share one promise and one database connection. */
  private readonly inflight = new Map<string, Promise<UpstreamTokenValue>>();
  private readonly mintSlots = pLimit(MINTS_HOLDING_A_CONNECTION);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KeyEncryption) private readonly encryption: KeyEncryption,
    private readonly config: AppConfig,
  ) {}

  async get(
    connection: string,
    subject: string,
    mint: (previous: UpstreamTokenValue | undefined) => Promise<UpstreamTokenValue>,
  ): Promise<UpstreamTokenValue> {
    const fresh = await this.read(this.dataSource, connection, subject, true);
    if (fresh) return fresh;
    const key = `${connection}\u0000${subject}`;
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.mintSlots(() => this.mintLocked(connection, subject, mint)).finally(() =>
        this.inflight.delete(key),
      );
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Stores a token obtained otherwise (a sign-in's first user token). */
  async put(connection: string, subject: string, value: UpstreamTokenValue): Promise<void> {
    await this.store(this.dataSource, connection, subject, value);
  }

  private mintLocked(
    connection: string,
    subject: string,
    mint: (previous: UpstreamTokenValue | undefined) => Promise<UpstreamTokenValue>,
  ): Promise<UpstreamTokenValue> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7041))', [
        `${connection}/${subject}`,
      ]);
      const fresh = await this.read(manager, connection, subject, true);
      if (fresh) return fresh; // another instance minted while we waited
      const previous = await this.read(manager, connection, subject, false);
      const value = await mint(previous);
      await this.store(manager, connection, subject, value);
      return value;
    });
  }

  private async store(
    runner: { query: DataSource['query'] },
    connection: string,
    subject: string,
    value: UpstreamTokenValue,
  ): Promise<void> {
    await runner.query(
      `INSERT INTO upstream_tokens (connection, subject, token_encrypted, expires_at, refresh_encrypted, refresh_expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (connection, subject) DO UPDATE SET token_encrypted = $3, expires_at = $4,
         refresh_encrypted = $5, refresh_expires_at = $6, updated_at = now()`,
      [
        connection,
        subject,
        this.seal(connection, subject, 'token', value.token),
        value.expiresAt,
        value.refreshToken ? this.seal(connection, subject, 'refresh', value.refreshToken) : null,
        value.refreshExpiresAt ?? null,
      ],
    );
  }

  private async read(
    runner: { query: DataSource['query'] },
    connection: string,
    subject: string,
    freshOnly: boolean,
  ): Promise<UpstreamTokenValue | undefined> {
    const rows: Row[] = await runner.query(
      `SELECT token_encrypted, expires_at, refresh_encrypted, refresh_expires_at FROM upstream_tokens
        WHERE connection = $1 AND subject = $2 ${freshOnly ? 'AND expires_at > now() + make_interval(secs => $3)' : ''}`,
      freshOnly ? [connection, subject, this.config.upstreamRefreshMargin] : [connection, subject],
    );
    const row = rows[0];
    if (!row) return undefined;
    return {
      token: this.open(connection, subject, 'token', row.token_encrypted),
      expiresAt: row.expires_at,
      refreshToken: row.refresh_encrypted
        ? this.open(connection, subject, 'refresh', row.refresh_encrypted)
        : undefined,
      refreshExpiresAt: row.refresh_expires_at ?? undefined,
    };
  }

  private seal(connection: string, subject: string, kind: string, value: string): Buffer {
    return this.encryption.encrypt(
      Buffer.from(value),
      `upstream-token:${connection}:${subject}:${kind}`,
    );
  }

  private open(connection: string, subject: string, kind: string, sealed: Buffer): string {
    return this.encryption
      .decrypt(sealed, `upstream-token:${connection}:${subject}:${kind}`)
      .toString('utf8');
  }
}
