/** Requests that Portcullis and its peers are sent alike: forms, logins, refresh-token minting. */
import { call, expectStatus } from './http.js';
import { SETUP_PARALLEL, USER_COUNT, USER_PASSWORD } from './settings.js';

export const FORM = 'application/x-www-form-urlencoded';

/** Runs `task` for 0 … count-1, `parallel` at a time, answers the results in order. */
export async function inBatches<T>(
  count: number,
  parallel: number,
  task: (i: number) => Promise<T>,
) {
  const results: T[] = [];
  for (let start = 0; start < count; start += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - start) }, (_, k) =>
      task(start + k),
    );
    results.push(...(await Promise.all(batch)));
  }
  return results;
}

/** Refresh tokens through the password grant, `parallel` at a time (each costs an argon2 check). */
export function passwordGrantMinter(tokenUrl: string, authorization: string) {
  let user = 0;
  return (count: number) =>
    inBatches(count, SETUP_PARALLEL, async () => {
      const username = `user${(user++ % USER_COUNT) + 1}`;
      const answer = expectStatus(
        await call(tokenUrl, {
          authorization,
          form: { grant_type: 'password', username, password: USER_PASSWORD },
        }),
        200,
        `password grant for ${username} (refresh-token preparation)`,
      );
      const token = answer.json.refresh_token;
      if (typeof token !== 'string') throw new Error(`no refresh_token in ${answer.text}`);
      return token;
    });
}

export function roundRobinPasswordBody(): () => string {
  let user = 0;
  return () =>
    `grant_type=password&username=user${(user++ % USER_COUNT) + 1}&password=${USER_PASSWORD}`;
}
