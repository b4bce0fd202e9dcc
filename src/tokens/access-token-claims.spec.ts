import { generateKeyPairSync } from 'node:crypto';
import { Test } from '@nestjs/testing';
import {
  AccessTokenVerifier,
  ResourceServerModule,
  VerifiedTokens,
  type ResourceServerOptions,
} from '@portcullis/nest-resource-server';
import { exportJWK, SignJWT, type JWTPayload } from 'jose';
import { OAuthError } from '../common/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import type { ApisService } from '../apis/apis.service.js';
import type { AccessTokenStore } from './access-token.store.js';
import { AccessTokenClaimsReader } from './access-token-claims.js';

const ISSUER = 'https://auth.example.com';
const now = () => Math.floor(Date.now() / 1000);
const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });

describe('AccessTokenClaimsReader', () => {
  let failKeys: boolean;
  /** Signature checks the reader asked the verifier for. */
  let verifications: number;
  let verifier: AccessTokenVerifier;
  let verified: VerifiedTokens;
  let reader: AccessTokenClaimsReader;

  const claims = (extra: JWTPayload = {}): JWTPayload => ({
    iss: ISSUER,
    aud: ISSUER,
    sub: 'user-1',
    client_id: 'app',
    scope: 'read',
    jti: 'jti-1',
    iat: now(),
    exp: now() + 60,
    ...extra,
  });
  const sign = (payload: JWTPayload = claims(), kid = 'k1', signer = key.privateKey) =>
    new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid, typ: 'at+jwt' }).sign(signer);
  const without = (name: string) => {
    const payload = claims();
    delete payload[name];
    return payload;
  };

  beforeEach(async () => {
    failKeys = false;
    const jwk = { ...(await exportJWK(key.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const options: ResourceServerOptions = {
      issuer: ISSUER,
      audience: ISSUER,
      jwks: () => {
        if (failKeys) throw new Error('connect ECONNREFUSED');
        return { keys: [jwk] };
      },
    };
    // The verifier as the package wires it; only its entry point's names are reachable.
    const module = await Test.createTestingModule({
      imports: [ResourceServerModule.forRoot(options)],
    }).compile();
    verifier = module.get(AccessTokenVerifier);
    verifications = 0;
    const verify = verifier.verify.bind(verifier);
    verifier.verify = (token) => {
      verifications += 1;
      return verify(token);
    };
    const verifyAnyAudience = verifier.verifyAnyAudience.bind(verifier);
    verifier.verifyAnyAudience = (token) => {
      verifications += 1;
      return verifyAnyAudience(token);
    };
    verified = new VerifiedTokens();
    reader = new AccessTokenClaimsReader(
      verifier,
      verified,
      { issuer: ISSUER } as AppConfig,
      {
        catalog: () => Promise.resolve(new Map()),
      } as unknown as ApisService,
      // No token of another audience was issued: a forged one is not ours.
      { wasIssued: () => Promise.resolve(false) } as unknown as AccessTokenStore,
    );
  });

  it('reads a valid token and remembers it in the one cache of verified tokens', async () => {
    const payload = claims();
    const token = await sign(payload);
    await expect(reader.read(token)).resolves.toEqual(payload);
    expect(verified.get(token)?.claims).toEqual(payload);
    await expect(reader.read(token)).resolves.toEqual(payload);
    expect(verifications).toBe(1);
  });

  it('takes a token the guard already verified without verifying it again', async () => {
    const token = await sign();
    verified.remember(token, await verifier.verify(token));
    await expect(reader.read(token)).resolves.toMatchObject({ jti: 'jti-1' });
    expect(verifications).toBe(1);
  });

  it.each([
    ['longer than 8192 characters', () => `${'a'.repeat(8190)}.b.c`],
    ['two parts', () => 'a.b'],
    ['four parts', () => 'a.b.c.d'],
  ])('answers undefined without verifying for a string of %s', async (_, token) => {
    await expect(reader.read(token())).resolves.toBeUndefined();
    expect(verifications).toBe(0);
  });

  it.each([
    ['garbage in three parts', () => 'a.b.c'],
    ['another key', () => sign(claims(), 'k1', other.privateKey)],
    ['an unknown kid', () => sign(claims(), 'k2')],
    ['another issuer', () => sign(claims({ iss: 'https://evil.example.com' }))],
    ['another audience', () => sign(claims({ aud: 'https://elsewhere.example.com' }))],
    // The guard tolerates a few seconds of clock difference; introspection never did.
    ['expired two seconds ago', () => sign(claims({ exp: now() - 2 }))],
    ['no jti', () => sign(without('jti'))],
    ['no exp', () => sign(without('exp'))],
    ['no iat', () => sign(without('iat'))],
    ['no sub', () => sign(without('sub'))],
    ['no client_id', () => sign(without('client_id'))],
    ['a numeric client_id', () => sign(claims({ client_id: 7 }))],
  ])('answers undefined for %s', async (_, token) => {
    await expect(reader.read(await token())).resolves.toBeUndefined();
  });

  it('answers 503 with Retry-After when the keys cannot be read', async () => {
    failKeys = true;
    const error = await reader.read(await sign()).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(OAuthError);
    expect(error).toMatchObject({
      status: 503,
      error: 'temporarily_unavailable',
      headers: { 'Retry-After': '1' },
    });
  });

  it('throws anything else as it is', async () => {
    const failure = new Error('unexpected');
    verifier.verify = () => Promise.reject(failure);
    verifier.verifyAnyAudience = () => Promise.reject(failure);
    await expect(reader.read(await sign())).rejects.toBe(failure);
  });
});
