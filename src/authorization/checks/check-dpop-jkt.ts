import { OAuthError } from '../../common/oauth-error.js';
import type { AuthorizeCheck } from './authorize-check.js';
import { singleParameter } from './single-parameter.js';

/** An RFC 7638 SHA-256 thumbprint, base64url without padding: 32 bytes, 43 characters. */
const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 9449 §10: `dpop_jkt` binds the code to the key whose proof must redeem it (checked by
 * the code grant). Only a code can be bound: a response type that issues tokens here refuses it.
 */
export const checkDpopJkt: AuthorizeCheck = ({ query, checked }) => {
  const dpopJkt = singleParameter(query, 'dpop_jkt');
  if (dpopJkt === undefined) return {};
  if (!THUMBPRINT.test(dpopJkt))
    throw new OAuthError(
      'invalid_request',
      'dpop_jkt must be the base64url SHA-256 JWK thumbprint of the DPoP key (RFC 7638)',
    );
  if (!checked.responseType?.issuesCode)
    throw new OAuthError(
      'invalid_request',
      'dpop_jkt binds a code; this response_type issues none',
    );
  return { dpopJkt };
};
