import * as oauth from 'oauth4webapi';
import { freePort } from '../../src/common/ports.js';
import type { Credentials } from '../support/http-client.js';
import { HttpClient } from '../support/http-client.js';
import { adminAuth, basic, registerClient, token, type Registered } from '../support/flows.js';
import { startSibling, type ServerProcess } from '../support/server-process.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const insecure = { [oauth.allowInsecureRequests]: true };

/** The `resource_metadata` parameter of a Bearer challenge (RFC 9728 §5.1), if any. */
const resourceMetadataOf = (challenge: string | null) =>
  /(?:^Bearer |, )resource_metadata="([^"]*)"/.exec(challenge ?? '')?.[1];

describe('protected resource metadata (RFC 9728): from a bare 401 to a token', () => {
  let t: TestApp;
  let admin: Credentials;
  let sibling: ServerProcess;
  let pathSibling: ServerProcess;
  let api: HttpClient;
  let reader: Registered;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminAuth(t);
    reader = await registerClient(t, admin, {
      grant_types: ['client_credentials'],
      scope: 'notes:read',
    });
    const port = await freePort();
    [sibling, pathSibling] = await Promise.all([
      startSibling({ ISSUER: t.baseUrl }),
      // A resource identifier with a path: its metadata lives under the well-known segment.
      startSibling({
        ISSUER: t.baseUrl,
        PORT: String(port),
        RESOURCE: `http://127.0.0.1:${port}/notes`,
      }),
    ]);
    api = new HttpClient(sibling.baseUrl);
  }, 60_000);
  afterAll(async () => {
    await sibling?.stop();
    await pathSibling?.stop();
    await t?.close();
  });

  it('walks the chain a client follows: challenge → resource metadata → AS metadata → token → 200', async () => {
    // 1. A client that knows only the API calls it without a token.
    const bare = await fetch(`${sibling.baseUrl}/notes`);
    expect(bare.status).toBe(401);
    const metadataUrl = resourceMetadataOf(bare.headers.get('www-authenticate'));
    expect(metadataUrl).toBe(`${sibling.baseUrl}/.well-known/oauth-protected-resource`);

    // 2. The resource's metadata names its authorization server.
    const metadataResponse = await fetch(metadataUrl!);
    expect(metadataResponse.headers.get('cache-control')).toBe('public, max-age=300');
    expect(metadataResponse.headers.get('content-type')).toMatch(/^application\/json/);
    const resource = await oauth.processResourceDiscoveryResponse(
      new URL(sibling.baseUrl),
      metadataResponse,
    );
    expect(resource).toEqual({
      resource: sibling.baseUrl,
      authorization_servers: [t.baseUrl],
      bearer_methods_supported: ['header'],
      scopes_supported: ['notes:read', 'notes:write'],
      resource_name: 'Notes',
      dpop_signing_alg_values_supported: ['ES256', 'RS256', 'PS256', 'EdDSA'],
    });

    // 3. The authorization server's own metadata (RFC 8414) gives the token endpoint.
    const issuer = new URL(resource.authorization_servers![0]);
    const as = await oauth.processDiscoveryResponse(
      issuer,
      await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }),
    );
    expect(as.token_endpoint).toBe(`${t.baseUrl}/oauth/token`);

    // 4. A token for a scope the resource supports, then the call succeeds.
    const client: oauth.Client = { client_id: reader.client_id };
    const tokens = await oauth.processClientCredentialsResponse(
      as,
      client,
      await oauth.clientCredentialsGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(reader.client_secret!),
        { scope: resource.scopes_supported![0] },
        insecure,
      ),
    );
    const notes = await api.get('/notes', { bearer: tokens.access_token });
    expect(notes.status).toBe(200);
  });

  it('names the metadata on a refused token and on 403 insufficient_scope as well', async () => {
    const metadataUrl = `${sibling.baseUrl}/.well-known/oauth-protected-resource`;
    const invalid = await api.get('/notes', { bearer: 'garbage' });
    expect(invalid.status).toBe(401);
    expect(resourceMetadataOf(invalid.headers.get('www-authenticate'))).toBe(metadataUrl);

    const readToken = (await token(t, { grant_type: 'client_credentials' }, basic(reader))).body
      .access_token!;
    const forbidden = await api.json('POST', '/notes', { text: 'hi' }, { bearer: readToken });
    expect(forbidden.status).toBe(403);
    const challenge = forbidden.headers.get('www-authenticate');
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="notes:write"');
    expect(resourceMetadataOf(challenge)).toBe(metadataUrl);
  });

  it('serves the metadata of a resource with a path under the well-known segment, and only there', async () => {
    const bare = await fetch(`${pathSibling.baseUrl}/notes`);
    const metadataUrl = resourceMetadataOf(bare.headers.get('www-authenticate'));
    expect(metadataUrl).toBe(`${pathSibling.baseUrl}/.well-known/oauth-protected-resource/notes`);
    const metadata = await fetch(metadataUrl!);
    expect(metadata.status).toBe(200);
    expect(await metadata.json()).toMatchObject({ resource: `${pathSibling.baseUrl}/notes` });

    for (const other of ['', '/other', '/notes/more']) {
      const res = await fetch(
        `${pathSibling.baseUrl}/.well-known/oauth-protected-resource${other}`,
      );
      expect([other, res.status]).toEqual([other, 404]);
    }
    const elsewhere = await fetch(`${sibling.baseUrl}/.well-known/oauth-protected-resource/notes`);
    expect(elsewhere.status).toBe(404);
  });

  it('without the option, serves no metadata and names none (Portcullis’s own APIs)', async () => {
    expect((await t.http.get('/.well-known/oauth-protected-resource')).status).toBe(404);
    const res = await t.http.get('/oauth/userinfo');
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer realm="portcullis"/);
    expect(res.headers.get('www-authenticate')).not.toContain('resource_metadata');
  });
});
