import type { ApiCatalog } from '../../src/apis/apis.service.js';
import type { Client } from '../../src/clients/client.entity.js';
import { ClientTargets } from '../../src/tokens/client-targets.js';

export const TEST_ISSUER = 'https://issuer.test';

/** A client's audience rules over the given registered APIs (none by default), for unit tests. */
export function targetsOf(client: Client, catalog: ApiCatalog = new Map()): ClientTargets {
  return new ClientTargets(client, catalog, TEST_ISSUER, 900);
}
