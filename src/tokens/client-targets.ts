import type { ApiCatalog } from '../apis/apis.service.js';
import { resourceIdentifierProblem } from '../apis/resource-identifier.js';
import type { Client } from '../clients/client.entity.js';
import { OAuthError } from '../common/oauth-error.js';
import { Scope } from '../common/scope.js';

/**
 * Scopes about the user rather than an API (OpenID Connect Core §5.4, §11): granted with any
 * resource, answered through the issuer's own endpoints (ID token, userinfo, refresh).
 */
export const IDENTITY_SCOPES: ReadonlySet<string> = new Set([
  'openid',
  'profile',
  'email',
  'address',
  'phone',
  'offline_access',
]);

/**
 * What a grant covers, as codes, consents and refresh-token families store it: the APIs it is
 * for (RFC 8707, in the order requested; the issuer stands for Portcullis's own), and its
 * scopes as items — a bare name for the issuer's own scopes, `<api identifier>#<name>` for an
 * API's, so that two APIs' `read` never meet. An identifier has no fragment, so `#` cannot be
 * part of it.
 */
export interface GrantTarget {
  resources: string[];
  items: Scope;
}

/** What one access token is for: exactly one audience, its scope there, its lifetime. */
export interface AccessTarget {
  audience: string;
  scope: Scope;
  ttl: number;
}

/** The API an item belongs to among `resources`, or undefined for the issuer's own. */
function ownerOf(item: string, resources: readonly string[], issuer: string): string | undefined {
  return resources.find((resource) => resource !== issuer && item.startsWith(`${resource}#`));
}

/**
 * Every audience a grant can have tokens for: its APIs, and the issuer when it holds any of
 * the issuer's own scopes (identity scopes included, for userinfo).
 */
export function grantAudiences(grant: GrantTarget, issuer: string): string[] {
  const resources = grant.resources.length > 0 ? grant.resources : [issuer];
  const ownItems = [...grant.items].some((item) => ownerOf(item, resources, issuer) === undefined);
  return ownItems && !resources.includes(issuer) ? [...resources, issuer] : resources;
}

const invalidTarget = (description: string) => new OAuthError('invalid_target', description);

/**
 * The rules of audiences and per-API scopes (RFC 8707, RFC 9068 §3): which APIs a client may
 * ask for, what its scope names mean there, and the single audience of each access token.
 * An access token serves one API (RFC 8707 §2.2 lets the server refuse more): a grant may
 * cover several, and each is asked for in turn at the token endpoint. For one client, over the
 * registered APIs as they were when it was made (TokenAudience.for): synchronous, so the
 * authorize checks can use it.
 */
export class ClientTargets {
  constructor(
    private readonly client: Client,
    readonly catalog: ApiCatalog,
    readonly issuer: string,
    /** The lifetime of the issuer's own access tokens (ACCESS_TOKEN_TTL). */
    private readonly ownTtl: number,
  ) {}

  /** clientItems() and lifetimes(), made once: a refresh asks for both. */
  private items?: Scope;
  private lifetimesByAudience?: Readonly<Record<string, number>>;

  /**
   * The `resource` values of a request, checked: each an absolute URI without fragment that
   * is the issuer or a registered API the client may use. None: the client's default API,
   * or the issuer.
   */
  resources(requested: readonly string[]): string[] {
    if (requested.length === 0) {
      const fallback = this.client.defaultResource ?? this.issuer;
      if (fallback !== this.issuer && !this.mayUse(fallback))
        throw invalidTarget(`default_resource is no longer a registered API: ${fallback}`);
      return [fallback];
    }
    if (requested.length > 10) throw invalidTarget('at most 10 resource values may be sent');
    for (const resource of requested) {
      const problem = resourceIdentifierProblem(resource);
      if (problem) throw invalidTarget(`resource ${problem}`);
      if (resource !== this.issuer && !this.mayUse(resource)) {
        throw invalidTarget(`resource is not an API this client may use: ${resource}`);
      }
    }
    return [...new Set(requested)];
  }

  /**
   * The grant a request asks for: `resources` (already checked), and the scope names asked
   * for, each meaning the identity scope, the issuer's scope or an API's scope of that name
   * that the client may have; none asked for is everything the client may have there.
   * `limit`, when given, is the only names the resource owner may grant (a user's scope).
   */
  grant(resources: string[], requested: string | undefined, limit?: Scope): GrantTarget {
    const candidates = this.candidates(resources, limit);
    if (requested === undefined) {
      return { resources, items: Scope.of([...candidates.values()].flat()) };
    }
    const scope = Scope.parse(requested);
    if (!scope) throw new OAuthError('invalid_scope', 'scope is malformed');
    const refused = [...scope].filter((name) => !candidates.has(name));
    if (refused.length > 0) {
      throw new OAuthError(
        'invalid_scope',
        `scope not allowed for this client: ${Scope.of(refused).toString()}`,
      );
    }
    return { resources, items: Scope.of([...scope].flatMap((name) => candidates.get(name)!)) };
  }

