import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errors, exportJWK, SignJWT } from 'jose';
import { AccessTokenVerifier } from './access-token-verifier.js';
import { IssuerKeys, KeySourceUnavailableError } from './issuer-keys.js';
import { IssuerMetadata } from './issuer-metadata.js';
import type { JsonWebKeySetDocument, ResourceServerOptions } from './resource-server.options.js';

const keyPair = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = async (key: KeyObject, kid: string) => ({
  ...(await exportJWK(key)),
  kid,
  alg: 'ES256',
  use: 'sig',
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A remote issuer: its metadata and JWKS, counting what it is asked. */
describe('IssuerKeys (a remote JWKS)', () => {
  let server: Server;
  let issuer: string;
  let document: JsonWebKeySetDocument;
  let jwksStatus: number;
  let metadataIssuer: string | undefined;
  let requests: string[];
  const first = keyPair();

  beforeAll(async () => {
    server = createServer((request, response) => {
      requests.push(request.url ?? '');
      if (request.url === '/.well-known/oauth-authorization-server') {
        response.setHeader('content-type', 'application/json');
        response.end(
          JSON.stringify({ issuer: metadataIssuer ?? issuer, jwks_uri: `${issuer}/jwks.json` }),
        );
      } else if (request.url === '/jwks.json') {
        response.statusCode = jwksStatus;
        response.setHeader('content-type', 'application/json');
        response.end(JSON.stringify(document));
      } else {
        response.statusCode = 404;
        response.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  beforeEach(async () => {
    document = { keys: [await publicJwk(first.publicKey, 'k1')] };
    jwksStatus = 200;
    metadataIssuer = undefined;
    requests = [];
  });

  const verifierFor = (extra: Partial<ResourceServerOptions> = {}) => {
    const options: ResourceServerOptions = { issuer, audience: issuer, ...extra };
    return new AccessTokenVerifier(options, new IssuerKeys(options, new IssuerMetadata(options)));
  };
  const sign = (key: KeyObject, header: Record<string, unknown> = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: issuer, aud: issuer, sub: 's', iat: now, exp: now + 60 })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...header })
      .sign(key);
  };
  const jwksFetches = () => requests.filter((url) => url === '/jwks.json').length;

  it('finds the JWKS through the issuer metadata and fetches it once', async () => {
    const verifier = verifierFor();
    await verifier.verify(await sign(first.privateKey));
    await verifier.verify(await sign(first.privateKey));
    expect(requests).toEqual(['/.well-known/oauth-authorization-server', '/jwks.json']);
  });

  it('refetches for an unknown kid at most once per interval, then finds a rotated key', async () => {
    const verifier = verifierFor({
      jwksUri: `${issuer}/jwks.json`,
      jwksRefetchIntervalSeconds: 0.3,
    });
    await verifier.verify(await sign(first.privateKey));
    const second = keyPair();
    document = { keys: [...document.keys, await publicJwk(second.publicKey, 'k2')] };
    const rotated = await sign(second.privateKey, { kid: 'k2' });
    // Within the interval, neither the new kid nor a flood of forged ones reach the issuer.
    await expect(verifier.verify(rotated)).rejects.toMatchObject({
      description: 'unknown signing key',
    });
    await Promise.allSettled(
      Array.from({ length: 20 }, async (_, i) =>
        verifier.verify(await sign(first.privateKey, { kid: `forged-${i}` })),
      ),
    );
    expect(jwksFetches()).toBe(1);
    await sleep(350);
    await expect(verifier.verify(rotated)).resolves.toMatchObject({ sub: 's' });
    expect(jwksFetches()).toBe(2);
  });

  it('never fetches a jku or x5u header, nor trusts an embedded jwk', async () => {
    const verifier = verifierFor({ jwksUri: `${issuer}/jwks.json` });
    const attacker = keyPair();
    const headers = [
      { jku: `${issuer}/attacker-jwks.json` },
      { x5u: `${issuer}/attacker-cert.pem` },
      { jwk: await exportJWK(attacker.publicKey) },
    ];
    for (const header of headers) {
      await expect(verifier.verify(await sign(attacker.privateKey, header))).rejects.toMatchObject({
        error: 'invalid_token',
      });
    }
    expect(requests).toEqual(['/jwks.json']);
  });

  it('answers 503 while the JWKS cannot be fetched, and recovers without a restart', async () => {
    const verifier = verifierFor({ jwksUri: `${issuer}/jwks.json` });
    jwksStatus = 500;
    const token = await sign(first.privateKey);
    await expect(verifier.verify(token)).rejects.toMatchObject({
      error: 'temporarily_unavailable',
    });
    jwksStatus = 200;
    await expect(verifier.verify(token)).resolves.toMatchObject({ sub: 's' });
  });

  it('keeps verifying with the keys it has while the issuer is down', async () => {
    const verifier = verifierFor({ jwksUri: `${issuer}/jwks.json` });
    await verifier.verify(await sign(first.privateKey));
    jwksStatus = 500;
    await expect(verifier.verify(await sign(first.privateKey))).resolves.toMatchObject({
      sub: 's',
    });
  });

  it('trusts no key when the metadata names another issuer', async () => {
    metadataIssuer = 'https://evil.example.com';
    const keys = new IssuerKeys(
      { issuer, audience: issuer },
      new IssuerMetadata({ issuer, audience: issuer }),
    );
    await expect(
      keys.getKey({ alg: 'ES256', kid: 'k1' }, { payload: '', signature: '' }),
    ).rejects.toBeInstanceOf(KeySourceUnavailableError);
    expect(requests).not.toContain('/jwks.json');
  });

  it('refuses a token without kid before looking for keys', async () => {
    const keys = new IssuerKeys(
      { issuer, audience: issuer },
      new IssuerMetadata({ issuer, audience: issuer }),
    );
    await expect(
      keys.getKey({ alg: 'ES256' }, { payload: '', signature: '' }),
    ).rejects.toBeInstanceOf(errors.JWKSNoMatchingKey);
    expect(requests).toEqual([]);
  });
});
