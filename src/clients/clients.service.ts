import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { ApisService } from '../apis/apis.service.js';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { TEXT_KEY, TIMESTAMP_KEY, type PageRequest } from '../common/keyset-page.js';
import { listPage } from '../common/list-page.js';
import type { Page } from '../common/pagination.query.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';
import { Scope } from '../common/scope.js';
import { randomToken, sha256 } from '../common/secrets.js';
import { KeyEncryption } from '../keys/key-encryption.js';
import { checkClientMetadata } from './client-metadata.rules.js';
import { sealClientSecret } from './client-secret.encryption.js';
import { Client, JsonWebKeySet, TokenEndpointAuthMethod } from './client.entity.js';
import type { CreateClientDto } from './dto/create-client.dto.js';
import type { UpdateClientDto } from './dto/update-client.dto.js';

export interface IssuedClient {
  client: Client;
  /** The secret in the clear: returned to the caller once, never stored. */
  secret?: string;
}

const toJwks = (jwks: { keys: Record<string, unknown>[] } | null | undefined) =>
  jwks ? ({ keys: jwks.keys } as JsonWebKeySet) : null;

/** `resource_scopes` with each scope normalised to single spaces; undefined when not given. */
function normaliseResourceScopes(
  resourceScopes: Record<string, string> | undefined,
): Record<string, string> | undefined {
  if (resourceScopes === undefined) return undefined;
  return Object.fromEntries(
    Object.entries(resourceScopes).map(([identifier, scope]) => [
      identifier,
      typeof scope === 'string' ? scope.trim().replace(/\s+/g, ' ') : scope,
    ]),
  );
}

/** RFC 7591 §2: the response types that go with the grant types, when none were named. */
function defaultResponseTypes(grantTypes: string[]): string[] {
  return [
    ...(grantTypes.includes('authorization_code') ? ['code'] : []),
    ...(grantTypes.includes('implicit') ? ['token'] : []),
  ];
}

function normaliseScope(scope: string | undefined): string | undefined {
  if (scope === undefined) return undefined;
  const parsed = Scope.parse(scope.trim().replace(/\s+/g, ' '));
  if (!parsed)
    throw new OAuthError('invalid_client_metadata', 'scope must be space-separated scope tokens');
  return parsed.toString();
}

/** Registration and administration of client applications. */
@Injectable()
export class ClientsService {
  /** Clients as authentication reads them; shared, so callers must not modify them. */
  private readonly authenticationCache: ChangedRowsCache<Client>;

  constructor(
    @InjectRepository(Client) private readonly clients: Repository<Client>,
    private readonly audit: AuditService,
    private readonly apis: ApisService,
    @Inject(KeyEncryption) private readonly encryption: KeyEncryption,
    feed: ChangeFeed,
  ) {
    this.authenticationCache = new ChangedRowsCache(feed, 'clients', { maxEntries: 10_000 });
  }

  async create(
    input: CreateClientDto,
    actor: Actor = {},
    clientId = randomToken(16),
  ): Promise<IssuedClient> {
    const grantTypes = input.grant_types ?? ['authorization_code'];
    const client = this.clients.create({
      clientId,
      clientName: input.client_name ?? clientId,
      redirectUris: [...new Set(input.redirect_uris ?? [])],
      grantTypes: [...new Set(grantTypes)],
      responseTypes: [...new Set(input.response_types ?? defaultResponseTypes(grantTypes))],
      scope: normaliseScope(input.scope) ?? '',
      tokenEndpointAuthMethod: input.token_endpoint_auth_method ?? 'client_secret_basic',
      jwks: toJwks(input.jwks),
      requirePkce: input.require_pkce ?? true,
      allowPlainPkce: input.allow_plain_pkce ?? false,
      allowedCorsOrigins: [...new Set(input.allowed_cors_origins ?? [])],
      resourceScopes: normaliseResourceScopes(input.resource_scopes) ?? {},
      defaultResource: input.default_resource ?? null,
      tokenExchangeImpersonation: input.token_exchange_impersonation ?? false,
      requirePushedAuthorizationRequests: input.require_pushed_authorization_requests ?? false,
      dpopBoundAccessTokens: input.dpop_bound_access_tokens ?? false,
      idTokenSignedResponseAlg: input.id_token_signed_response_alg ?? null,
      userinfoSignedResponseAlg: input.userinfo_signed_response_alg ?? null,
      disabled: false,
    });
    checkClientMetadata(client);
    await this.checkApis(client);
    const secret = client.usesSecret ? randomToken(32) : undefined;
    Object.assign(client, this.storedSecret(client, secret));
    await this.clients.insert(client);
    await this.record('client.created', clientId, actor, {
      grant_types: client.grantTypes,
      scope: client.scope,
    });
    return { client: await this.get(clientId), secret };
  }

  /** Oldest first, by (created_at, client_id): clients_created_at_idx. */
  list(request: PageRequest): Promise<Page<Client>> {
    return listPage(
      this.clients.createQueryBuilder('item'),
      [
        { column: 'created_at', cast: 'timestamptz', pattern: TIMESTAMP_KEY },
        { column: 'client_id', cast: 'text', pattern: TEXT_KEY },
      ],
      'ASC',
      request,
    );
  }

