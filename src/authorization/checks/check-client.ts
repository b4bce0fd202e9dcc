import type { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';

const MAX_CLIENT_ID_LENGTH = 256;

const untrusted = (message: string) =>
  new OAuthError('invalid_request', message, { title: 'Unknown application' });

/**
 * The registered, enabled client the request names. Refused as a page: without a client
 * there is no redirect URI to trust.
 */
export async function checkClient(
  query: Readonly<Record<string, unknown>>,
  findClient: (clientId: string) => Promise<Client | null | undefined>,
): Promise<Client> {
  const clientId = query.client_id;
  if (typeof clientId !== 'string' || clientId === '' || clientId.length > MAX_CLIENT_ID_LENGTH) {
    throw untrusted('The request does not name a registered application (client_id).');
  }
  const client = await findClient(clientId);
  if (!client || client.disabled) {
    throw untrusted('The application that sent you here is not registered or is disabled.');
  }
  return client;
}
