// What other modules may use of authorization/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { AuthorizationModule } from './authorization.module.js';
export type {
  ExternalAuthorizeRequest,
  ExternalCodeGrant,
  ExternalSignIn,
  ExternalSignInOutcome,
} from './external-sign-in.js';
export { ExternalSignInRegistry } from './external-sign-in-registry.js';
export { ResponseTypeRegistry } from './response-types/response-type-registry.js';
export { ResponseTypesModule } from './response-types/response-types.module.js';
export { SessionsService } from './sessions.service.js';
