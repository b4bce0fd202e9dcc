import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { LOCKS } from './advisory-lock.js';

const INTERVAL_MS = 10 * 60 * 1000;

/**
 * Deletes rows whose only purpose has passed: seen assertion jtis and revoked access-token
 * ids after their tokens expired, expired refresh tokens and families, and login counters
 * idle for a day. One instance at a time does it (advisory try-lock); at boot and every
 * ten minutes.
 */
@Injectable()
export class ExpiredRowsSweeper implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Sweeper');
  private timer?: NodeJS.Timeout;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.sweep();
    this.timer = setInterval(() => void this.sweep(), INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<void> {
    try {
      await this.dataSource.transaction(async (manager) => {
        const [{ locked }] = await manager.query<{ locked: boolean }[]>(
          'SELECT pg_try_advisory_xact_lock($1) AS locked',
          [LOCKS.sweeper],
        );
        if (!locked) return;
        await manager.query('DELETE FROM used_assertions WHERE expires_at < now()');
        await manager.query('DELETE FROM revoked_access_tokens WHERE expires_at < now()');
        await manager.query('DELETE FROM refresh_tokens WHERE expires_at < now()');
        await manager.query('DELETE FROM refresh_token_families WHERE expires_at < now()');
        await manager.query('DELETE FROM sessions WHERE expires_at < now()');
        await manager.query('DELETE FROM authorization_requests WHERE expires_at < now()');
        await manager.query('DELETE FROM upstream_sign_ins WHERE expires_at < now()');
        // Used codes stay a day, so a late replay still revokes what they issued.
        await manager.query(
          `DELETE FROM authorization_codes WHERE expires_at < now() - interval '1 day'`,
        );
        await manager.query(
          `DELETE FROM login_throttles WHERE window_started_at < now() - interval '1 day'
             AND (locked_until IS NULL OR locked_until < now())`,
        );
      });
    } catch (error) {
      this.logger.warn(
        `sweeping expired rows failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
