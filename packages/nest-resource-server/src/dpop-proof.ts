import { createHash } from 'node:crypto';
import {
  calculateJwkThumbprint,
  decodeProtectedHeader,
  errors,
  importJWK,
  jwtVerify,
  type CryptoKey,
  type JWK,
  type JWTPayload,
} from 'jose';

/** The proof algorithms accepted (and advertised as `dpop_signing_alg_values_supported`). */
export const DPOP_ALGORITHMS = ['ES256', 'RS256', 'PS256', 'EdDSA'] as const;
export type DpopAlgorithm = (typeof DPOP_ALGORITHMS)[number];

/**
 * What a proof's `alg` may be: the advertised ones, and `Ed25519`, the fully-specified name
 * (RFC 9864) of EdDSA over Ed25519, which current clients (oauth4webapi among them) write.
 */
const ACCEPTED_ALGORITHMS: readonly string[] = [...DPOP_ALGORITHMS, 'Ed25519'];

/** What the request a proof came with says it must match (RFC 9449 §4.3). */
export interface DpopProofExpectations {
  /** The request's HTTP method, compared exactly (step 8). */
  method: string;
  /**
   * The request URL as the client reached it; compared with `htu` without query and fragment,
   * scheme and host case-insensitively, default ports dropped (step 9).
   */
  url: string;
  /** When present, `ath` must be base64url(SHA-256(accessToken)) (step 10). */
  accessToken?: string;
  /**
   * The server nonce the proof must carry, or a checker of the proof's `nonce` (undefined when
   * it has none). Absent: no nonce is asked for. A missing or refused nonce is `use_dpop_nonce`.
   */
  nonce?: string | ((nonce: string | undefined) => boolean);
  /** How far in the future `iat` may be. */
  clockSkewSeconds: number;
  /** How old `iat` may be (plus the skew). */
  maxAgeSeconds: number;
  /** The current time in seconds, for tests. */
  now?: number;
}

export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint (base64url) of the proof's public key: what `cnf.jkt` names. */
  jkt: string;
  /** The proof's id: the caller makes it single use (step 11) with its own store. */
  jti: string;
  iat: number;
}

/** A refused proof: `invalid_dpop_proof`, or `use_dpop_nonce` when only the nonce is wrong. */
export class DpopProofError extends Error {
  constructor(
    readonly error: 'invalid_dpop_proof' | 'use_dpop_nonce',
    message: string,
  ) {
    super(message);
    this.name = 'DpopProofError';
  }
}

/** A proof is a few hundred bytes (an RSA-4096 key about 1.5 KB); refuse work on anything far larger. */
const MAX_PROOF_LENGTH = 8192;
/** Clients use 16-32 random bytes; a long `jti` would only cost replay-store space. */
const MAX_JTI_LENGTH = 256;
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Members only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const refuse = (message: string) => new DpopProofError('invalid_dpop_proof', message);

/**
 * Checks a DPoP proof JWT (RFC 9449 §4.3 steps 1-10): everything except that its `jti` was not
 * seen before, which the caller checks with its own store (in one process or across several).
 */
export async function verifyDpopProof(
  proof: string,
  expect: DpopProofExpectations,
): Promise<VerifiedDpopProof> {
  if (typeof proof !== 'string' || proof.length > MAX_PROOF_LENGTH || !COMPACT_JWS.test(proof)) {
    throw refuse('the DPoP proof is not a single compact JWS');
  }
  const { jwk, alg } = checkHeader(proof);
  const now = expect.now ?? Math.floor(Date.now() / 1000);
  const { key, jkt } = await proofKey(jwk, alg);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(proof, key, {
      algorithms: [...ACCEPTED_ALGORITHMS],
      typ: 'dpop+jwt',
      currentDate: new Date(now * 1000),
      clockTolerance: expect.clockSkewSeconds,
    }));
  } catch (error) {
    // Everything jwtVerify can trip on here comes from the proof (a key WebCrypto cannot
    // import throws a plain TypeError), so every failure is the client's.
    throw refuse(
      error instanceof errors.JOSEError
        ? describe(error)
        : 'the DPoP proof jwk is not a usable key',
    );
  }

  const { jti, htm, htu, iat, ath, nonce } = payload as JWTPayload & Record<string, unknown>;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    throw refuse(`the DPoP proof needs a jti of 1 to ${MAX_JTI_LENGTH} characters`);
  }
  if (htm !== expect.method) throw refuse('the DPoP proof is for another HTTP method (htm)');
  if (typeof htu !== 'string' || !sameResource(htu, expect.url)) {
    throw refuse('the DPoP proof is for another URL (htu)');
  }
  if (typeof iat !== 'number' || !Number.isFinite(iat)) {
    throw refuse('the DPoP proof has no iat');
  }
  if (iat > now + expect.clockSkewSeconds) throw refuse('the DPoP proof is issued in the future');
  if (iat < now - expect.maxAgeSeconds - expect.clockSkewSeconds) {
    throw refuse('the DPoP proof is too old');
  }
  if (expect.accessToken !== undefined) {
    if (typeof ath !== 'string') throw refuse('the DPoP proof has no access token hash (ath)');
    if (ath !== accessTokenHash(expect.accessToken)) {
      throw refuse('the DPoP proof is for another access token (ath)');
    }
  }
  if (expect.nonce !== undefined) {
    const given = typeof nonce === 'string' ? nonce : undefined;
    const accepted =
      typeof expect.nonce === 'function' ? expect.nonce(given) : given === expect.nonce;
    if (!accepted) {
      throw new DpopProofError(
        'use_dpop_nonce',
        given === undefined
          ? 'the DPoP proof must carry the server nonce'
          : 'the DPoP nonce is not (or no longer) valid',
      );
    }
  }
  return { jkt, jti, iat };
}

