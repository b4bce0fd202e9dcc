import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

const CACHE_MS = 10_000;

/** Whether some enabled client registered a browser origin (`allowed_cors_origins`). */
@Injectable()
export class CorsOrigins {
  private cache = new Map<string, { allowed: boolean; until: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async allows(origin: string): Promise<boolean> {
    if (origin.length > 300) return false;
    const cached = this.cache.get(origin);
    if (cached && cached.until > Date.now()) return cached.allowed;
    const rows = await this.dataSource.query<unknown[]>(
      'SELECT 1 FROM clients WHERE NOT disabled AND $1 = ANY(allowed_cors_origins) LIMIT 1',
      [origin],
    );
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(origin, { allowed: rows.length > 0, until: Date.now() + CACHE_MS });
    return rows.length > 0;
  }
}
