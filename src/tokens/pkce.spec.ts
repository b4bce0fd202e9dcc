import { OAuthError } from '../common/oauth-error.js';
import {
  checkCodeChallenge,
  isCodeVerifier,
  type PkceRules,
  s256Challenge,
  verifierMatches,
} from './pkce.js';

const VERIFIER = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
// RFC 7636 appendix B: the S256 challenge of the verifier above.
const CHALLENGE = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM';

const publicClient: PkceRules = { isPublic: true, requirePkce: true, allowPlainPkce: false };
const confidential: PkceRules = { isPublic: false, requirePkce: true, allowPlainPkce: false };
const optional: PkceRules = { isPublic: false, requirePkce: false, allowPlainPkce: false };
const plainAllowed: PkceRules = { isPublic: false, requirePkce: true, allowPlainPkce: true };

function refusal(run: () => unknown): { error: string; description: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof OAuthError) return { error: error.error, description: error.description };
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkCodeChallenge (authorize side)', () => {
  it('binds the code to an S256 challenge', () => {
    expect(checkCodeChallenge(CHALLENGE, 'S256', publicClient)).toEqual({
      codeChallenge: CHALLENGE,
      codeChallengeMethod: 'S256',
    });
  });

  it('binds no challenge when a confidential client that does not require PKCE sends none', () => {
    expect(checkCodeChallenge(undefined, undefined, optional)).toBeUndefined();
  });

  it('takes plain when the method is left out and the client allows plain (RFC 7636 §4.3)', () => {
    expect(checkCodeChallenge(VERIFIER, undefined, plainAllowed)).toEqual({
      codeChallenge: VERIFIER,
      codeChallengeMethod: 'plain',
    });
  });

  it.each([
    ['a public client', publicClient],
    ['a client that requires PKCE', confidential],
  ])('requires a challenge from %s', (_, client) => {
    expect(refusal(() => checkCodeChallenge(undefined, undefined, client))).toEqual({
      error: 'invalid_request',
      description: 'code_challenge is required (PKCE, S256)',
    });
  });

  it('refuses a method without a challenge', () => {
    expect(refusal(() => checkCodeChallenge(undefined, 'S256', optional)).description).toBe(
      'code_challenge_method without code_challenge',
    );
  });

  it('refuses an unknown method', () => {
    expect(refusal(() => checkCodeChallenge(CHALLENGE, 'S512', publicClient)).description).toBe(
      'code_challenge_method must be S256',
    );
  });

  it.each([
    [
      'a public client, even one registered for plain',
      { ...plainAllowed, isPublic: true },
      'plain',
    ],
    ['a client not registered for plain', confidential, 'plain'],
    ['a client not registered for plain, method left out', confidential, undefined],
  ])('refuses plain from %s', (_, client, method) => {
    expect(refusal(() => checkCodeChallenge(VERIFIER, method, client)).description).toBe(
      'code_challenge_method plain is not allowed; use S256',
    );
  });

  it.each(['short', 'a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)}=`])(
    'refuses the malformed challenge %j',
    (challenge) => {
      expect(refusal(() => checkCodeChallenge(challenge, 'S256', publicClient))).toEqual({
        error: 'invalid_request',
        description: 'code_challenge must be 43 to 128 unreserved characters',
      });
    },
  );
});

describe('isCodeVerifier (token side)', () => {
  it.each([VERIFIER, 'a'.repeat(43), 'a'.repeat(128), `${'A1'.repeat(21)}._~-`])(
    'accepts %j',
    (verifier) => {
      expect(isCodeVerifier(verifier)).toBe(true);
    },
  );

  it.each(['', 'a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}/`, `${'a'.repeat(42)}é`])(
    'refuses %j',
    (verifier) => {
      expect(isCodeVerifier(verifier)).toBe(false);
    },
  );
});

describe('verifierMatches (token side)', () => {
  it('derives the S256 challenge as RFC 7636 appendix B does', () => {
    expect(s256Challenge(VERIFIER)).toBe(CHALLENGE);
  });

  it('accepts the verifier of an S256 challenge', () => {
    expect(verifierMatches(VERIFIER, CHALLENGE, 'S256')).toBe(true);
  });

  it('refuses another verifier for an S256 challenge', () => {
    expect(verifierMatches(`${VERIFIER.slice(0, -1)}x`, CHALLENGE, 'S256')).toBe(false);
  });

  it('refuses the challenge itself sent as the verifier of an S256 challenge', () => {
    expect(verifierMatches(CHALLENGE, CHALLENGE, 'S256')).toBe(false);
  });

  it('compares a plain challenge as is', () => {
    expect(verifierMatches(VERIFIER, VERIFIER, 'plain')).toBe(true);
    expect(verifierMatches(VERIFIER, CHALLENGE, 'plain')).toBe(false);
  });

  it('treats a challenge stored without a method as plain', () => {
    expect(verifierMatches(VERIFIER, VERIFIER, null)).toBe(true);
  });

  it('refuses a verifier of another length without throwing', () => {
    expect(verifierMatches(`${VERIFIER}a`, VERIFIER, 'plain')).toBe(false);
  });
});
