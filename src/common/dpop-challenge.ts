import { DPOP_ALGORITHMS } from '@portcullis/nest-resource-server';

/**
 * RFC 9449 §7.1: a request authenticated with a DPoP-bound token is challenged under the DPoP
 * scheme. The guard does so for its own refusals; a refusal by a later guard or handler
 * (revoked token, missing scope, no user) carries the Bearer challenge `OAuthError.bearer`
 * wrote, which this rewrites: same parameters, DPoP scheme, plus `algs`.
 */
export function challengedUnderDpop(headers: Record<string, string>): Record<string, string> {
  const challenge = headers['WWW-Authenticate'];
  if (!challenge?.startsWith('Bearer ')) return headers;
  return {
    ...headers,
    'WWW-Authenticate': `DPoP ${challenge.slice('Bearer '.length)}, algs="${DPOP_ALGORITHMS.join(' ')}"`,
  };
}
