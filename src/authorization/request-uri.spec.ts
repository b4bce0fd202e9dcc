import { sha256 } from '../common/secrets.js';
import { issueRequestUri, REQUEST_URI_PREFIX, requestUriDigest } from './request-uri.js';

describe('request_uri', () => {
  it('issues a urn:ietf:params:oauth:request_uri: with 256 random bits, stored as its digest', () => {
    const { requestUri, digest } = issueRequestUri();
    expect(requestUri).toMatch(/^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
    expect(digest).toEqual(sha256(requestUri));
    expect(issueRequestUri().requestUri).not.toBe(requestUri);
  });

  it('looks up a presented request_uri of the issued form by its digest', () => {
    const { requestUri, digest } = issueRequestUri();
    expect(requestUriDigest(requestUri)).toEqual(digest);
  });

  it.each([
    ['nothing', undefined],
    ['a repeated parameter', [`${REQUEST_URI_PREFIX}${'a'.repeat(43)}`]],
    ['another scheme', `https://client.example.com/request/${'a'.repeat(43)}`],
    ['a short reference', `${REQUEST_URI_PREFIX}abc`],
    ['a long reference', `${REQUEST_URI_PREFIX}${'a'.repeat(44)}`],
    ['characters base64url has not', `${REQUEST_URI_PREFIX}${'a'.repeat(42)}=`],
  ])('does not look up %s', (_, presented) => {
    expect(requestUriDigest(presented)).toBeUndefined();
  });
});
