import type { TestDb } from '../../support/test-app.js';

/**
 * Tables a refused request may write to by design, each with why. Every other table of the
 * public schema must be byte-for-byte the same after a refused request.
 */
const REFUSAL_RECORDS: Record<string, string> = {
  // Failed sign-ins are counted per account and per address so that guessing gets locked
  // out (LoginThrottleService.recordFailure): a refused password is what writes here.
  login_throttles: 'failure counters of the password grant and the login page',
};

/**
 * Columns that reading a row touches by design, left out of that table's fingerprint.
 * SessionsService.current() moves `last_seen_at` (idle expiry) whenever a browser shows its
 * session cookie, whatever the request then turns out to be.
 */
const TOUCHED_COLUMNS: Record<string, string[]> = {
  sessions: ['last_seen_at'],
};

/**
 * audit_events is append-only; a refusal may append only these events (a wrong password is
 * audited, and so is the lock it leads to). Rows already there must never change.
 */
export const REFUSAL_AUDIT_TYPES = ['login.failed', 'login.locked'];

export interface Fingerprint {
  /** md5 of each table's rows, in a stable order. */
  tables: Record<string, string>;
  /** The last audit event id, and the md5 of the events up to it. */
  auditUpTo: string;
  audit: string;
}

export interface FingerprintDiff {
  changedTables: string[];
  /** Audit events a refusal appended that are not among REFUSAL_AUDIT_TYPES. */
  unexpectedAudit: string[];
  auditRewritten: boolean;
}

/**
 * Checksums of every table in one statement, to compare the database before and after a
 * request (`SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM <table> t`).
 */
export class DbFingerprint {
  private statement?: string;

  constructor(private readonly db: TestDb) {}

  /** The tables the checksum covers, read from the schema once (migrations have run). */
  async tables(): Promise<string[]> {
    const rows = await this.db.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables
        WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
    );
    return rows
      .map((row) => row.table_name)
      .filter((name) => !(name in REFUSAL_RECORDS) && name !== 'audit_events');
  }

  private async sql(): Promise<string> {
    if (this.statement) return this.statement;
    const parts = (await this.tables()).map((table) => {
      const row = (TOUCHED_COLUMNS[table] ?? []).reduce(
        (expression, column) => `${expression} - '${column}'`,
        'to_jsonb(t)',
      );
      return `SELECT '${table}' AS name,
                coalesce(md5(string_agg((${row})::text, ',' ORDER BY (${row})::text)), '') AS sum
           FROM "${table}" t`;
    });
    this.statement = parts.join('\nUNION ALL\n');
    return this.statement;
  }

  async take(): Promise<Fingerprint> {
    const rows = await this.db.query<{ name: string; sum: string }>(await this.sql());
    const [audit] = await this.db.query<{ up_to: string; sum: string }>(
      `SELECT coalesce(max(id), 0)::text AS up_to,
              coalesce(md5(string_agg(t::text, ',' ORDER BY t.id)), '') AS sum
         FROM audit_events t`,
    );
    return {
      tables: Object.fromEntries(rows.map((row) => [row.name, row.sum])),
      auditUpTo: audit.up_to,
      audit: audit.sum,
    };
  }

  async compare(before: Fingerprint): Promise<FingerprintDiff> {
    const after = await this.take();
    const changedTables = Object.keys(before.tables).filter(
      (name) => before.tables[name] !== after.tables[name],
    );
    const [kept] = await this.db.query<{ sum: string }>(
      `SELECT coalesce(md5(string_agg(t::text, ',' ORDER BY t.id)), '') AS sum
         FROM audit_events t WHERE t.id <= $1`,
      [before.auditUpTo],
    );
    const appended = await this.db.query<{ type: string }>(
      'SELECT type FROM audit_events WHERE id > $1 AND NOT (type = ANY($2)) ORDER BY id',
      [before.auditUpTo, REFUSAL_AUDIT_TYPES],
    );
    return {
      changedTables,
      unexpectedAudit: appended.map((row) => row.type),
      auditRewritten: kept.sum !== before.audit,
    };
  }
}
