import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { UUID } from '../common/uuid.js';
import { isUniqueViolation } from '../database/unique-violation.js';
import { TIMESTAMP_KEY, UUID_KEY, type PageRequest } from '../common/keyset-page.js';
import { listPage } from '../common/list-page.js';
import type { Page } from '../common/pagination.query.js';
import { AppConfig } from '../config/app-config.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';
import type { CreateApiDto } from './dto/create-api.dto.js';
import type { UpdateApiDto } from './dto/update-api.dto.js';
import type { ApiScope, RegisteredApi as Api } from './registered-api.entity.js';
import { RegisteredApi } from './registered-api.entity.js';
import { resourceIdentifierProblem } from './resource-identifier.js';

/** Every registered API by identifier, as token requests read them. */
export type ApiCatalog = ReadonlyMap<string, Api>;

/** Distinct scope values, each with one description; the first one given wins. */
function distinctScopes(scopes: ApiScope[] | undefined): ApiScope[] {
  const seen = new Map<string, ApiScope>();
  for (const { value, description } of scopes ?? []) {
    if (!seen.has(value)) seen.set(value, { value, description });
  }
  return [...seen.values()];
}

/** Registration of resource servers (RFC 8707), and the catalog token requests read. */
@Injectable()
export class ApisService {
  /**
   * The whole table in one entry: APIs are few and read on every token request, and any
   * change on any instance drops it.
   */
  private readonly catalogCache: ChangedRowsCache<ApiCatalog>;

  constructor(
    @InjectRepository(RegisteredApi) private readonly apis: Repository<RegisteredApi>,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    feed: ChangeFeed,
  ) {
    this.catalogCache = new ChangedRowsCache(feed, 'registered_apis', {
      maxEntries: 1,
      wholeTable: true,
    });
  }

  /** Every registered API by identifier; from the cache. */
  catalog(): Promise<ApiCatalog> {
    return this.catalogCache.get('all', async () => {
      const rows = await this.apis.find();
      return new Map(rows.map((api) => [api.identifier, api]));
    });
  }

  async create(input: CreateApiDto, actor: Actor = {}): Promise<Api> {
    const problem = resourceIdentifierProblem(input.identifier);
    if (problem) throw OAuthError.invalidRequest(`identifier ${problem}`);
    if (input.identifier === this.config.issuer) {
      throw OAuthError.invalidRequest(
        "identifier must not be the issuer: that is Portcullis's own API",
      );
    }
    const api = this.apis.create({
      identifier: input.identifier,
      name: input.name,
      scopes: distinctScopes(input.scopes),
      accessTokenTtl: input.access_token_ttl ?? this.config.accessTokenTtl,
      dpopBoundAccessTokens: input.dpop_bound_access_tokens ?? false,
    });
    try {
      await this.apis.insert(api);
    } catch (error) {
      if (isUniqueViolation(error))
        throw new OAuthError('conflict', 'an API with this identifier is already registered');
      throw error;
    }
    await this.record('api.created', api, actor);
    return this.get(api.id);
  }

  /** Oldest first, by (created_at, id): registered_apis_created_at_idx. */
  list(request: PageRequest): Promise<Page<Api>> {
    return listPage(
      this.apis.createQueryBuilder('item'),
      [
        { column: 'created_at', cast: 'timestamptz', pattern: TIMESTAMP_KEY },
        { column: 'id', cast: 'uuid', pattern: UUID_KEY },
      ],
      'ASC',
      request,
    );
  }

  async get(id: string): Promise<Api> {
    const api = UUID.test(id) ? await this.apis.findOneBy({ id }) : null;
    if (!api) throw OAuthError.notFound('API');
    return api;
  }

  async update(id: string, input: UpdateApiDto, actor: Actor = {}): Promise<Api> {
    const api = await this.get(id);
    const changes: Partial<Api> = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.scopes !== undefined) changes.scopes = distinctScopes(input.scopes);
    if (input.access_token_ttl !== undefined) changes.accessTokenTtl = input.access_token_ttl;
    if (input.dpop_bound_access_tokens !== undefined)
      changes.dpopBoundAccessTokens = input.dpop_bound_access_tokens;
    if (Object.keys(changes).length > 0) await this.apis.update({ id }, changes);
    await this.record('api.updated', api, actor, { fields: Object.keys(input).sort() });
    return this.get(id);
  }

  /**
   * Tokens already issued for it stay valid at the API until they expire; no new ones are
   * issued, and clients that name it are refused with `invalid_target`.
   */
  async delete(id: string, actor: Actor = {}): Promise<void> {
    const api = await this.get(id);
    const result = await this.apis.delete({ id });
    if (!result.affected) throw OAuthError.notFound('API');
    await this.record('api.deleted', api, actor);
  }

  private record(
    type: 'api.created' | 'api.updated' | 'api.deleted',
    api: Api,
    actor: Actor,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    // This instance need not wait for its own notification.
    this.catalogCache.clear();
    return this.audit.record({
      type,
      clientId: actor.clientId,
      ip: actor.ip,
      details: { ...details, api_id: api.id, identifier: api.identifier, actor: actor.clientId },
    });
  }
}
