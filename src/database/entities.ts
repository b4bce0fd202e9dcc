import { RegisteredApi } from '../apis/registered-api.entity.js';
import { AuditEvent } from '../audit/audit-event.entity.js';
import { AuthorizationCode } from '../tokens/authorization-code.entity.js';
import { AuthorizationRequest } from '../authorization/authorization-request.entity.js';
import { Consent } from '../authorization/consent.entity.js';
import { ExternalSignInState } from '../authorization/external-sign-in-state.entity.js';
import { Session } from '../authorization/session.entity.js';
import { Client } from '../clients/client.entity.js';
import { SigningKey } from '../keys/signing-key.entity.js';
import { IssuedAccessToken } from '../tokens/issued-access-token.entity.js';
import { RefreshTokenFamily } from '../tokens/refresh-token-family.entity.js';
import { RefreshToken } from '../tokens/refresh-token.entity.js';
import { RevokedAccessToken } from '../tokens/revoked-access-token.entity.js';
import { UsedAssertion } from '../clients/used-assertion.entity.js';
import { UsedDpopProof } from '../tokens/used-dpop-proof.entity.js';
import { LoginThrottle } from '../users/login-throttle.entity.js';
import { UpstreamConnection } from '../upstream/upstream-connection.entity.js';
import { UpstreamIdentity } from '../upstream/upstream-identity.entity.js';
import { UpstreamToken } from '../upstream/upstream-token.entity.js';
import { User } from '../users/user.entity.js';

/** Every entity of the schema, for the app's data source and the migration tooling. */
export const ENTITIES = [
  Client,
  User,
  SigningKey,
  AuditEvent,
  RefreshTokenFamily,
  RefreshToken,
  RevokedAccessToken,
  IssuedAccessToken,
  UsedAssertion,
  UsedDpopProof,
  LoginThrottle,
  Session,
  AuthorizationRequest,
  AuthorizationCode,
  Consent,
  UpstreamConnection,
  UpstreamToken,
  UpstreamIdentity,
  ExternalSignInState,
  RegisteredApi,
];
