import { OAuthError } from '../common/oauth-error.js';

/** The platform could not be reached, timed out or failed (5xx): 502 or 504, nothing cached. */
export function upstreamUnavailable(description: string, timedOut = false): OAuthError {
  return new OAuthError('upstream_unavailable', description, { status: timedOut ? 504 : 502 });
}

/** The platform refused: 502 with its code and message under `upstream_error`, never a secret. */
export class UpstreamRefusal extends OAuthError {
  constructor(code: string | number, message: string) {
    super('upstream_error', 'the upstream platform refused the request', {
      status: 502,
      extra: { upstream_error: { code, message: message.slice(0, 500) } },
    });
  }
}
