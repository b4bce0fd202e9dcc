import type { ApiCatalog } from '../apis/apis.service.js';

const KNOWN: Record<string, string> = {
  openid: 'Know who you are (your account identifier)',
  profile: 'See your username',
  email: 'See your email address',
  offline_access: 'Stay connected when you are not using it',
};

export interface ScopeDescription {
  name: string;
  description: string;
  /** The registered API the scope belongs to; absent for Portcullis's own. */
  api?: string;
}

/**
 * What a scope lets the client do, in words for the consent page. An item of a registered
 * API (`<identifier>#<name>`, ClientTargets) is described as that API describes it.
 */
export function describeScope(item: string, catalog: ApiCatalog = new Map()): ScopeDescription {
  const hash = item.indexOf('#');
  const api = hash > 0 ? catalog.get(item.slice(0, hash)) : undefined;
  if (api) {
    const name = item.slice(hash + 1);
    const defined = api.scopes.find((scope) => scope.value === name);
    return { name, description: defined?.description ?? `Use “${name}”`, api: api.name };
  }
  return { name: item, description: KNOWN[item] ?? `Use “${item}”` };
}

/** A granted scope as one line of text: the name, and the API it is for. */
export function scopeLabel(item: string, catalog: ApiCatalog): string {
  const { name, api } = describeScope(item, catalog);
  return api ? `${name} (${api})` : name;
}
