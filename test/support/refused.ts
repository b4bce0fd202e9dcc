import { OAuthError } from '../../src/common/oauth-error.js';

/** The OAuthError `call` throws or rejects with; fails when it answers, or throws anything else. */
export async function refused(call: () => unknown): Promise<OAuthError> {
  try {
    await call();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('not refused');
}

/** The OAuthError a synchronous `call` throws; fails when it answers, or throws anything else. */
export function refusedSync(call: () => unknown): OAuthError {
  try {
    call();
  } catch (error) {
    if (error instanceof OAuthError) return error;
    throw error;
  }
  throw new Error('not refused');
}
