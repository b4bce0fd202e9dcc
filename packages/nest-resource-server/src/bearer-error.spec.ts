import { BearerError } from './bearer-error.js';

describe('BearerError.challenge', () => {
  it('builds an RFC 6750 challenge with the scope for insufficient_scope', () => {
    const error = new BearerError('insufficient_scope', 'needs notes:write', 403, 'notes:write');
    expect(error.challenge('notes')).toBe(
      'Bearer realm="notes", error="insufficient_scope", error_description="needs notes:write", scope="notes:write"',
    );
  });

  it('drops characters RFC 6750 does not allow in values (quotes, backslashes, non-ASCII)', () => {
    const error = new BearerError('invalid_token', 'a user’s "token" \\ é', 401);
    expect(error.challenge('portcullis')).toBe(
      'Bearer realm="portcullis", error="invalid_token", error_description="a users token  "',
    );
  });

  it('names the RFC 9728 metadata URL when given one', () => {
    const error = new BearerError('invalid_token', 'a bearer access token is required', 401);
    expect(
      error.challenge('notes', 'https://api.example.com/.well-known/oauth-protected-resource'),
    ).toBe(
      'Bearer realm="notes", error="invalid_token", error_description="a bearer access token is required", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource"',
    );
  });

  it('has no challenge for 503', () => {
    expect(new BearerError('temporarily_unavailable', 'later', 503).challenge('x')).toBeUndefined();
  });
});

describe('BearerError under the DPoP scheme (RFC 9449 §7.1)', () => {
  const dpop = { algs: ['ES256', 'EdDSA'], nonce: 'n-1' };

  it('challenges with DPoP, the same parameters and algs, and hands out the nonce', () => {
    const error = new BearerError('use_dpop_nonce', 'send the nonce', 401, undefined, dpop);
    expect(error.headers('notes')).toEqual({
      'WWW-Authenticate':
        'DPoP realm="notes", error="use_dpop_nonce", error_description="send the nonce", algs="ES256 EdDSA"',
      'DPoP-Nonce': 'n-1',
    });
    expect(error.getResponse()).toEqual({
      error: 'use_dpop_nonce',
      error_description: 'send the nonce',
    });
  });

  it('keeps scope and resource_metadata when moved under DPoP', () => {
    const error = new BearerError('insufficient_scope', 'needs notes:write', 403, 'notes:write');
    const moved = error.underDpop({ algs: ['ES256'] });
    expect(moved.getStatus()).toBe(403);
    expect(
      moved.headers('notes', 'https://api.example.com/.well-known/oauth-protected-resource'),
    ).toEqual({
      'WWW-Authenticate':
        'DPoP realm="notes", error="insufficient_scope", error_description="needs notes:write", scope="notes:write", resource_metadata="https://api.example.com/.well-known/oauth-protected-resource", algs="ES256"',
    });
  });

  it('has no challenge for 503, only the nonce', () => {
    const error = new BearerError('temporarily_unavailable', 'later', 503, undefined, dpop);
    expect(error.headers('x')).toEqual({ 'DPoP-Nonce': 'n-1' });
  });
});
