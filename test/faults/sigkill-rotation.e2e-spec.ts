import { randomBytes } from 'node:crypto';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { pollUntil } from '../support/poll.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { refreshTokenKey } from '../support/refresh-token-key.js';

/*
 * The server is killed (SIGKILL: no shutdown of any kind) while refresh tokens are being
 * rotated as fast as clients can, and started again on the same database. Each rotation is
 * one statement, so the database holds either the rotation or nothing of it. The kill can
 * still fall between the commit and the answer: the client then holds only a consumed token,
 * and presenting it again is, to the server, a replay — RFC 9700 §4.14.2 has it revoke the
 * family. So every family must come out with exactly one usable token among those its client
 * saw, or revoked by reuse detection for such a lost answer; never none by accident, never two.
 */

const FAMILIES = 24;
const LOAD_MS = 1000;
const MIN_ROTATIONS = 3; // per family before the kill
const PASSWORD = 'correct horse battery staple';
const ADMIN_SECRET = randomBytes(32).toString('base64url');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Family {
  /** Every refresh token this client was given, oldest first. */
  seen: string[];
  /** Answers other than a rotation: the kill cuts the one in flight. */
  failures: string[];
}

describe('SIGKILL in the middle of refresh-token rotation under load', () => {
  let first: TestApp;
  let second: TestApp;
  let app: Registered;
  let families: Family[];
  let rotations: number;

  beforeAll(async () => {
    first = await startTestApp({ env: { ADMIN_CLIENT_SECRET: ADMIN_SECRET } });
    const admin = await adminAuth(first);
    app = await registerClient(first, admin, {
      grant_types: ['password', 'refresh_token'],
      scope: 'read',
    });
    await createUser(first, admin, { username: 'rotor', password: PASSWORD });
    families = [];
    for (let i = 0; i < FAMILIES; i++) {
      const res = await token(
        first,
        { grant_type: 'password', username: 'rotor', password: PASSWORD },
        basic(app),
      );
      if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
      families.push({ seen: [res.body.refresh_token!], failures: [] });
    }

    let killed = false;
    const worker = async (family: Family) => {
      while (!killed) {
        try {
          const res = await token(
            first,
            { grant_type: 'refresh_token', refresh_token: family.seen.at(-1)! },
            basic(app),
          );
          if (res.status === 200) family.seen.push(res.body.refresh_token!);
          else family.failures.push(`${res.status} ${res.text}`);
        } catch (error) {
          family.failures.push(String((error as Error).cause ?? error));
        }
        if (family.failures.length > 0) return;
      }
    };
    const load = Promise.all(families.map(worker));
    // Killed once every family has been rotated a few times (however slow the machine is).
    await sleep(LOAD_MS);
    await pollUntil(
      () => Promise.resolve(families),
      (all) => all.every((f) => f.seen.length > MIN_ROTATIONS || f.failures.length > 0),
      { timeoutMs: 20_000, intervalMs: 20 },
    );
    killed = true;
    await first.server.stop('SIGKILL');
    await load;
    rotations = families.reduce((sum, f) => sum + f.seen.length - 1, 0);
    await first.close({ keepData: true });

    second = await startTestApp({
      database: first.database,
      dataDir: first.dataDir,
      port: first.port,
      env: { ADMIN_CLIENT_SECRET: ADMIN_SECRET },
    });
  }, 60_000);

  afterAll(() => second?.close());

  it('was rotating under load when killed', () => {
    expect(rotations).toBeGreaterThanOrEqual(FAMILIES * MIN_ROTATIONS);
    // Nothing but the cut connections of the kill failed.
    for (const family of families) {
      expect(
        family.failures.filter(
          (f) => !/ECONNRESET|other side closed|ECONNREFUSED|SocketError|fetch failed/.test(f),
        ),
      ).toEqual([]);
    }
  });

  it('holds exactly one unconsumed token in every family, none revoked', async () => {
    const rows = await second.db.query<{ live: number; revoked: boolean; tokens: number }>(
      `SELECT count(*) FILTER (WHERE t.consumed_at IS NULL)::int AS live,
              f.revoked_at IS NOT NULL AS revoked, count(*)::int AS tokens
         FROM refresh_token_families f JOIN refresh_tokens t ON t.family_id = f.id
        WHERE f.client_id = $1 GROUP BY f.id`,
      [app.client_id],
    );
    expect(rows).toHaveLength(FAMILIES);
    expect(rows.filter((r) => r.live !== 1 || r.revoked)).toEqual([]);
    // Every rotation a client saw is in the database, plus at most one it never saw per family.
    const stored = rows.reduce((sum, r) => sum + r.tokens, 0);
    expect(stored - (rotations + FAMILIES)).toBeGreaterThanOrEqual(0);
    expect(stored - (rotations + FAMILIES)).toBeLessThanOrEqual(FAMILIES);
  });

  it('after the restart: per family exactly one token the client saw works, or the family is revoked for a lost answer', async () => {
    const check = async (family: Family) => {
      const [{ family_id: familyId }] = await second.db.query<{ family_id: string }>(
        'SELECT family_id FROM refresh_tokens WHERE digest = $1',
        [refreshTokenKey(family.seen[0])],
      );
      const live = await second.db.query<{ digest: Buffer }>(
        'SELECT digest FROM refresh_tokens WHERE family_id = $1 AND consumed_at IS NULL',
        [familyId],
      );
      const lost =
        live[0].digest.toString('hex') !== refreshTokenKey(family.seen.at(-1)!).toString('hex');

      // Newest first: a consumed token presented revokes the family, so it must come last.
      const answers: number[] = [];
      for (const seen of [...family.seen].reverse()) {
        const res = await token(
          second,
          { grant_type: 'refresh_token', refresh_token: seen },
          basic(app),
        );
        if (res.status !== 200) expect(res.body.error).toBe('invalid_grant');
        answers.push(res.status);
      }
      const usable = answers.filter((status) => status === 200).length;
      const [{ revoked_reason }] = await second.db.query<{ revoked_reason: string | null }>(
        'SELECT revoked_reason FROM refresh_token_families WHERE id = $1',
        [familyId],
      );
      if (lost) {
        // The kill fell between the commit and the answer: the successor exists, unseen, and
        // the client's replay of the token it still held revoked the family.
        expect({ usable, revoked_reason }).toEqual({ usable: 0, revoked_reason: 'reuse' });
      } else {
        // The newest token the client saw worked, and only it; the replays of the older
        // ones (when there were any) then revoked the family, as they must.
        expect(answers[0]).toBe(200);
        expect(usable).toBe(1);
        expect(revoked_reason).toBe(family.seen.length > 1 ? 'reuse' : null);
      }
    };
    await Promise.all(families.map(check));
  });
});
