import { publicBaseUrlOf, requestUrl, type HttpRequestLike } from './request-url.js';

const request = (extra: Partial<HttpRequestLike>): HttpRequestLike => ({
  method: 'GET',
  headers: {},
  ...extra,
});

describe('requestUrl', () => {
  it('appends the path, without query or fragment, to the configured public base URL', () => {
    expect(
      requestUrl(
        request({ url: '/notes/1?x=1', headers: { host: 'internal:8080' } }),
        'https://api.example.com/v1',
      ),
    ).toBe('https://api.example.com/v1/notes/1');
  });

  it('prefers the URL as received (originalUrl) over one a router rewrote', () => {
    expect(requestUrl(request({ url: '/1', originalUrl: '/notes/1' }), 'https://a.example')).toBe(
      'https://a.example/notes/1',
    );
  });

  it("without a base URL, uses the framework's protocol and host (trustProxy-aware)", () => {
    expect(
      requestUrl(request({ url: '/notes', protocol: 'https', host: 'api.example.com:8443' })),
    ).toBe('https://api.example.com:8443/notes');
    expect(requestUrl(request({ url: '/notes', headers: { host: '127.0.0.1:4000' } }))).toBe(
      'http://127.0.0.1:4000/notes',
    );
  });

  it('says nothing when the request does not tell', () => {
    expect(requestUrl(request({ url: '/notes' }))).toBeUndefined();
    expect(
      requestUrl(request({ url: 'http://evil.example/notes' }), 'https://a.example'),
    ).toBeUndefined();
    expect(requestUrl(request({}), 'https://a.example')).toBeUndefined();
  });
});

describe('publicBaseUrlOf', () => {
  it('drops a trailing slash', () => {
    expect(publicBaseUrlOf('https://api.example.com/')).toBe('https://api.example.com');
    expect(publicBaseUrlOf('https://api.example.com/v1/')).toBe('https://api.example.com/v1');
  });

  it.each([
    '/relative',
    'ftp://api.example.com',
    'https://api.example.com/?x=1',
    'https://a.example/#f',
  ])('refuses %s at boot', (value) => {
    expect(() => publicBaseUrlOf(value)).toThrow(/dpop\.publicBaseUrl/);
  });
});
