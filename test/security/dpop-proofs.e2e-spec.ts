import { createHash } from 'node:crypto';
import { DpopKey, postWithProofs, unsignedProof } from '../support/dpop.js';
import type { Credentials, HttpResponse } from '../support/http-client.js';
import {
  adminAuth,
  basic,
  createUser,
  registerClient,
  type Registered,
  type TokenBody,
} from '../support/flows.js';
import { AuthorizationDriver } from './support/authorization-driver.js';
import { startSecurityApp, type SecurityApp } from './support/security-app.js';

// RFC 9449 §4.3, §5, §10, §11: a DPoP proof binds one request to one key. A proof replayed, made
// for another request, not signed (or not by its key), carrying a private key, or outside its
// time window is refused with invalid_dpop_proof, and nothing is issued. A refresh token or a
// code bound to a key is refused to anyone who cannot prove that key, and is left as it was for
// its owner.
describe('DPoP proofs at the token endpoint: replay, forgery and stolen bound credentials', () => {
  let t: SecurityApp;
  let drive: AuthorizationDriver;
  let admin: Credentials;
  let machine: Registered;
  let spa: Registered;
  let key: DpopKey;

  const endpoint = () => `${t.baseUrl}/oauth/token`;
  const post = (params: Record<string, string>, auth: Credentials, proof?: string) => {
    if (proof) t.ledger.remember(proof);
    return t.http.request<TokenBody>('POST', '/oauth/token', {
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(proof === undefined ? {} : { dpop: proof }),
      },
      body: new URLSearchParams(params).toString(),
      auth,
    });
  };
  const clientCredentials = (proof?: string) =>
    post({ grant_type: 'client_credentials' }, basic(machine), proof);
  const count = async (sql: string, params: unknown[] = []) =>
    Number((await t.db.query<{ n: string }>(sql, params))[0].n);
  const issued = () =>
    count('SELECT count(*) AS n FROM issued_access_tokens WHERE client_id = $1', [
      machine.client_id,
    ]);
  const usedProofs = () => count('SELECT count(*) AS n FROM used_dpop_proofs');
  const digest = (value: string) => createHash('sha256').update(value).digest();

  /** Refused with invalid_dpop_proof and this description; no token issued, no proof spent. */
  async function expectRefused(
    send: () => Promise<HttpResponse<TokenBody>>,
    description: string,
  ): Promise<void> {
    const [tokensBefore, proofsBefore] = [await issued(), await usedProofs()];
    const res = await send();
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ error: 'invalid_dpop_proof', error_description: description });
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await issued()).toBe(tokensBefore);
    expect(await usedProofs()).toBe(proofsBefore);
  }

  beforeAll(async () => {
    t = await startSecurityApp();
    drive = new AuthorizationDriver(t);
    admin = await adminAuth(t);
    machine = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'read',
    });
    spa = await registerClient(t, admin, {
      grant_types: ['authorization_code', 'refresh_token'],
      redirect_uris: ['https://app.example.com/callback'],
      token_endpoint_auth_method: 'none',
      scope: 'read',
    });
    await createUser(t, admin, { username: 'vera', password: 'correct horse battery staple' });
    key = await DpopKey.generate();
  });
  afterAll(async () => {
    await t.expectNoSecretInLogs();
    await t.close();
  });

  it('a proof is good once: replayed, it is refused and nothing more is issued', async () => {
    const proof = await key.proof(endpoint());
    const first = await clientCredentials(proof);
    expect(first.status).toBe(200);
    expect(first.body.token_type).toBe('DPoP');
    const [tokensBefore, proofsBefore] = [await issued(), await usedProofs()];
    const replayed = await clientCredentials(proof);
    expect(replayed.status).toBe(400);
    expect(replayed.body).toEqual({
      error: 'invalid_dpop_proof',
      error_description: 'the DPoP proof was used before (jti)',
    });
    expect(await issued()).toBe(tokensBefore);
    expect(await usedProofs()).toBe(proofsBefore);
  });

  it('refuses a proof made for another URL or another method', async () => {
    await expectRefused(
      async () => clientCredentials(await key.proof(`${t.baseUrl}/oauth/introspect`)),
      'the DPoP proof is for another URL (htu)',
    );
    await expectRefused(
      async () => clientCredentials(await key.proof('https://other.example.com/oauth/token')),
      'the DPoP proof is for another URL (htu)',
    );
    await expectRefused(
      async () => clientCredentials(await key.proof(endpoint(), { htm: 'GET' })),
      'the DPoP proof is for another HTTP method (htm)',
    );
  });

  it('refuses a proof without typ dpop+jwt', async () => {
    await expectRefused(
      async () => clientCredentials(await key.proof(endpoint(), {}, { typ: undefined })),
      'the DPoP proof typ must be dpop+jwt',
    );
    await expectRefused(
      async () => clientCredentials(await key.proof(endpoint(), {}, { typ: 'JWT' })),
      'the DPoP proof typ must be dpop+jwt',
    );
  });

  it('refuses an unsigned proof (alg none), with or without something in the signature part', async () => {
    await expectRefused(
      () => clientCredentials(unsignedProof(key.publicJwk, endpoint())),
      'the DPoP proof is not a single compact JWS',
    );
    await expectRefused(
      () => clientCredentials(unsignedProof(key.publicJwk, endpoint(), 'AAAA')),
      'the DPoP proof alg must be one of ES256 RS256 PS256 EdDSA',
    );
  });

  it('refuses a proof whose jwk holds a private key, or a symmetric one', async () => {
    const privateJwk = await key.privateJwk();
    await expectRefused(
      async () => clientCredentials(await key.proof(endpoint(), {}, { jwk: privateJwk })),
      'the DPoP proof jwk must be a public key',
    );
    await expectRefused(
      async () =>
        clientCredentials(
          await key.proof(endpoint(), {}, { jwk: { kty: 'oct', k: 'c2VjcmV0LXNlY3JldA' } }),
        ),
      'the DPoP proof jwk must be a public key',
    );
  });

  it('refuses a proof signed by another key than its jwk names', async () => {
    const other = await DpopKey.generate();
    await expectRefused(
      async () => clientCredentials(await other.proof(endpoint(), {}, { jwk: key.publicJwk })),
      'the DPoP proof signature does not verify with its jwk',
    );
  });

  it('refuses a stale proof, and one issued in the future', async () => {
    const now = Math.floor(Date.now() / 1000);
    await expectRefused(
      async () => clientCredentials(await key.proof(endpoint(), { iat: now - 600 })),
      'the DPoP proof is too old',
    );
    await expectRefused(
      async () => clientCredentials(await key.proof(endpoint(), { iat: now + 600 })),
      'the DPoP proof is issued in the future',
    );
  });

  it('refuses two DPoP headers, even when each is a good proof', async () => {
    const proofs = [await key.proof(endpoint()), await key.proof(endpoint())];
    for (const proof of proofs) t.ledger.remember(proof);
    await expectRefused(
      () =>
        postWithProofs(
          t.baseUrl,
          '/oauth/token',
          { grant_type: 'client_credentials' },
          basic(machine),
          proofs,
        ),
      'send one DPoP header, not several',
    );
  });

  it('refuses what is not a proof at all', async () => {
    await expectRefused(
      () => clientCredentials('not-a-jwt'),
      'the DPoP proof is not a single compact JWS',
    );
  });

  describe('a code bound with dpop_jkt (RFC 9449 §10)', () => {
    it('is refused to another key and to a request without a proof, and stays good for its key', async () => {
      const { code, verifier } = await drive.codeFor(spa, 'vera', { dpop_jkt: key.thumbprint });
      const redeem = (proof?: string) =>
        post(
          {
            grant_type: 'authorization_code',
            code,
            code_verifier: verifier,
            redirect_uri: 'https://app.example.com/callback',
            client_id: spa.client_id,
          },
          undefined,
          proof,
        );
      const unspent = async () =>
        (
          await t.db.query<{ consumed_at: Date | null }>(
            'SELECT consumed_at FROM authorization_codes WHERE digest = $1',
            [digest(code)],
          )
        )[0].consumed_at === null;

      const thief = await DpopKey.generate();
      const stolen = await redeem(await thief.proof(endpoint()));
      expect(stolen.status).toBe(400);
      expect(stolen.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the DPoP proof is not by the key this code is bound to (dpop_jkt)',
      });
      expect(await unspent()).toBe(true);

      const unproven = await redeem();
      expect(unproven.status).toBe(400);
      expect(unproven.body).toEqual({
        error: 'invalid_grant',
        error_description:
          'this code is bound to a DPoP key (dpop_jkt): redeem it with a DPoP proof by that key',
      });
      expect(await unspent()).toBe(true);

      const owner = await redeem(await key.proof(endpoint()));
      expect(owner.status).toBe(200);
      expect(owner.body.token_type).toBe('DPoP');
    });

    it('refuses a dpop_jkt that is not a thumbprint, back at the redirect URI', async () => {
      const agent = drive.browser();
      const { url } = drive.pkceAuthorizeUrl(spa, { dpop_jkt: 'not-a-thumbprint' });
      const res = await agent.get(url);
      expect(res.status).toBe(302);
      const redirect = new URL(res.location!);
      expect(redirect.searchParams.get('error')).toBe('invalid_request');
      expect(redirect.searchParams.get('error_description')).toBe(
        'dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 7638)',
      );
    });
  });

  describe('a public client’s bound refresh token (RFC 9449 §5)', () => {
    it('is refused to a thief with another key or none, consuming nothing and revoking nothing', async () => {
      const { code, verifier } = await drive.codeFor(spa, 'vera');
      const exchanged = await post(
        {
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: 'https://app.example.com/callback',
          client_id: spa.client_id,
        },
        undefined,
        await key.proof(endpoint()),
      );
      expect(exchanged.status).toBe(200);
      const refreshToken = exchanged.body.refresh_token!;
      const family = async () =>
        (
          await t.db.query<{ dpop_jkt: string; revoked_at: Date | null; consumed_at: Date | null }>(
            `SELECT f.dpop_jkt, f.revoked_at, t.consumed_at FROM refresh_tokens t
               JOIN refresh_token_families f ON f.id = t.family_id WHERE t.digest = $1`,
            [digest(refreshToken)],
          )
        )[0];
      expect(await family()).toEqual({
        dpop_jkt: key.thumbprint,
        revoked_at: null,
        consumed_at: null,
      });

      const refresh = (proof?: string) =>
        post(
          { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: spa.client_id },
          undefined,
          proof,
        );
      const thief = await DpopKey.generate();
      const withOtherKey = await refresh(await thief.proof(endpoint()));
      expect(withOtherKey.status).toBe(400);
      expect(withOtherKey.body).toEqual({
        error: 'invalid_grant',
        error_description: 'the DPoP proof is not by the key this refresh token is bound to',
      });
      const withoutProof = await refresh();
      expect(withoutProof.status).toBe(400);
      expect(withoutProof.body).toEqual({
        error: 'invalid_grant',
        error_description:
          'this refresh token is bound to a DPoP key: send a DPoP proof by that key',
      });
      expect(await family()).toEqual({
        dpop_jkt: key.thumbprint,
        revoked_at: null,
        consumed_at: null,
      });

      const owner = await refresh(await key.proof(endpoint()));
      expect(owner.status).toBe(200);
      expect(owner.body.token_type).toBe('DPoP');
    });
  });
});
