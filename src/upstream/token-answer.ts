import type { UpstreamTokenValue } from './token-cache.service.js';

/** An upstream token as the caller gets it: RFC 6749 §5.1 fields, plus the absolute expiry. */
export function tokenAnswer(value: UpstreamTokenValue) {
  const expiresAt = Math.floor(value.expiresAt.getTime() / 1000);
  return {
    access_token: value.token,
    token_type: 'Bearer',
    expires_in: Math.max(0, expiresAt - Math.floor(Date.now() / 1000)),
    expires_at: expiresAt,
  };
}
