import type { ResponseTypeHandler } from './response-type-handler.js';
import { ResponseTypeRegistry } from './response-type-registry.js';

const handler = (
  responseType: string,
  grantType: string,
  responseMode: 'query' | 'fragment',
): ResponseTypeHandler => ({
  responseType,
  grantType,
  responseMode,
  issuesCode: responseMode === 'query',
  answer: () => Promise.resolve({}),
});
const code = handler('code', 'authorization_code', 'query');
const token = handler('token', 'implicit', 'fragment');
const registry = new ResponseTypeRegistry([code, token]);

describe('ResponseTypeRegistry', () => {
  it('finds each registered response type by name', () => {
    expect(registry.get('code')).toBe(code);
    expect(registry.get('token')).toBe(token);
    expect(registry.get('id_token')).toBeUndefined();
    expect(registry.get(undefined)).toBeUndefined();
  });

  it('lists the response types, grant types and response modes in registration order', () => {
    expect(registry.responseTypes()).toEqual(['code', 'token']);
    expect(registry.grantTypes()).toEqual(['authorization_code', 'implicit']);
    expect(registry.responseModes()).toEqual(['query', 'fragment']);
  });

  it('lists a grant type or response mode shared by two response types once', () => {
    const both = new ResponseTypeRegistry([
      code,
      handler('code id_token', 'authorization_code', 'fragment'),
      token,
    ]);
    expect(both.grantTypes()).toEqual(['authorization_code', 'implicit']);
    expect(both.responseModes()).toEqual(['query', 'fragment']);
  });

  it('answers in the place its response type puts answers, the query when none is registered', () => {
    expect(registry.responseMode('token')).toBe('fragment');
    expect(registry.responseMode('code')).toBe('query');
    expect(registry.responseMode('id_token')).toBe('query');
    expect(registry.responseMode(undefined)).toBe('query');
  });
});
