import { redirectUriProblem } from './redirect-uri.rules.js';

describe('redirectUriProblem', () => {
  it.each([
    'https://app.example.com/cb',
    'https://app.example.com:8443/cb?tenant=a',
    'http://localhost/cb',
    'http://127.0.0.1:49152/cb',
    'http://[::1]/cb',
    'com.example.app:/oauth2redirect',
    'com.example.app://callback',
  ])('accepts %s', (uri) => {
    expect(redirectUriProblem(uri)).toBeUndefined();
  });

  it.each([
    ['http://example.com/cb', 'https'],
    ['http://localhost.evil.com/cb', 'https'],
    ['http://127.0.0.2/cb', 'https'],
    ['https://example.com/cb#x', 'fragment'],
    ['https://example.com/cb#', 'fragment'],
    ['example.com/cb', 'absolute'],
    ['//example.com/cb', 'absolute'],
    ['javascript:alert(1)', 'javascript'],
    ['JAVASCRIPT:alert(1)', 'javascript'],
    ['file:///etc/passwd', 'file'],
    ['https://a@example.com/cb', 'user information'],
    ['http://user@localhost/cb', 'user information'],
    ['myapp://cb', 'private-use'],
    ['https://example.com/\ncb', 'control'],
    [`https://example.com/${'a'.repeat(2000)}`, '2000'],
  ])('refuses %s', (uri, reason) => {
    expect(redirectUriProblem(uri)).toContain(reason);
  });
});
