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
