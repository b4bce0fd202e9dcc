import {
  protectedResourceMetadata,
  protectedResourceMetadataUrl,
} from './protected-resource-metadata.js';

describe('protectedResourceMetadataUrl (RFC 9728 §3.1)', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com/.well-known/oauth-protected-resource'],
    ['https://api.example.com/', 'https://api.example.com/.well-known/oauth-protected-resource'],
    [
      'https://api.example.com/notes',
      'https://api.example.com/.well-known/oauth-protected-resource/notes',
    ],
    [
      'http://127.0.0.1:4000/v1/notes',
      'http://127.0.0.1:4000/.well-known/oauth-protected-resource/v1/notes',
    ],
  ])('%s → %s', (resource, url) => {
    expect(protectedResourceMetadataUrl(resource)).toBe(url);
  });

  it.each(['notes', '/notes', 'ftp://api.example.com', 'https://api.example.com/#x'])(
    'refuses %s as a resource identifier',
    (resource) => {
      expect(() => protectedResourceMetadataUrl(resource)).toThrow(/resourceMetadata.resource/);
    },
  );
});

describe('protectedResourceMetadata', () => {
  it('names the issuer as the authorization server and the header as the bearer method', () => {
    expect(
      protectedResourceMetadata('https://as.example.com', { resource: 'https://api.example.com' }),
    ).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://as.example.com'],
      bearer_methods_supported: ['header'],
    });
  });

  it('adds the optional members that are configured', () => {
    expect(
      protectedResourceMetadata('https://as.example.com', {
        resource: 'https://api.example.com',
        scopesSupported: ['notes:read'],
        resourceName: 'Notes',
        resourceDocumentation: 'https://docs.example.com',
      }),
    ).toMatchObject({
      scopes_supported: ['notes:read'],
      resource_name: 'Notes',
      resource_documentation: 'https://docs.example.com',
    });
  });

  it('names the DPoP proof algorithms, and whether bound tokens are required (RFC 9728 §2)', () => {
    const resource = { resource: 'https://api.example.com' };
    expect(
      protectedResourceMetadata('https://as.example.com', resource, {
        algorithms: ['ES256', 'EdDSA'],
        required: false,
      }),
    ).toEqual({
      resource: 'https://api.example.com',
      authorization_servers: ['https://as.example.com'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: ['ES256', 'EdDSA'],
    });
    expect(
      protectedResourceMetadata('https://as.example.com', resource, {
        algorithms: ['ES256'],
        required: true,
      }),
    ).toMatchObject({ dpop_bound_access_tokens_required: true });
  });
});
