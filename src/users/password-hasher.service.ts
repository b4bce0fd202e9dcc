import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';

/**
 * argon2id with the OWASP minimum (19 MiB, 2 passes, 1 lane). The algorithm is left at the
 * library default (argon2id): its `Algorithm` is a const enum, absent at run time.
 */
export const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

@Injectable()
export class PasswordHasher {
  private decoy?: Promise<string>;

  hash(password: string): Promise<string> {
    return hash(password, ARGON2_OPTIONS);
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return verify(passwordHash, password).catch(() => false);
  }

  /** A hash of nothing anyone knows, verified against when a user does not exist. */
  decoyHash(): Promise<string> {
    this.decoy ??= this.hash(randomBytes(32).toString('base64url'));
    return this.decoy;
  }
}
