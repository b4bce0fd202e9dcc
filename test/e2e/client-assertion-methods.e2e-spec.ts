import { createHash, generateKeyPairSync, randomUUID, webcrypto } from 'node:crypto';
import { decodeProtectedHeader, exportJWK, SignJWT, type JWTPayload } from 'jose';
import * as oauth from 'oauth4webapi';
import type { Credentials } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  CLIENT_ASSERTION_TYPE,
  registerClient,
  token,
  type Registered,
} from '../support/flows.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The test server speaks plain http on loopback; a real deployment would not need this.
const insecure = { [oauth.allowInsecureRequests]: true };
const now = () => Math.floor(Date.now() / 1000);

/** A key pair as a WebCrypto client library holds it, with its public JWK (no kid). */
async function cryptoKeyPair(algorithm: 'ES256' | 'PS256' | 'Ed25519') {
  const params = {
    ES256: { name: 'ECDSA', namedCurve: 'P-256' },
    PS256: {
      name: 'RSA-PSS',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-256',
    },
    Ed25519: { name: 'Ed25519' },
  }[algorithm];
  const pair = (await webcrypto.subtle.generateKey(params, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  return { pair, jwk: await exportJWK(pair.publicKey) };
}

describe('client authentication with assertions (RFC 7523 §2.2): private_key_jwt and client_secret_jwt', () => {
  let t: TestApp;
  let admin: Credentials;
  let as: oauth.AuthorizationServer;

  beforeAll(async () => {
    // A high per-client limit: the refusals below are counted, and must not lock the client.
    t = await startTestApp({ env: { CLIENT_AUTH_MAX_FAILURES: '1000' } });
    admin = await adminAuth(t);
    const issuer = new URL(t.baseUrl);
    as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }),
    );
  });
  afterAll(() => t.close());

  /** A client_credentials request through oauth4webapi; also hands back the form it sent. */
  async function libraryToken(client: oauth.Client, auth: oauth.ClientAuth) {
    let sent = new URLSearchParams();
    const response = await oauth.clientCredentialsGrantRequest(
      as,
      client,
      auth,
      new URLSearchParams({ scope: 'read' }),
      {
        ...insecure,
        [oauth.customFetch]: (url: string, init: RequestInit) => {
          sent = new URLSearchParams(init.body as URLSearchParams);
          return fetch(url, init);
        },
      },
    );
    return { response, sent };
  }

  const assertionHeader = (sent: URLSearchParams) =>
    decodeProtectedHeader(sent.get('client_assertion')!);

  const tokensOf = async (clientId: string) =>
    (
      await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM issued_access_tokens WHERE client_id = $1',
        [clientId],
      )
    )[0].n;
  const failuresOf = async (clientId: string) =>
    (
      await t.db.query<{ failures: number }>(
        `SELECT failures FROM login_throttles WHERE key LIKE 'client:%' AND key LIKE '% ' || $1`,
        [clientId],
      )
    )[0]?.failures ?? 0;

  /** A client_credentials request with this assertion, expected to be refused with 401. */
  async function refusedAssertion(clientId: string, assertion: string) {
    const before = { tokens: await tokensOf(clientId), failures: await failuresOf(clientId) };
    // With client_id, as client libraries send it: the failure is counted against it too.
    const res = await token(t, {
      grant_type: 'client_credentials',
      client_id: clientId,
      client_assertion_type: CLIENT_ASSERTION_TYPE,
      client_assertion: assertion,
    });
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
    expect(res.body.access_token).toBeUndefined();
    expect(await tokensOf(clientId)).toBe(before.tokens);
    // Counted in the client-authentication throttle.
    expect(await failuresOf(clientId)).toBe(before.failures + 1);
    return res.body;
  }

  const claims = (clientId: string, overrides: JWTPayload = {}): JWTPayload => ({
    iss: clientId,
    sub: clientId,
    aud: t.baseUrl,
    iat: now(),
    exp: now() + 60,
    jti: randomUUID(),
    ...overrides,
  });

  describe('private_key_jwt', () => {
    it('accepts oauth4webapi’s assertion without kid when the client has one key for its alg', async () => {
      const { pair, jwk } = await cryptoKeyPair('ES256');
      const registered = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'read',
        // One key for ES256 (a PEM made into a JWK has no kid), and an RSA one for other uses.
        jwks: {
          keys: [
            jwk,
            generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }),
          ],
        },
      });
      const client = { client_id: registered.client_id };
      const { response, sent } = await libraryToken(client, oauth.PrivateKeyJwt(pair.privateKey));
      expect(assertionHeader(sent)).toEqual({ alg: 'ES256' });
      const result = await oauth.processClientCredentialsResponse(as, client, response);
      expect(result.access_token).toBeTruthy();
    });

    it.each(['PS256', 'Ed25519'] as const)(
      'accepts %s assertions (oauth4webapi), and EdDSA as jose names it',
      async (algorithm) => {
        const { pair, jwk } = await cryptoKeyPair(algorithm);
        const registered = await registerClient(t, admin, {
          grant_types: ['client_credentials'],
          token_endpoint_auth_method: 'private_key_jwt',
          scope: 'read',
          jwks: { keys: [{ ...jwk, kid: `${algorithm}-1` }] },
        });
        const client = { client_id: registered.client_id };
        const auth = oauth.PrivateKeyJwt({ key: pair.privateKey, kid: `${algorithm}-1` });
        const { response, sent } = await libraryToken(client, auth);
        expect(assertionHeader(sent)).toEqual({ alg: algorithm, kid: `${algorithm}-1` });
        expect(
          (await oauth.processClientCredentialsResponse(as, client, response)).access_token,
        ).toBeTruthy();
        if (algorithm === 'Ed25519') {
          const assertion = await new SignJWT(claims(registered.client_id))
            .setProtectedHeader({ alg: 'EdDSA' })
            .sign(pair.privateKey);
          const res = await token(t, {
            grant_type: 'client_credentials',
            client_assertion_type: CLIENT_ASSERTION_TYPE,
            client_assertion: assertion,
          });
          expect(res.status).toBe(200);
        }
      },
    );

    it('refuses a kid-less assertion when several registered keys fit its alg, saying why', async () => {
      const first = await cryptoKeyPair('ES256');
      const second = await cryptoKeyPair('ES256');
      const registered = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'read',
        jwks: {
          keys: [
            { ...first.jwk, kid: 'one' },
            { ...second.jwk, kid: 'two' },
          ],
        },
      });
      const assertion = () =>
        new SignJWT(claims(registered.client_id))
          .setProtectedHeader({ alg: 'ES256' })
          .sign(first.pair.privateKey);
      const body = await refusedAssertion(registered.client_id, await assertion());
      expect(body.error_description).toBe(
        'the client has several registered keys for ES256: the assertion header must name one with kid',
      );
      // Control: the same key named by its kid is accepted.
      const named = await new SignJWT(claims(registered.client_id))
        .setProtectedHeader({ alg: 'ES256', kid: 'one' })
        .sign(first.pair.privateKey);
      const res = await token(t, {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: named,
      });
      expect(res.status).toBe(200);
    });

    it('refuses an HS256 assertion, whatever it is keyed with', async () => {
      const { jwk } = await cryptoKeyPair('ES256');
      const registered = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        scope: 'read',
        jwks: { keys: [jwk] },
      });
      for (const key of [JSON.stringify(jwk), jwk.x!]) {
        const assertion = await new SignJWT(claims(registered.client_id))
          .setProtectedHeader({ alg: 'HS256' })
          .sign(Buffer.from(key));
        await refusedAssertion(registered.client_id, assertion);
      }
    });
  });

  describe('client_secret_jwt', () => {
    let registered: Registered;
    const hmac = (secret: string | Buffer, alg = 'HS256', overrides: JWTPayload = {}) =>
      new SignJWT(claims(registered.client_id, overrides))
        .setProtectedHeader({ alg })
        .sign(typeof secret === 'string' ? Buffer.from(secret) : secret);
    const present = (assertion: string) =>
      token(t, {
        grant_type: 'client_credentials',
        client_assertion_type: CLIENT_ASSERTION_TYPE,
        client_assertion: assertion,
      });

    beforeAll(async () => {
      registered = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'client_secret_jwt',
        scope: 'read',
      });
    });

    it('issues the secret once and keeps it encrypted at rest, bound to the client', async () => {
      expect(registered.client_secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const shown = await t.http.get(`/admin/clients/${registered.client_id}`, admin);
      expect(shown.body.token_endpoint_auth_method).toBe('client_secret_jwt');
      expect(shown.text).not.toContain(registered.client_secret);
      expect(shown.text).not.toMatch(/secret_(digest|encrypted)/);
      const [row] = await t.db.query<{ secret_encrypted: Buffer; secret_digest: Buffer }>(
        'SELECT secret_encrypted, secret_digest FROM clients WHERE client_id = $1',
        [registered.client_id],
      );
      expect(row.secret_encrypted.includes(Buffer.from(registered.client_secret!))).toBe(false);
      expect(row.secret_digest).toEqual(
        createHash('sha256').update(registered.client_secret!).digest(),
      );
      // Other clients keep only the digest.
      const basicClient = await registerClient(t, admin, { grant_types: ['client_credentials'] });
      const [other] = await t.db.query<{ secret_encrypted: Buffer | null }>(
        'SELECT secret_encrypted FROM clients WHERE client_id = $1',
        [basicClient.client_id],
      );
      expect(other.secret_encrypted).toBeNull();
    });

    it('accepts oauth4webapi’s ClientSecretJwt (HS256), and HS384 and HS512', async () => {
      const client = { client_id: registered.client_id };
      const { response, sent } = await libraryToken(
        client,
        oauth.ClientSecretJwt(registered.client_secret!),
      );
      expect(assertionHeader(sent)).toEqual({ alg: 'HS256' });
      expect(
        (await oauth.processClientCredentialsResponse(as, client, response)).access_token,
      ).toBeTruthy();
      for (const alg of ['HS384', 'HS512']) {
        expect((await present(await hmac(registered.client_secret!, alg))).status).toBe(200);
      }
    });

    it('refuses a wrong secret, the secret’s digest, alg none, a replayed jti, and the secret sent another way', async () => {
      await refusedAssertion(registered.client_id, await hmac('not-the-secret-' + 'x'.repeat(30)));
      // The digest is what a leaked database would hold: it must not stand in for the secret.
      const digest = createHash('sha256').update(registered.client_secret!).digest();
      await refusedAssertion(registered.client_id, await hmac(digest));
      const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
      await refusedAssertion(
        registered.client_id,
        `${b64({ alg: 'none' })}.${b64(claims(registered.client_id))}.`,
      );
      const once = await hmac(registered.client_secret!);
      expect((await present(once)).status).toBe(200);
      await refusedAssertion(registered.client_id, once);
      // Registered for client_secret_jwt: the right secret by Basic or in the body is refused.
      for (const auth of [basic(registered), undefined]) {
        const res = await token(
          t,
          {
            grant_type: 'client_credentials',
            ...(auth
              ? {}
              : { client_id: registered.client_id, client_secret: registered.client_secret! }),
          },
          auth,
        );
        expect(res.status).toBe(401);
        expect(res.body.error).toBe('invalid_client');
      }
    });

    it('allows CLOCK_SKEW_SECONDS (30 s here) of leeway: 10 s ahead is accepted, 70 s ahead is not', async () => {
      const client = { client_id: registered.client_id, [oauth.clockSkew]: 10 };
      const ahead = await libraryToken(client, oauth.ClientSecretJwt(registered.client_secret!));
      expect(ahead.response.status).toBe(200);
      const sentIat = (await import('jose')).decodeJwt(ahead.sent.get('client_assertion')!).iat!;
      expect(sentIat).toBeGreaterThanOrEqual(now() + 5);

      const tooFar = { client_id: registered.client_id, [oauth.clockSkew]: 70 };
      const before = await failuresOf(registered.client_id);
      const refused = await libraryToken(tooFar, oauth.ClientSecretJwt(registered.client_secret!));
      expect(refused.response.status).toBe(401);
      expect(((await refused.response.json()) as { error: string }).error).toBe('invalid_client');
      expect(await failuresOf(registered.client_id)).toBe(before + 1);

      // exp is read with the same leeway: 10 s past is accepted, 70 s past is not.
      const past = (seconds: number) =>
        hmac(registered.client_secret!, 'HS256', {
          iat: now() - seconds - 60,
          exp: now() - seconds,
        });
      expect((await present(await past(10))).status).toBe(200);
      await refusedAssertion(registered.client_id, await past(70));
    });

    it('uses the new secret after a rotation, and refuses the old one', async () => {
      const rotated = await t.http.request<{ client_secret: string }>(
        'POST',
        `/admin/clients/${registered.client_id}/secret`,
        { auth: admin },
      );
      expect(rotated.status).toBe(200);
      const old = registered.client_secret!;
      expect(rotated.body.client_secret).not.toBe(old);
      await refusedAssertion(registered.client_id, await hmac(old));
      expect((await present(await hmac(rotated.body.client_secret))).status).toBe(200);
      registered = { ...registered, client_secret: rotated.body.client_secret };
    });

    it('gives a client switched to client_secret_jwt a new secret it can use, and drops it when switched back', async () => {
      const switching = await registerClient(t, admin, {
        grant_types: ['client_credentials'],
        scope: 'read',
      });
      const path = `/admin/clients/${switching.client_id}`;
      const switched = await t.http.json<{ client_secret?: string }>(
        'PATCH',
        path,
        { token_endpoint_auth_method: 'client_secret_jwt' },
        admin,
      );
      expect(switched.status).toBe(200);
      const secret = switched.body.client_secret!;
      expect(secret).toBeTruthy();
      expect(secret).not.toBe(switching.client_secret);
      const assertion = await new SignJWT(claims(switching.client_id))
        .setProtectedHeader({ alg: 'HS256' })
        .sign(Buffer.from(secret));
      expect((await present(assertion)).status).toBe(200);

      const back = await t.http.json<{ client_secret?: string }>(
        'PATCH',
        path,
        { token_endpoint_auth_method: 'client_secret_basic' },
        admin,
      );
      expect(back.status).toBe(200);
      expect(back.body.client_secret).toBeUndefined();
      const [row] = await t.db.query<{ secret_encrypted: Buffer | null }>(
        'SELECT secret_encrypted FROM clients WHERE client_id = $1',
        [switching.client_id],
      );
      expect(row.secret_encrypted).toBeNull();
      const again = await token(
        t,
        { grant_type: 'client_credentials' },
        basic({ client_id: switching.client_id, client_secret: secret }),
      );
      expect(again.status).toBe(200);
    });
  });
});
