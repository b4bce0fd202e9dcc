import { Client } from '../../clients/client.entity.js';
import { OAuthError } from '../../common/oauth-error.js';
import { checkClient } from './check-client.js';

const registered = Object.assign(new Client(), { clientId: 'web', disabled: false });

/** A client lookup that records the ids it was asked for. */
function finder(client: Client | null) {
  const asked: string[] = [];
  const find = (clientId: string) => {
    asked.push(clientId);
    return Promise.resolve(client);
  };
  return Object.assign(find, { asked });
}

describe('checkClient', () => {
  it('answers the registered, enabled client the request names', async () => {
    const find = finder(registered);
    await expect(checkClient({ client_id: 'web' }, find)).resolves.toBe(registered);
    expect(find.asked).toEqual(['web']);
  });

  it.each([
    ['no client_id', {}],
    ['an empty client_id', { client_id: '' }],
    ['a repeated client_id', { client_id: ['web', 'web'] }],
    ['an absurdly long client_id', { client_id: 'c'.repeat(257) }],
  ])('refuses %s as a page, without looking it up', async (_, query) => {
    const find = finder(registered);
    const checking = checkClient(query, find);
    await expect(checking).rejects.toBeInstanceOf(OAuthError);
    await expect(checking).rejects.toMatchObject({
      title: 'Unknown application',
      status: 400,
      description: 'The request does not name a registered application (client_id).',
    });
    expect(find.asked).toEqual([]);
  });

  it.each([
    ['an unregistered client', null],
    ['a disabled client', Object.assign(new Client(), { clientId: 'web', disabled: true })],
  ])('refuses %s as a page', async (_, found) => {
    const checking = checkClient({ client_id: 'web' }, finder(found));
    await expect(checking).rejects.toBeInstanceOf(OAuthError);
    await expect(checking).rejects.toMatchObject({
      title: 'Unknown application',
      status: 400,
      description: 'The application that sent you here is not registered or is disabled.',
    });
  });
});
