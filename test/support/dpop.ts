import { randomUUID } from 'node:crypto';
import http from 'node:http';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  SignJWT,
  type GenerateKeyPairResult,
  type JWK,
  type JWTPayload,
} from 'jose';
import { basicAuth, type Credentials, type HttpResponse } from './http-client.js';
import type { TokenBody } from './flows.js';

/** A client's DPoP key (RFC 9449), signing proofs by hand: so a test can also get them wrong. */
export class DpopKey {
  private constructor(
    readonly alg: string,
    readonly keyPair: GenerateKeyPairResult,
    readonly publicJwk: JWK,
    /** RFC 7638 SHA-256 thumbprint: what `cnf.jkt` and `dpop_jkt` name. */
    readonly thumbprint: string,
  ) {}

  static async generate(alg = 'ES256'): Promise<DpopKey> {
    const keyPair = await generateKeyPair(alg, { extractable: true });
    const publicJwk = await exportJWK(keyPair.publicKey);
    return new DpopKey(alg, keyPair, publicJwk, await calculateJwkThumbprint(publicJwk));
  }

  /** The private key as a JWK: what a careless client might put in its proof header. */
  privateJwk(): Promise<JWK> {
    return exportJWK(this.keyPair.privateKey);
  }

  /** A proof for `POST url`, fresh (`jti`, `iat` now); any claim or header member overridden. */
  proof(
    url: string,
    claims: JWTPayload & Record<string, unknown> = {},
    header: Record<string, unknown> = {},
  ): Promise<string> {
    return new SignJWT({
      htm: 'POST',
      htu: url,
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      ...claims,
    })
      .setProtectedHeader({ alg: this.alg, typ: 'dpop+jwt', jwk: this.publicJwk, ...header })
      .sign(this.keyPair.privateKey);
  }
}

/** A JWS with `alg: none`: no signature, or `signature` where one would be. */
export function unsignedProof(jwk: JWK, url: string, signature = ''): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'none', typ: 'dpop+jwt', jwk });
  const payload = encode({
    htm: 'POST',
    htu: url,
    iat: Math.floor(Date.now() / 1000),
    jti: randomUUID(),
  });
  return `${header}.${payload}.${signature}`;
}

/**
 * A form POST with each of `proofs` as a `DPoP` header line of its own, which fetch cannot
 * send (it joins repeated headers into one).
 */
export function postWithProofs(
  baseUrl: string,
  path: string,
  params: Record<string, string>,
  auth: Credentials,
  proofs: string[],
): Promise<HttpResponse<TokenBody>> {
  const body = new URLSearchParams(params).toString();
  const headers: http.OutgoingHttpHeaders = {
    'content-type': 'application/x-www-form-urlencoded',
    'content-length': Buffer.byteLength(body),
    dpop: proofs,
  };
  if (auth && 'basic' in auth) headers.authorization = basicAuth(...auth.basic);
  return new Promise((resolve, reject) => {
    const request = http.request(`${baseUrl}${path}`, { method: 'POST', headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        const responseHeaders = new Headers();
        for (const [name, value] of Object.entries(response.headers)) {
          if (typeof value === 'string') responseHeaders.set(name, value);
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: responseHeaders,
          body: JSON.parse(text) as TokenBody,
          text,
        });
      });
    });
    request.on('error', reject);
    request.end(body);
  });
}
