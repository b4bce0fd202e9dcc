import { OAuthError } from '../../common/oauth-error.js';
import { checkPushedRequestRequired, pushedRequestRequired } from './check-pushed-request.js';

const requiring = { requirePushedAuthorizationRequests: true };
const notRequiring = { requirePushedAuthorizationRequests: false };

describe('pushedRequestRequired', () => {
  it('holds when the server requires it of every client, or the client’s metadata does', () => {
    expect(pushedRequestRequired(notRequiring, false)).toBe(false);
    expect(pushedRequestRequired(requiring, false)).toBe(true);
    expect(pushedRequestRequired(notRequiring, true)).toBe(true);
    expect(pushedRequestRequired(requiring, true)).toBe(true);
  });
});

describe('checkPushedRequestRequired', () => {
  it('lets a client that need not push through', () => {
    expect(() => checkPushedRequestRequired(notRequiring, false)).not.toThrow();
  });

  it.each([
    ['the client', requiring, false],
    ['the server', notRequiring, true],
  ])('refuses with invalid_request when %s requires pushing', (_, client, serverWide) => {
    expect(() => checkPushedRequestRequired(client, serverWide)).toThrow(
      new OAuthError(
        'invalid_request',
        'this client must push its authorization request (RFC 9126) and send its request_uri',
      ),
    );
  });
});
