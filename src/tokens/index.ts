// What other modules may use of tokens/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { AuthorizationCodeStore } from './authorization-code.store.js';
export { clientCredentials, readForm } from './form-request.js';
export { DpopNonces } from './dpop-nonces.js';
export { PostgresDpopReplayStore } from './dpop-replay.store.js';
export { GrantRegistry } from './grant-registry.js';
export { checkCodeChallenge } from './pkce.js';
export type { CodeChallenge } from './pkce.js';
export { RequiresLiveToken } from './requires-live-token.decorator.js';
export { ClientTargets, IDENTITY_SCOPES } from './client-targets.js';
export type { AccessTarget, GrantTarget } from './client-targets.js';
export { TokenAudience } from './token-audience.js';
export { TokenMinter } from './token-minter.service.js';
export { TokenRequestProof } from './token-request-proof.js';
export { TokenRevocation } from './token-revocation.service.js';
export { TokensModule } from './tokens.module.js';
