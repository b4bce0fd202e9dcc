import type { Client } from '../../clients/client.entity.js';
import { AuthorizationPageError } from '../authorization-errors.js';

const MAX_CLIENT_ID_LENGTH = 256;

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
    throw new AuthorizationPageError(
      'Unknown application',
      'The request does not name a registered application (client_id).',
    );
  }
  const client = await findClient(clientId);
  if (!client || client.disabled) {
    throw new AuthorizationPageError(
      'Unknown application',
      'The application that sent you here is not registered or is disabled.',
    );
  }
  return client;
}
