import { OAuthError } from '../../common/oauth-error.js';
import { checkRedirectUri } from './check-redirect-uri.js';

const one = { redirectUris: ['https://app.example.com/cb'] };
const two = { redirectUris: ['https://app.example.com/cb', 'http://127.0.0.1/cb'] };

/** What `check` threw, to be compared whole. */
function refusalOf(check: () => unknown): unknown {
  try {
    check();
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectPage(check: () => unknown, message: string): void {
  const refusal = refusalOf(check);
  expect(refusal).toBeInstanceOf(OAuthError);
  expect(refusal).toMatchObject({ title: 'Invalid redirect', status: 400, description: message });
}

describe('checkRedirectUri', () => {
  it('accepts a registered redirect URI, which the token request must then repeat', () => {
    expect(checkRedirectUri({ redirect_uri: 'https://app.example.com/cb' }, two)).toEqual({
      redirectUri: 'https://app.example.com/cb',
      redirectUriGiven: true,
    });
  });

  it('accepts a registered loopback URI on another port (RFC 8252 §7.3)', () => {
    expect(checkRedirectUri({ redirect_uri: 'http://127.0.0.1:53117/cb' }, two)).toEqual({
      redirectUri: 'http://127.0.0.1:53117/cb',
      redirectUriGiven: true,
    });
  });

  it.each([
    ['left out', {}],
    ['empty', { redirect_uri: '' }],
  ])('takes the only registered URI when redirect_uri is %s', (_, query) => {
    expect(checkRedirectUri(query, one)).toEqual({
      redirectUri: 'https://app.example.com/cb',
      redirectUriGiven: false,
    });
  });

  it('refuses a request that names none when the client registered several', () => {
    const check = () => checkRedirectUri({}, two);
    expectPage(check, 'The request must name one of the application’s redirect URIs.');
  });

  it('refuses a repeated redirect_uri', () => {
    const check = () =>
      checkRedirectUri(
        { redirect_uri: ['https://app.example.com/cb', 'https://evil.example/'] },
        one,
      );
    expectPage(check, 'redirect_uri was sent more than once.');
  });

  it.each([
    'https://evil.example/cb',
    'https://app.example.com/cb/../other',
    'https://app.example.com/cb?x=1',
    'https://app.example.com:8443/cb',
    'http://app.example.com/cb',
  ])('refuses the unregistered %s', (uri) => {
    const check = () => checkRedirectUri({ redirect_uri: uri }, one);
    expectPage(
      check,
      'The redirect URI in the request is not one the application registered, so you are not sent there.',
    );
  });

  it('names an unregistered URI as the caller asks (invalid_redirect_uri when pushed)', () => {
    const refusal = refusalOf(() =>
      checkRedirectUri({ redirect_uri: 'https://evil.example/cb' }, one, 'invalid_redirect_uri'),
    );
    expect(refusal).toMatchObject({
      error: 'invalid_redirect_uri',
      status: 400,
      description: 'redirect_uri is not one of the redirect URIs the client registered',
    });
    const missing = refusalOf(() => checkRedirectUri({}, two, 'invalid_redirect_uri'));
    expect(missing).toMatchObject({ error: 'invalid_request', status: 400 });
    const atAuthorize = refusalOf(() =>
      checkRedirectUri({ redirect_uri: 'https://evil.example/cb' }, one),
    );
    expect(atAuthorize).toMatchObject({ error: 'invalid_request', title: 'Invalid redirect' });
  });
});