  /**
   * A grant made at the token endpoint itself (client credentials, password, assertion):
   * its resources, its scope, and the access token, which serves one resource.
   */
  direct(request: { resources: readonly string[]; scope: string | undefined; limit?: Scope }): {
    grant: GrantTarget;
    access: AccessTarget;
  } {
    const resources = this.resources(request.resources);
    if (resources.length > 1) {
      throw invalidTarget(
        'an access token is for one resource; ask for each in its own token request',
      );
    }
    const grant = this.grant(resources, request.scope, request.limit);
    return { grant, access: this.access(resources[0], grant.items, grant.resources) };
  }

  /**
   * The audience of an access token from a grant: the one `resource` the token request
   * names (one of the grant's audiences), else the grant's only API, else the client's
   * default API when the grant has it.
   */
  pick(grant: GrantTarget, requested: readonly string[]): string {
    if (requested.length > 1) {
      throw invalidTarget(
        'an access token is for one resource; ask for each in its own token request',
      );
    }
    if (requested.length === 1) {
      const [resource] = requested;
      const problem = resourceIdentifierProblem(resource);
      if (problem) throw invalidTarget(`resource ${problem}`);
      if (!this.audiencesOf(grant).includes(resource))
        throw invalidTarget(`resource was not granted: ${resource}`);
      return resource;
    }
    const resources = grant.resources.length > 0 ? grant.resources : [this.issuer];
    if (resources.length === 1) return resources[0];
    const fallback = this.client.defaultResource;
    if (fallback !== null && resources.includes(fallback)) return fallback;
    throw invalidTarget('this grant covers several resources: name one with resource');
  }

  /** Every audience a grant can have tokens for (grantAudiences). */
  audiencesOf(grant: GrantTarget): string[] {
    return grantAudiences(grant, this.issuer);
  }

  /** The access token for `audience` from what a grant holds: its lifetime, its scope there. */
  access(audience: string, items: Scope, resources: string[]): AccessTarget {
    const own = resources.length > 0 ? resources : [this.issuer];
    if (audience === this.issuer) {
      const names = [...items].filter((item) => this.ownerOf(item, own) === undefined);
      return { audience, scope: Scope.of(names), ttl: this.ownTtl };
    }
    const api = this.catalog.get(audience);
    if (!api) throw invalidTarget(`resource is no longer a registered API: ${audience}`);
    const prefix = `${audience}#`;
    const names = [...items]
      .filter((item) => item.startsWith(prefix))
      .map((item) => item.slice(prefix.length));
    return { audience, scope: Scope.of(names), ttl: api.accessTokenTtl };
  }

  /**
   * Everything the client may hold today, as items: its own scopes, and each API's scopes it
   * is allowed that the API still defines. A grant keeps only what is still in here.
   */
  clientItems(): Scope {
    return (this.items ??= this.listClientItems());
  }

  private listClientItems(): Scope {
    const items = [...this.client.scopes];
    for (const identifier of Object.keys(this.client.resourceScopes)) {
      for (const name of this.allowedAt(identifier)) items.push(`${identifier}#${name}`);
    }
    return Scope.of(items);
  }

  /** The lifetime of each audience the client may have tokens for, by identifier. */
  lifetimes(): Readonly<Record<string, number>> {
    return (this.lifetimesByAudience ??= this.listLifetimes());
  }

  private listLifetimes(): Record<string, number> {
    const lifetimes: Record<string, number> = { [this.issuer]: this.ownTtl };
    for (const identifier of Object.keys(this.client.resourceScopes)) {
      const api = this.catalog.get(identifier);
      if (api) lifetimes[identifier] = api.accessTokenTtl;
    }
    return lifetimes;
  }

  ownerOf(item: string, resources: readonly string[]): string | undefined {
    return ownerOf(item, resources, this.issuer);
  }

  private mayUse(identifier: string): boolean {
    return Object.hasOwn(this.client.resourceScopes, identifier) && this.catalog.has(identifier);
  }

  /** The scope names the client may ask for at a registered API that still defines them. */
  private allowedAt(identifier: string): Scope {
    const api = this.catalog.get(identifier);
    if (!api || !Object.hasOwn(this.client.resourceScopes, identifier)) return Scope.EMPTY;
    return Scope.stored(this.client.resourceScopes[identifier]).intersect(
      Scope.of(api.scopes.map((scope) => scope.value)),
    );
  }

  /** Each scope name the client may ask for with these resources, and the items it grants. */
  private candidates(resources: string[], limit: Scope | undefined): Map<string, string[]> {
    const candidates = new Map<string, string[]>();
    const add = (name: string, item: string) => {
      if (limit && !limit.has(name)) return;
      const items = candidates.get(name) ?? [];
      if (!items.includes(item)) items.push(item);
      candidates.set(name, items);
    };
    const own = resources.includes(this.issuer);
    for (const name of this.client.scopes) if (own || IDENTITY_SCOPES.has(name)) add(name, name);
    for (const resource of resources) {
      if (resource === this.issuer) continue;
      for (const name of this.allowedAt(resource)) add(name, `${resource}#${name}`);
    }
    return candidates;
  }
}
