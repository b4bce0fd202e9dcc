import { randomToken, sha256 } from '../common/secrets.js';

/** RFC 9126 §2.2: the form the reference to a pushed request takes. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** The random part: 256 bits, base64url (43 characters), so it cannot be guessed. */
const REFERENCE = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedRequestUri {
  /** Given to the client once; never stored. */
  requestUri: string;
  /** What is stored, and looked up: a leaked table holds no usable reference. */
  digest: Buffer;
}

/** A fresh request_uri for a pushed request, and its digest. */
export function issueRequestUri(): IssuedRequestUri {
  const requestUri = `${REQUEST_URI_PREFIX}${randomToken(32)}`;
  return { requestUri, digest: sha256(requestUri) };
}

/**
 * The digest to look a presented request_uri up by, or undefined when it cannot be one this
 * server issued (another form, a repeated parameter): such a value is not looked up at all.
 */
export function requestUriDigest(presented: unknown): Buffer | undefined {
  if (typeof presented !== 'string' || !presented.startsWith(REQUEST_URI_PREFIX)) return undefined;
  if (!REFERENCE.test(presented.slice(REQUEST_URI_PREFIX.length))) return undefined;
  return sha256(presented);
}
