import { Injectable } from '@nestjs/common';
import { hash, verify } from '@node-rs/argon2';
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';

/**
 * argon2id with the OWASP minimum (19 MiB, 2 passes, 1 lane). The algorithm is left at the
 * library default (argon2id): its `Algorithm` is a const enum, absent at run time.
 */
export const ARGON2_OPTIONS = { memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * Hashes at once at most: one per core this process may run on. More would not finish
 * sooner — argon2 is all CPU — but each holds 19 MiB, and a burst of logins would grow the
 * process by that much per hash (glibc keeps the memory afterwards).
 */
const CONCURRENT_HASHES = Math.max(1, availableParallelism());

@Injectable()
export class PasswordHasher {
  private decoy?: Promise<string>;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  hash(password: string): Promise<string> {
    return this.limited(() => hash(password, ARGON2_OPTIONS));
  }

  verify(passwordHash: string, password: string): Promise<boolean> {
    return this.limited(() => verify(passwordHash, password).catch(() => false));
  }

  /** A hash of nothing anyone knows, verified against when a user does not exist. */
  decoyHash(): Promise<string> {
    this.decoy ??= this.hash(randomBytes(32).toString('base64url'));
    return this.decoy;
  }

  private async limited<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= CONCURRENT_HASHES) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await work();
    } finally {
      // Hand the slot straight to the next in line, or give it back.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
