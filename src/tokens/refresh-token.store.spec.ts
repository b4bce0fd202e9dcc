import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../../test/support/test-database.js';
import { randomToken } from '../common/secrets.js';
import type { AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from '../database/data-source.options.js';
import { refreshTokenKey } from './refresh-token-key.js';
import { RefreshTokenStore, type ConsumeRequest } from './refresh-token.store.js';

// The store's rules, each outcome on its own, on a real PostgreSQL with the real schema.
describe('RefreshTokenStore', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let store: RefreshTokenStore;
  let userId: string;

  const ISSUER = 'https://issuer.test';
  const config = {
    refreshTokenTtl: 3600,
    refreshTokenAbsoluteTtl: 86_400,
    issuer: ISSUER,
  } as AppConfig;
  const access = () => ({ jti: randomToken(16), expiresAt: Math.floor(Date.now() / 1000) + 900 });
  const start = (scopes = ['read', 'write'], clientId = 'app', user: string | null = userId) =>
    store.start(
      { clientId, userId: user, scopes, resources: [ISSUER], audience: ISSUER, dpopBound: false },
      { ...access(), details: { grant_type: 'password', scope: scopes.join(' ') } },
    );
  const consume = (token: string, more: Partial<ConsumeRequest> = {}) =>
    store.consume({
      token,
      clientId: 'app',
      requested: undefined,
      resource: undefined,
      clientItems: ['read', 'write'],
      lifetimes: { [ISSUER]: 900 },
      access: { jti: randomToken(16), issuedAt: Math.floor(Date.now() / 1000) },
      dpopJkt: undefined,
      dpopOnly: new Set(),
      ...more,
    });
  const rows = <T>(sql: string, params?: unknown[]) => dataSource.query<T[]>(sql, params);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataSource = new DataSource(dataSourceOptions(database.url));
    await dataSource.initialize();
    await dataSource.runMigrations();
    await rows(`INSERT INTO clients (client_id, client_name, token_endpoint_auth_method, scope)
                VALUES ('app', 'App', 'none', 'read write'), ('other', 'Other', 'none', 'read write')`);
    [{ id: userId }] = await rows<{ id: string }>(
      `INSERT INTO users (username, password_hash) VALUES ('una', 'x') RETURNING id`,
    );
    store = new RefreshTokenStore(dataSource, config);
  });

  afterAll(async () => {
    await store?.beforeApplicationShutdown();
    await dataSource?.destroy();
    await database?.drop();
  });

  it('starts a family: the token, and the access token answered with it indexed', async () => {
    const { token, familyId } = await start();
    expect(token).toMatch(/^[A-Za-z0-9_-]{51}$/);
    const [indexed] = await rows<{ family_id: string; user_id: string }>(
      'SELECT family_id, user_id FROM issued_access_tokens WHERE family_id = $1',
      [familyId],
    );
    expect(indexed).toEqual({ family_id: familyId, user_id: userId });
  });

  it('grants: consumes the token, answers a successor of the same family and the scope', async () => {
    const { token, familyId } = await start();
    const granted = await consume(token);
    expect(granted).toMatchObject({
      outcome: 'granted',
      grant: { familyId, clientId: 'app', userId, scopes: ['read', 'write'] },
      scopes: ['read', 'write'],
      username: 'una',
    });
    if (granted.outcome !== 'granted') throw new Error('not granted');
    expect(await consume(granted.successor, { requested: ['read'] })).toMatchObject({
      outcome: 'granted',
      scopes: ['read'],
      grant: { scopes: ['read', 'write'] },
    });
  });

  it('keys tokens by their creation time first, and families by UUID version 7', async () => {
    const first = await start();
    const second = await start();
    const keys = await rows<{ family_id: string; key: Buffer }>(
      `SELECT family_id, digest AS key FROM refresh_tokens WHERE family_id IN ($1, $2)`,
      [first.familyId, second.familyId],
    );
    const keyOf = (familyId: string) => keys.find((row) => row.family_id === familyId)!.key;
    const timeOf = (familyId: string) => keyOf(familyId).readUIntBE(0, 6);
    expect(timeOf(first.familyId)).toBeLessThanOrEqual(timeOf(second.familyId));
    expect(Math.abs(timeOf(second.familyId) - Date.now())).toBeLessThan(60_000);
    expect(keyOf(first.familyId).length).toBe(38);
    expect(first.familyId[14]).toBe('7'); // UUID version 7
  });

  it('still rotates a token of the earlier form, stored under its plain SHA-256', async () => {
    const { familyId } = await start();
    const legacy = randomToken(32); // 43 characters, as tokens were issued before
    await rows(
      `INSERT INTO refresh_tokens (digest, family_id, expires_at)
       VALUES (sha256(convert_to($1, 'UTF8')), $2, now() + interval '1 hour')`,
      [legacy, familyId],
    );
    const granted = await consume(legacy);
    expect(granted).toMatchObject({ outcome: 'granted', grant: { familyId } });
    expect(await consume(legacy)).toMatchObject({ outcome: 'reused' });
  });

  it('grants only what the grant and the client still share', async () => {
    const { token } = await start(['read', 'write', 'admin']);
    expect(await consume(token, { clientItems: ['write', 'read'] })).toMatchObject({
      outcome: 'granted',
      scopes: ['read', 'write'],
    });
  });

  it('refuses scope outside the grant or the client, and consumes nothing', async () => {
    const { token } = await start(['read']);
    expect(await consume(token, { requested: ['read', 'write', 'x'] })).toEqual({
      outcome: 'scope_not_granted',
      outside: ['write', 'x'],
    });
    expect(await consume(token)).toMatchObject({ outcome: 'granted' });
  });

  it('calls a consumed token presented again reuse, and changes nothing itself', async () => {
    const { token, familyId } = await start();
    await consume(token);
    expect(await consume(token)).toEqual({ outcome: 'reused', familyId });
    const [family] = await rows<{ revoked_at: Date | null }>(
      'SELECT revoked_at FROM refresh_token_families WHERE id = $1',
      [familyId],
    );
    expect(family.revoked_at).toBeNull();
  });

  it('lets exactly one of many concurrent presentations of one token win', async () => {
    const { token } = await start();
    const outcomes = await Promise.all(Array.from({ length: 8 }, () => consume(token)));
    expect(outcomes.filter((o) => o.outcome === 'granted')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'reused')).toHaveLength(7);
  });

  it('answers invalid for an unknown token, another client, a revoked or expired family', async () => {
    expect(await consume(randomToken())).toEqual({ outcome: 'invalid' });
    const mine = await start();
    expect(await consume(mine.token, { clientId: 'other' })).toEqual({ outcome: 'invalid' });
    const revoked = await start();
    expect(await store.revoke({ familyId: revoked.familyId }, 'revoked')).toEqual([
      { familyId: revoked.familyId, userId, revokedNow: true },
    ]);
    expect(await consume(revoked.token)).toEqual({ outcome: 'invalid' });
    const expired = await start();
    await rows(`UPDATE refresh_token_families SET expires_at = now() WHERE id = $1`, [
      expired.familyId,
    ]);
    expect(await consume(expired.token)).toEqual({ outcome: 'invalid' });
  });

  it('refuses a grant whose user is disabled, without consuming the token', async () => {
    const { token } = await start();
    await rows('UPDATE users SET disabled = true WHERE id = $1', [userId]);
    try {
      expect(await consume(token)).toEqual({ outcome: 'user_disabled' });
    } finally {
      await rows('UPDATE users SET disabled = false WHERE id = $1', [userId]);
    }
    expect(await consume(token)).toMatchObject({ outcome: 'granted' });
  });

  it('revokes families by token (its client only), by client and user, by user', async () => {
    const a = await start();
    expect(await store.revoke({ token: a.token, clientId: 'other' }, 'revoked')).toEqual([]);
    expect(await store.revoke({ token: a.token, clientId: 'app' }, 'revoked')).toEqual([
      { familyId: a.familyId, userId, revokedNow: true },
    ]);
    // Revoked already: reached, not revoked again, the first reason kept.
    expect(await store.revoke({ familyId: a.familyId }, 'reuse')).toEqual([
      { familyId: a.familyId, userId, revokedNow: false },
    ]);
    const [{ revoked_reason }] = await rows<{ revoked_reason: string }>(
      'SELECT revoked_reason FROM refresh_token_families WHERE id = $1',
      [a.familyId],
    );
    expect(revoked_reason).toBe('revoked');
    const b = await start();
    const forClient = await start(['read'], 'other');
    const revoked = await store.revoke({ clientId: 'app', userId }, 'consent_revoked');
    expect(revoked.filter((f) => f.revokedNow).map((f) => f.familyId)).toContain(b.familyId);
    expect(revoked.map((f) => f.familyId)).not.toContain(forClient.familyId);
    const ofUser = await store.revoke({ userId }, 'user_disabled');
    expect(ofUser.filter((f) => f.revokedNow).map((f) => f.familyId)).toEqual([forClient.familyId]);
  });

  it('issues for any audience of the grant, one at a time, each with its own lifetime', async () => {
    const API = 'https://billing.example.com';
    const { token } = await store.start(
      {
        clientId: 'app',
        userId,
        scopes: ['openid', `${API}#read`],
        resources: [API, ISSUER],
        audience: API,
        dpopBound: false,
      },
      { ...access(), details: {} },
    );
    const lifetimes = { [ISSUER]: 900, [API]: 120 };
    const clientItems = ['openid', `${API}#read`];
    const issuedAt = Math.floor(Date.now() / 1000);
    const at = () => ({ jti: randomToken(16), issuedAt });
    // An audience the grant does not cover, or one the client may no longer have: nothing consumed.
    expect(
      await consume(token, { resource: 'https://other.example.com', lifetimes, clientItems }),
    ).toEqual({ outcome: 'target_not_granted', target: 'https://other.example.com' });
    expect(
      await consume(token, { resource: API, lifetimes: { [ISSUER]: 900 }, clientItems }),
    ).toEqual({ outcome: 'target_not_granted', target: API });
    // No resource: the grant's own audience; scope names asked for mean that API's.
    const first = await consume(token, {
      lifetimes,
      clientItems,
      requested: ['read'],
      access: at(),
    });
    expect(first).toMatchObject({
      outcome: 'granted',
      audience: API,
      resources: [API, ISSUER],
      scopes: [`${API}#read`],
      expiresAt: issuedAt + 120,
    });
    if (first.outcome !== 'granted') throw new Error('not granted');
    expect(
      await consume(first.successor, { resource: ISSUER, lifetimes, clientItems, access: at() }),
    ).toMatchObject({ outcome: 'granted', audience: ISSUER, expiresAt: issuedAt + 900 });
  });

  describe('DPoP (RFC 9449 §5)', () => {
    const KEY = 'A'.repeat(43);
    const OTHER = 'B'.repeat(43);
    const startBound = (binding: { dpopJkt?: string; dpopBound: boolean }) =>
      store.start(
        {
          clientId: 'app',
          userId,
          scopes: ['read'],
          resources: [ISSUER],
          audience: ISSUER,
          ...binding,
        },
        { ...access(), details: {} },
      );
    const consumedAt = async (token: string) =>
      (
        await rows<{ consumed_at: Date | null }>(
          `SELECT t.consumed_at FROM refresh_tokens t WHERE t.digest = $1`,
          [refreshTokenKey(token)],
        )
      )[0].consumed_at;

    it('a family bound to a key refreshes only with a proof by that key, consuming nothing otherwise', async () => {
      const { token } = await startBound({ dpopJkt: KEY, dpopBound: true });
      expect(await consume(token)).toEqual({ outcome: 'dpop_key_mismatch' });
      expect(await consume(token, { dpopJkt: OTHER })).toEqual({ outcome: 'dpop_key_mismatch' });
      expect(await consumedAt(token)).toBeNull();
      const granted = await consume(token, { dpopJkt: KEY });
      expect(granted).toMatchObject({ outcome: 'granted' });
      if (granted.outcome !== 'granted') throw new Error('not granted');
      // The successor is bound as well: the binding is the family's.
      expect(await consume(granted.successor, { dpopJkt: OTHER })).toEqual({
        outcome: 'dpop_key_mismatch',
      });
    });

    it('a keyless presentation of a consumed bound token is refused without revoking the family', async () => {
      const { token, familyId } = await startBound({ dpopJkt: KEY, dpopBound: true });
      await consume(token, { dpopJkt: KEY });
      expect(await consume(token, { dpopJkt: OTHER })).toEqual({ outcome: 'dpop_key_mismatch' });
      const [family] = await rows<{ revoked_at: Date | null }>(
        'SELECT revoked_at FROM refresh_token_families WHERE id = $1',
        [familyId],
      );
      expect(family.revoked_at).toBeNull();
    });

    it('a family whose access tokens were bound needs a proof again, by any key', async () => {
      const { token } = await startBound({ dpopBound: true });
      expect(await consume(token)).toEqual({ outcome: 'dpop_proof_required', target: ISSUER });
      expect(await consumedAt(token)).toBeNull();
      expect(await consume(token, { dpopJkt: OTHER })).toMatchObject({ outcome: 'granted' });
    });

    it('an audience that takes only DPoP-bound tokens needs a proof', async () => {
      const { token } = await start();
      expect(await consume(token, { dpopOnly: new Set([ISSUER]) })).toEqual({
        outcome: 'dpop_proof_required',
        target: ISSUER,
      });
      expect(await consumedAt(token)).toBeNull();
      expect(await consume(token, { dpopOnly: new Set([ISSUER]), dpopJkt: KEY })).toMatchObject({
        outcome: 'granted',
      });
    });

    it('records the proof key with the rotation', async () => {
      const { token } = await start();
      const jti = randomToken(16);
      await consume(token, {
        dpopJkt: KEY,
        access: { jti, issuedAt: Math.floor(Date.now() / 1000) },
      });
      const [event] = await rows<{ details: Record<string, unknown> }>(
        `SELECT details FROM audit_events WHERE type = 'refresh.rotated' AND details->>'jti' = $1`,
        [jti],
      );
      expect(event.details.dpop_jkt).toBe(KEY);
    });
  });

  it('inspects a token: active until consumed', async () => {
    const { token, familyId } = await start();
    expect(await store.inspect(token)).toMatchObject({ familyId, active: true, userId });
    await consume(token);
    expect(await store.inspect(token)).toMatchObject({ familyId, active: false });
    expect(await store.inspect(randomToken())).toBeUndefined();
  });
});
