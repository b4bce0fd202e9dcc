import type { ThrottlerStorage, ThrottlerStorageService } from '@nestjs/throttler';
import { OAuthError } from '../common/oauth-error.js';
import type { AppConfig } from '../config/app-config.js';
import type { PasswordAttemptRate } from './password-attempt-rate.js';
import { refused } from '../../test/support/refused.js';

// Imported once the spec runs: jest refuses @nestjs/throttler (CommonJS requiring the ESM
// @nestjs/common) while it is still linking the spec's static imports.
let Storage: typeof ThrottlerStorageService;
let Rate: typeof PasswordAttemptRate;
beforeAll(async () => {
  Storage = (await import('@nestjs/throttler')).ThrottlerStorageService;
  Rate = (await import('./password-attempt-rate.js')).PasswordAttemptRate;
});

const storages: ThrottlerStorageService[] = [];
afterAll(() => storages.forEach((storage) => storage.onApplicationShutdown()));

function rateOf(ratePerMinute: number, storage: ThrottlerStorage = new Storage()) {
  if (storage instanceof Storage) storages.push(storage);
  return new Rate(storage, { loginThrottle: { ratePerMinute } } as AppConfig);
}

describe('PasswordAttemptRate', () => {
  it('lets an address make the limit of attempts a minute, and refuses the next with 429 and Retry-After', async () => {
    const rate = rateOf(3);
    for (let i = 0; i < 3; i++) await rate.count('192.0.2.1');
    const error = await refused(() => rate.count('192.0.2.1'));
    expect(error.status).toBe(429);
    expect(error.error).toBe('too_many_requests');
    expect(error.description).toBe(
      'too many password attempts from this address; try again in 60 seconds',
    );
    expect(error.headers).toEqual({ 'Retry-After': '60' });
  });

  it('counts each address on its own', async () => {
    const rate = rateOf(1);
    await rate.count('192.0.2.1');
    await expect(rate.count('192.0.2.1')).rejects.toBeInstanceOf(OAuthError);
    await expect(rate.count('192.0.2.2')).resolves.toBeUndefined();
  });

  it('lets the address try again a minute after it was refused', async () => {
    const realNow = Date.now;
    let now = realNow();
    Date.now = () => now;
    try {
      const rate = rateOf(1);
      await rate.count('192.0.2.1');
      now += 30_000;
      expect((await refused(() => rate.count('192.0.2.1'))).headers['Retry-After']).toBe('60');
      now += 59_000;
      expect((await refused(() => rate.count('192.0.2.1'))).headers['Retry-After']).toBe('1');
      now += 1_000;
      await expect(rate.count('192.0.2.1')).resolves.toBeUndefined();
    } finally {
      Date.now = realNow;
    }
  });

  it('counts nothing when LOGIN_RATE_LIMIT is 0', async () => {
    const untouched = {
      increment: () => Promise.reject(new Error('counted')),
    } as ThrottlerStorage;
    const rate = rateOf(0, untouched);
    for (let i = 0; i < 10; i++) await rate.count('192.0.2.1');
  });
});
