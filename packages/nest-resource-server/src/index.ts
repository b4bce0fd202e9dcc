export { AccessTokenVerifier } from './access-token-verifier.js';
export { BearerAuthGuard } from './bearer-auth.guard.js';
export {
  bearerChallenge,
  BearerError,
  dpopChallenge,
  type BearerErrorCode,
  type DpopChallengeParameters,
} from './bearer-error.js';
export {
  DEFAULT_DPOP_CLOCK_SKEW_SECONDS,
  DEFAULT_DPOP_MAX_AGE_SECONDS,
  DpopBinding,
} from './dpop-binding.js';
export {
  accessTokenHash,
  DPOP_ALGORITHMS,
  DpopProofError,
  verifyDpopProof,
  type DpopAlgorithm,
  type DpopProofExpectations,
  type VerifiedDpopProof,
} from './dpop-proof.js';
export {
  DEFAULT_DPOP_REPLAY_CACHE_ENTRIES,
  DpopReplayCacheFullError,
  InMemoryDpopReplayCache,
  type DpopReplayStore,
} from './dpop-replay.js';
export {
  protectedResourceMetadataUrl,
  type ProtectedResourceMetadata,
} from './protected-resource-metadata.js';
export { Principal } from './principal.decorator.js';
export type { Actor as AccessTokenActor, Principal as AccessTokenPrincipal } from './principal.js';
export { ResourceServerModule } from './resource-server.module.js';
export type {
  DpopNonceSource,
  DpopOptions,
  IntrospectionOptions,
  JsonWebKeySetDocument,
  ProtectedResourceMetadataOptions,
  ResourceServerAsyncOptions,
  ResourceServerOptions,
} from './resource-server.options.js';
export { AnyScope, Public, Scopes } from './scopes.decorator.js';
export { VerifiedTokens } from './verified-tokens.js';
