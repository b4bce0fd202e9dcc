import type { DataSource } from 'typeorm';

/**
 * Counts one failure under `key` in the `login_throttles` table (the shared table of failed
 * sign-ins and client authentications, keyed `<kind>:<what>`): failures older than the lock
 * period start a new count, and the count reaching `limit` locks the key for `lockSeconds`.
 * One statement, so concurrent failures on any instance are all counted. Answers whether
 * this failure is the one that locked the key.
 */
export async function countFailure(
  dataSource: DataSource,
  key: string,
  limit: number,
  lockSeconds: number,
): Promise<boolean> {
  const [row] = await dataSource.query<{ locked: boolean }[]>(
    `INSERT INTO login_throttles AS t (key, failures, window_started_at, locked_until)
     VALUES ($1, 1, now(), CASE WHEN 1 >= $2 THEN now() + make_interval(secs => $3) END)
     ON CONFLICT (key) DO UPDATE SET
       failures = CASE WHEN t.window_started_at < now() - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END,
       window_started_at = CASE WHEN t.window_started_at < now() - make_interval(secs => $3) THEN now() ELSE t.window_started_at END,
       locked_until = CASE
         WHEN (CASE WHEN t.window_started_at < now() - make_interval(secs => $3) THEN 1 ELSE t.failures + 1 END) >= $2
           AND (t.locked_until IS NULL OR t.locked_until <= now())
         THEN now() + make_interval(secs => $3)
         ELSE t.locked_until END
     RETURNING locked_until > now() AND failures = $2 AS locked`,
    [key, limit, lockSeconds],
  );
  return row?.locked === true;
}
