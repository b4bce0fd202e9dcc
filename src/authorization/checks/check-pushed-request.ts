import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';

/**
 * RFC 9126 §5, §6: whether the authorize endpoint takes only pushed requests from this
 * client: because the server requires it of every client, or the client's metadata does.
 * A client profile that requires PAR (FAPI 2.0) adds its clause here.
 */
export function pushedRequestRequired(
  client: Pick<Client, 'requirePushedAuthorizationRequests'>,
  requiredServerWide: boolean,
): boolean {
  return requiredServerWide || client.requirePushedAuthorizationRequests;
}

/**
 * RFC 9126 §4: a request without request_uri from a client that must push its requests is
 * refused with invalid_request. Run once the client and redirect URI are trusted, so the
 * refusal goes back to the client.
 */
export function checkPushedRequestRequired(
  client: Pick<Client, 'requirePushedAuthorizationRequests'>,
  requiredServerWide: boolean,
): void {
  if (pushedRequestRequired(client, requiredServerWide)) {
    throw new OAuthError(
      'invalid_request',
      'this client must push its authorization request (RFC 9126) and send its request_uri',
    );
  }
}