/** base64url(SHA-256(token)): the `ath` claim of a proof for that access token (§4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/**
 * The header checks jose leaves to us: `typ` exactly `dpop+jwt` (jose would also take
 * `application/dpop+jwt` in any case) and a `jwk` without private members. Returns the jwk.
 */
function checkHeader(proof: string): { jwk: JWK; alg: string } {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(proof);
  } catch {
    throw refuse('the DPoP proof header is not valid JSON');
  }
  if (header.typ !== 'dpop+jwt') throw refuse('the DPoP proof typ must be dpop+jwt');
  if (typeof header.alg !== 'string' || !ACCEPTED_ALGORITHMS.includes(header.alg)) {
    throw refuse(`the DPoP proof alg must be one of ${DPOP_ALGORITHMS.join(' ')}`);
  }
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    throw refuse('the DPoP proof header has no jwk');
  }
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) {
    throw refuse('the DPoP proof jwk must be a public key');
  }
  return { jwk, alg: header.alg };
}

/** A proof's key, imported, and its thumbprint. */
interface ProofKey {
  key: CryptoKey;
  jkt: string;
}

/**
 * Keys imported lately, by `alg` and jwk text: a client signs every proof with one key, and
 * importing it and hashing its thumbprint cost as much as the signature check. Bounded; the
 * oldest goes first. A failed import is not kept.
 */
const proofKeys = new Map<string, Promise<ProofKey>>();
const PROOF_KEY_CACHE_ENTRIES = 1000;

function proofKey(jwk: JWK, alg: string): Promise<ProofKey> {
  const id = `${alg} ${JSON.stringify(jwk)}`;
  let entry = proofKeys.get(id);
  if (!entry) {
    entry = importProofKey(jwk, alg);
    if (proofKeys.size >= PROOF_KEY_CACHE_ENTRIES) {
      proofKeys.delete(proofKeys.keys().next().value!);
    }
    proofKeys.set(id, entry);
    entry.catch(() => proofKeys.delete(id));
  }
  return entry;
}

/** What jose's EmbeddedJWK checks, then the import: a public signing key for `alg`. */
async function importProofKey(jwk: JWK, alg: string): Promise<ProofKey> {
  if (jwk.use !== undefined && jwk.use !== 'sig') {
    throw refuse('the DPoP proof jwk is not a signing key (use)');
  }
  if (jwk.alg !== undefined && jwk.alg !== alg) {
    throw refuse('the DPoP proof jwk is for another algorithm');
  }
  let key: Awaited<ReturnType<typeof importJWK>>;
  let jkt: string;
  try {
    key = await importJWK(jwk, alg);
    jkt = await calculateJwkThumbprint(jwk, 'sha256');
  } catch {
    // A key WebCrypto cannot import for this alg (an EC key for RS256, a wrong curve, …).
    throw refuse('the DPoP proof jwk is not a usable key');
  }
  if (key instanceof Uint8Array || key.type !== 'public') {
    throw refuse('the DPoP proof jwk must be a public key');
  }
  return { key, jkt };
}

function describe(error: errors.JOSEError): string {
  switch (error.code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'the DPoP proof signature does not verify with its jwk';
    case 'ERR_JWT_EXPIRED':
      return 'the DPoP proof has expired';
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'the DPoP proof uses an unsupported key or critical header';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return 'the DPoP proof claims are invalid';
    default:
      return 'the DPoP proof is malformed';
  }
}

/** RFC 9449 §4.3 step 9 with RFC 3986 §6.2.2-6.2.3 normalisation; query and fragment ignored. */
function sameResource(htu: string, url: string): boolean {
  const a = resourceOf(htu);
  return a !== undefined && a === resourceOf(url);
}

function resourceOf(value: string): string | undefined {
  if (!URL.canParse(value)) return undefined;
  // WHATWG URL lowercases scheme and host, drops default ports and resolves dot segments.
  const url = new URL(value);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  return `${url.protocol}//${url.host}${url.pathname}`;
}
