import { ClientCredentialsGrant } from './client-credentials.grant.js';

/** Every grant the token endpoint answers: one class per grant, one line each. */
export const GRANT_HANDLER_CLASSES = [ClientCredentialsGrant];
