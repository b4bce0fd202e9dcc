import { AuthorizationCodeGrant } from './authorization-code.grant.js';
import { ClientCredentialsGrant } from './client-credentials.grant.js';
import { JwtBearerGrant } from './jwt-bearer.grant.js';
import { PasswordGrant } from './password.grant.js';
import { RefreshTokenGrant } from './refresh-token.grant.js';
import { TokenExchangeGrant } from './token-exchange.grant.js';

/** Every grant the token endpoint answers: one class per grant, one line each. */
export const GRANT_HANDLER_CLASSES = [
  AuthorizationCodeGrant,
  ClientCredentialsGrant,
  PasswordGrant,
  RefreshTokenGrant,
  JwtBearerGrant,
  TokenExchangeGrant,
];