  async get(clientId: string): Promise<Client> {
    const client = await this.clients.findOneBy({ clientId });
    if (!client) throw OAuthError.notFound('client');
    return client;
  }

  /**
   * The client with its secret digest, for authentication and token checks only: served from
   * the cache, which drops a client as soon as any instance changes or disables it.
   */
  findForAuthentication(clientId: string): Promise<Client | null> {
    return this.authenticationCache.get(clientId, () =>
      this.clients
        .createQueryBuilder('client')
        .addSelect(['client.secretDigest', 'client.secretEncrypted'])
        .where('client.clientId = :clientId', { clientId })
        .getOne(),
    );
  }

  /**
   * The client when it is registered and enabled, as everything it holds depends on: a
   * disabled client's tokens are as good as revoked. From the same cache.
   */
  async findActive(clientId: string): Promise<Client | null> {
    const client = await this.findForAuthentication(clientId);
    return client && !client.disabled ? client : null;
  }

  /**
   * Applies a partial update. Switching to or from a secret-based authentication method
   * issues or drops the secret: a new secret is returned when one was created.
   */
  async update(clientId: string, input: UpdateClientDto, actor: Actor = {}): Promise<IssuedClient> {
    const client = await this.get(clientId);
    const hadSecret = client.usesSecret;
    const hadSealedSecret = client.tokenEndpointAuthMethod === 'client_secret_jwt';
    if (input.client_name !== undefined) client.clientName = input.client_name;
    if (input.redirect_uris !== undefined) client.redirectUris = [...new Set(input.redirect_uris)];
    if (input.grant_types !== undefined) client.grantTypes = [...new Set(input.grant_types)];
    if (input.response_types !== undefined)
      client.responseTypes = [...new Set(input.response_types)];
    if (input.scope !== undefined) client.scope = normaliseScope(input.scope) ?? '';
    if (input.token_endpoint_auth_method !== undefined) {
      client.tokenEndpointAuthMethod = input.token_endpoint_auth_method;
    }
    if (input.jwks !== undefined) client.jwks = toJwks(input.jwks);
    if (input.require_pkce !== undefined) client.requirePkce = input.require_pkce;
    if (input.allow_plain_pkce !== undefined) client.allowPlainPkce = input.allow_plain_pkce;
    if (input.allowed_cors_origins !== undefined) {
      client.allowedCorsOrigins = [...new Set(input.allowed_cors_origins)];
    }
    if (input.resource_scopes !== undefined)
      client.resourceScopes = normaliseResourceScopes(input.resource_scopes) ?? {};
    if (input.default_resource !== undefined) client.defaultResource = input.default_resource;
    if (input.token_exchange_impersonation !== undefined)
      client.tokenExchangeImpersonation = input.token_exchange_impersonation;
    if (input.require_pushed_authorization_requests !== undefined)
      client.requirePushedAuthorizationRequests = input.require_pushed_authorization_requests;
    if (input.dpop_bound_access_tokens !== undefined)
      client.dpopBoundAccessTokens = input.dpop_bound_access_tokens;
    if (input.id_token_signed_response_alg !== undefined)
      client.idTokenSignedResponseAlg = input.id_token_signed_response_alg;
    if (input.userinfo_signed_response_alg !== undefined)
      client.userinfoSignedResponseAlg = input.userinfo_signed_response_alg;
    checkClientMetadata(client);
    if (input.resource_scopes !== undefined) await this.checkApis(client);

    let secret: string | undefined;
    const changes: Partial<Client> = {
      clientName: client.clientName,
      redirectUris: client.redirectUris,
      grantTypes: client.grantTypes,
      responseTypes: client.responseTypes,
      scope: client.scope,
      tokenEndpointAuthMethod: client.tokenEndpointAuthMethod,
      jwks: client.jwks,
      requirePkce: client.requirePkce,
      allowPlainPkce: client.allowPlainPkce,
      allowedCorsOrigins: client.allowedCorsOrigins,
      resourceScopes: client.resourceScopes,
      defaultResource: client.defaultResource,
      tokenExchangeImpersonation: client.tokenExchangeImpersonation,
      requirePushedAuthorizationRequests: client.requirePushedAuthorizationRequests,
      dpopBoundAccessTokens: client.dpopBoundAccessTokens,
      idTokenSignedResponseAlg: client.idTokenSignedResponseAlg,
      userinfoSignedResponseAlg: client.userinfoSignedResponseAlg,
    };
    const needsSealedSecret = client.tokenEndpointAuthMethod === 'client_secret_jwt';
    if (client.usesSecret && (!hadSecret || (needsSealedSecret && !hadSealedSecret))) {
      // Only the digest of the old secret is kept: client_secret_jwt needs one it can read.
      secret = randomToken(32);
      Object.assign(changes, this.storedSecret(client, secret));
    } else if (!client.usesSecret) {
      Object.assign(changes, this.storedSecret(client, undefined));
    } else if (hadSealedSecret && !needsSealedSecret) {
      changes.secretEncrypted = null;
    }
    await this.clients.update({ clientId }, changes);
    await this.record('client.updated', clientId, actor, { fields: Object.keys(input).sort() });
    return { client: await this.get(clientId), secret };
  }

