import type { ExternalSignIn } from './external-sign-in.js';
import { ExternalSignInRegistry } from './external-sign-in-registry.js';

const provider = (name: string, displayName: string, connections: string[]): ExternalSignIn => ({
  provider: name,
  displayName,
  enabledConnections: () => Promise.resolve(connections),
  authorizeUrl: () => Promise.resolve('https://idp.example/authorize'),
  complete: () => Promise.resolve({ outcome: 'not_linked', reason: 'unused' }),
});

describe('ExternalSignInRegistry', () => {
  it('finds each registered provider by name, and nothing for another name', () => {
    const registry = new ExternalSignInRegistry();
    const feishu = provider('feishu', 'Feishu', []);
    registry.register(feishu);
    expect(registry.get('feishu')).toBe(feishu);
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.get('constructor')).toBeUndefined();
  });

  it('refuses a second provider of the same name', () => {
    const registry = new ExternalSignInRegistry();
    registry.register(provider('feishu', 'Feishu', []));
    expect(() => registry.register(provider('feishu', 'Other', []))).toThrow(/twice/);
  });

  it('offers a link per enabled connection, the default one unsuffixed, carrying the request', async () => {
    const registry = new ExternalSignInRegistry();
    registry.register(provider('feishu', 'Feishu', ['feishu', 'lark team']));
    registry.register(provider('other', 'Other', ['corp']));
    expect(await registry.links('req/1')).toEqual([
      { label: 'Sign in with Feishu', href: '/login/feishu/feishu?request=req%2F1' },
      {
        label: 'Sign in with Feishu (lark team)',
        href: '/login/feishu/lark%20team?request=req%2F1',
      },
      { label: 'Sign in with Other (corp)', href: '/login/other/corp?request=req%2F1' },
    ]);
    expect(await registry.links()).toEqual([
      { label: 'Sign in with Feishu', href: '/login/feishu/feishu' },
      { label: 'Sign in with Feishu (lark team)', href: '/login/feishu/lark%20team' },
      { label: 'Sign in with Other (corp)', href: '/login/other/corp' },
    ]);
  });

  it('offers nothing when no provider is registered', async () => {
    expect(await new ExternalSignInRegistry().links('req')).toEqual([]);
  });
});
