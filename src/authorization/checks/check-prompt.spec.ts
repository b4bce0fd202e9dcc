import { OAuthError } from '../../common/oauth-error.js';
import type { SignedInUser } from '../sessions.service.js';
import { checkPromptNone, promptsLogin } from './check-prompt.js';

const user: SignedInUser = { userId: 'u1', username: 'alice', authTime: new Date(0) };

/** A consent lookup answering `answer`, recording whom it was asked about. */
function consentLookup(answer: boolean) {
  const asked: SignedInUser[] = [];
  const lookup = (about: SignedInUser) => {
    asked.push(about);
    return Promise.resolve(answer);
  };
  return Object.assign(lookup, { asked });
}

describe('promptsLogin', () => {
  it('asks for a new sign-in with prompt=login only', () => {
    expect(promptsLogin('login')).toBe(true);
    expect(promptsLogin('none')).toBe(false);
    expect(promptsLogin(undefined)).toBe(false);
  });
});

describe('checkPromptNone', () => {
  it.each([undefined, 'login', 'consent'])('lets prompt=%s through unchecked', async (prompt) => {
    const consented = consentLookup(false);
    await expect(checkPromptNone(prompt, undefined, consented)).resolves.toBeUndefined();
    expect(consented.asked).toEqual([]);
  });

  it('answers a signed-in user whose consent covers the request', async () => {
    const consented = consentLookup(true);
    await expect(checkPromptNone('none', user, consented)).resolves.toBeUndefined();
    expect(consented.asked).toEqual([user]);
  });

  it('refuses with login_required without a session', async () => {
    const checking = checkPromptNone('none', undefined, () => Promise.resolve(true));
    await expect(checking).rejects.toBeInstanceOf(OAuthError);
    await expect(checking).rejects.toMatchObject({
      error: 'login_required',
      description: 'the user is not signed in',
    });
  });

  it('refuses with consent_required without a covering consent', async () => {
    await expect(checkPromptNone('none', user, () => Promise.resolve(false))).rejects.toMatchObject(
      {
        error: 'consent_required',
        description: 'the user has not consented to this request',
      },
    );
  });
});
