// What other modules may use of clients/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { AdminClientBootstrap } from './admin-client.bootstrap.js';
export {
  ASSERTION_ALGORITHMS,
  AssertionRejected,
  ClientAssertionVerifier,
  KEY_ASSERTION_ALGORITHMS,
  SECRET_ASSERTION_ALGORITHMS,
} from './client-assertion.verifier.js';
export { ClientAuthenticator } from './client-authenticator.service.js';
export type { ClientCredentialsInput } from './client-authenticator.service.js';
export { AUTH_METHODS, JWT_BEARER_GRANT, TOKEN_EXCHANGE_GRANT } from './client-metadata.rules.js';
export { Client } from './client.entity.js';
export { presentClient, presentClientWithSecret } from './client.presenter.js';
export { ClientsModule } from './clients.module.js';
export { ClientsService } from './clients.service.js';
export { CreateClientDto } from './dto/create-client.dto.js';
export { UpdateClientDto } from './dto/update-client.dto.js';
