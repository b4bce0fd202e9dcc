import { randomUUID, type KeyObject } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { Credentials, HttpResponse } from './http-client.js';
import type { TestApp } from './test-app.js';

export type Registered = { client_id: string; client_secret?: string };
export type TokenBody = {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  scope?: string;
  refresh_token?: string;
  error?: string;
  error_description?: string;
};

export const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** An admin bearer token for the test app. */
export async function adminAuth(t: TestApp): Promise<Credentials> {
  return { bearer: await t.http.clientToken(t.admin.id, t.admin.secret, 'admin') };
}

export async function registerClient(
  t: TestApp,
  admin: Credentials,
  body: Record<string, unknown>,
): Promise<Registered> {
  const res = await t.http.json<Registered>('POST', '/admin/clients', body, admin);
  if (res.status !== 201) throw new Error(`registration failed: ${res.status} ${res.text}`);
  return res.body;
}

export async function createUser(
  t: TestApp,
  admin: Credentials,
  body: { username: string; password: string; scope?: string },
): Promise<{ id: string; username: string }> {
  const res = await t.http.json<{ id: string; username: string }>(
    'POST',
    '/admin/users',
    body,
    admin,
  );
  if (res.status !== 201) throw new Error(`user creation failed: ${res.status} ${res.text}`);
  return res.body;
}

export function token(
  t: TestApp,
  params: Record<string, string | string[]>,
  auth?: Credentials,
): Promise<HttpResponse<TokenBody>> {
  return t.http.form<TokenBody>('/oauth/token', params, auth);
}

export const basic = (client: Registered): Credentials => ({
  basic: [client.client_id, client.client_secret!],
});

/** The payload of a JWT, unverified. */
export function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

/** A client assertion (RFC 7523) with sensible claims, any of which a test may override. */
export function assertion(
  key: { privateKey: KeyObject; kid: string; alg: string },
  clientId: string,
  audience: string,
  overrides: JWTPayload = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: clientId,
    sub: clientId,
    aud: audience,
    iat: now,
    exp: now + 300,
    jti: randomUUID(),
    ...overrides,
  })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header })
    .sign(key.privateKey);
}
