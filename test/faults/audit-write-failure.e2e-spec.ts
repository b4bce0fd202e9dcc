import type { Credentials } from '../support/http-client.js';
import { adminAuth } from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/*
 * An audit row is written after the change it records has committed. When writing it fails
 * (here a trigger refuses it; in the field, a pooler or a full disk), the change still
 * happened, so the answer says so; the operator hears of the lost row in the log.
 */
describe('an audit row that cannot be written', () => {
  let t: TestApp;
  let admin: Credentials;

  beforeAll(async () => {
    t = await startTestApp({ env: { LOG_LEVEL: 'error' } });
    admin = await adminAuth(t);
    await t.db.query(`
      CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.type IN ('user.created', 'key.rotated') THEN
          RAISE EXCEPTION 'audit refused for the test';
        END IF;
        RETURN NEW;
      END $$`);
    await t.db.query(
      'CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION refuse_audit()',
    );
  });
  afterAll(() => t.close());

  const auditRows = async (type: string) =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM audit_events WHERE type = $1',
        [type],
      )
    )[0].n;

  it('does not turn a created user into a 500: 201, the user exists, the loss is logged', async () => {
    const created = await t.http.json<{ id: string }>(
      'POST',
      '/admin/users',
      { username: 'dora', password: 'correct horse battery' },
      admin,
    );
    expect(created.status).toBe(201);
    expect((await t.http.get(`/admin/users/${created.body.id}`, admin)).status).toBe(200);
    expect(await auditRows('user.created')).toBe(0);
    expect(t.server.stdout()).toContain('audit row not written: user.created');
    expect(t.server.stdout()).not.toContain('correct horse battery');
  });

  it('does not turn a key rotation into a 500: 201, and the new key signs', async () => {
    const rotated = await t.http.request<{ kid: string }>('POST', '/admin/keys/rotate', {
      auth: admin,
    });
    expect(rotated.status).toBe(201);
    const active = await t.db.query<{ kid: string }>(
      "SELECT kid FROM signing_keys WHERE status = 'active' AND alg = 'ES256'",
    );
    expect(active).toEqual([{ kid: rotated.body.kid }]);
    expect(await auditRows('key.rotated')).toBe(0);
    expect(t.server.stdout()).toContain('audit row not written: key.rotated');
  });

  it('counts each lost row in /metrics, by event type, for an alert', async () => {
    const metrics = await t.http.get<string>('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^portcullis_audit_rows_lost_total\{type="user\.created"\} 1$/m);
    expect(metrics.text).toMatch(/^portcullis_audit_rows_lost_total\{type="key\.rotated"\} 1$/m);
  });

  it('still records the changes whose rows it can write', async () => {
    const created = await t.http.json<{ id: string }>(
      'POST',
      '/admin/users',
      { username: 'eve', password: 'correct horse battery' },
      admin,
    );
    expect(created.status).toBe(201);
    const disabled = await t.http.json(
      'POST',
      `/admin/users/${created.body.id}/disable`,
      {},
      admin,
    );
    expect(disabled.status).toBe(200);
    expect(await auditRows('user.disabled')).toBe(1);
  });
});