  async setDisabled(clientId: string, disabled: boolean, actor: Actor = {}): Promise<Client> {
    const result = await this.clients.update({ clientId }, { disabled });
    if (!result.affected) throw OAuthError.notFound('client');
    await this.record(disabled ? 'client.disabled' : 'client.enabled', clientId, actor);
    return this.get(clientId);
  }

  async delete(clientId: string, actor: Actor = {}): Promise<void> {
    const result = await this.clients.delete({ clientId });
    if (!result.affected) throw OAuthError.notFound('client');
    await this.record('client.deleted', clientId, actor);
  }

  /** Replaces the secret; the old one stops working at once. */
  async rotateSecret(clientId: string, actor: Actor = {}): Promise<IssuedClient> {
    const client = await this.get(clientId);
    if (!client.usesSecret) {
      throw OAuthError.invalidRequest(
        `a client authenticating with ${client.tokenEndpointAuthMethod} has no secret`,
      );
    }
    const secret = randomToken(32);
    await this.clients.update({ clientId }, this.storedSecret(client, secret));
    await this.record('client.secret_rotated', clientId, actor);
    return { client: await this.get(clientId), secret };
  }

  /**
   * Creates or resets the client named by ADMIN_CLIENT_ID: confidential, client_credentials,
   * with the `admin` scope and the configured secret.
   */
  async upsertAdminClient(clientId: string, secret: string): Promise<void> {
    const method: TokenEndpointAuthMethod = 'client_secret_basic';
    const existing = await this.clients.findOneBy({ clientId });
    const grants = new Set([...(existing?.grantTypes ?? []), 'client_credentials']);
    const tokenEndpointAuthMethod = existing?.usesSecret
      ? existing.tokenEndpointAuthMethod
      : method;
    await this.clients.upsert(
      {
        clientId,
        clientName: existing?.clientName ?? 'Portcullis administrator',
        redirectUris: existing?.redirectUris ?? [],
        grantTypes: [...grants],
        responseTypes: existing?.responseTypes ?? [],
        scope: (existing?.scopes ?? Scope.EMPTY).union(Scope.of(['admin'])).toString(),
        tokenEndpointAuthMethod,
        jwks: existing?.jwks ?? null,
        ...this.storedSecret({ clientId, tokenEndpointAuthMethod }, secret),
        disabled: false,
      },
      ['clientId'],
    );
  }

  /** Whether some enabled client may be granted the `admin` scope. */
  async hasAdminClient(): Promise<boolean> {
    return this.clients
      .createQueryBuilder('client')
      .where('client.disabled = false')
      .andWhere(`'admin' = ANY(string_to_array(client.scope, ' '))`)
      .getExists();
  }

  /**
   * How a client's secret is kept: its SHA-256 digest, and for client_secret_jwt also the
   * secret itself, sealed (an HMAC is checked with the secret). No secret: neither.
   */
  private storedSecret(
    client: Pick<Client, 'clientId' | 'tokenEndpointAuthMethod'>,
    secret: string | undefined,
  ): Pick<Client, 'secretDigest' | 'secretEncrypted'> {
    return {
      secretDigest: secret === undefined ? null : sha256(secret),
      secretEncrypted:
        secret !== undefined && client.tokenEndpointAuthMethod === 'client_secret_jwt'
          ? sealClientSecret(this.encryption, client.clientId, secret)
          : null,
    };
  }

  /**
   * Every API of `resource_scopes` is registered and defines the scopes named for it, so a
   * typo is refused now rather than as `invalid_target` at the first token request.
   */
  private async checkApis(client: Client): Promise<void> {
    const catalog = await this.apis.catalog();
    for (const [identifier, scope] of Object.entries(client.resourceScopes)) {
      const api = catalog.get(identifier);
      if (!api) {
        throw new OAuthError(
          'invalid_client_metadata',
          `resource_scopes names an API that is not registered: ${identifier}`,
        );
      }
      const defined = Scope.of(api.scopes.map((s) => s.value));
      const undefinedHere = Scope.stored(scope).without(defined);
      if (!undefinedHere.isEmpty) {
        throw new OAuthError(
          'invalid_client_metadata',
          `resource_scopes["${identifier}"] names scopes ${api.name} does not define: ${undefinedHere.toString()}`,
        );
      }
    }
  }

  /** An admin change to a client: the client it concerns, who made it, from where. */
  private record(
    type:
      | 'client.created'
      | 'client.updated'
      | 'client.disabled'
      | 'client.enabled'
      | 'client.secret_rotated'
      | 'client.deleted',
    clientId: string,
    actor: Actor,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    // Every change is recorded; this instance need not wait for its own notification.
    this.authenticationCache.forget(clientId);
    return this.audit.record({
      type,
      clientId,
      ip: actor.ip,
      details: { ...details, actor: actor.clientId },
    });
  }
}
