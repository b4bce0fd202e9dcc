import { Injectable } from '@nestjs/common';
import type { Principal } from './principal.js';

/** Tokens remembered at most; the oldest is forgotten first, so memory stays bounded. */
const CAPACITY = 10_000;

/**
 * Tokens already verified, by their exact string, until their `exp`: a client reuses its
 * token, and a signature check costs more than the rest of a request. A token without `exp`
 * is not remembered.
 */
@Injectable()
export class VerifiedTokens {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  get(token: string): Principal | undefined {
    const entry = this.entries.get(token);
    if (!entry) return undefined;
    if (entry.expiresAt > Date.now()) return entry.principal;
    this.entries.delete(token);
    return undefined;
  }

  remember(token: string, principal: Principal): Principal {
    const exp = principal.claims.exp;
    if (typeof exp !== 'number') return principal;
    if (this.entries.size >= CAPACITY) {
      this.entries.delete(this.entries.keys().next().value!);
    }
    this.entries.set(token, { principal, expiresAt: exp * 1000 });
    return principal;
  }
}
