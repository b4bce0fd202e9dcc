import { Injectable } from '@nestjs/common';
import { signCompactJws } from './compact-jws.js';
import { KeysService } from './keys.service.js';
import type { SigningAlg } from './signing-algorithms.js';

interface PendingSignature {
  typ: string;
  /** Undefined: SIGNING_ALG's key. */
  alg: SigningAlg | undefined;
  claims: Record<string, unknown>;
  resolve: (jwt: string) => void;
  reject: (error: unknown) => void;
}

/**
 * Signs JWTs with the active key, those asked for during one event loop turn back to back at
 * its end. A signature costs far more between HTTP requests, whose work pushes its code and
 * tables out of the CPU caches, than back to back in a tight loop; under load, batches make
 * each signature cheaper (bench/README.md has the figures). Alone, a token waits for nothing
 * more than the end of the turn.
 */
@Injectable()
export class JwtSigner {
  private pending: PendingSignature[] = [];

  constructor(private readonly keys: KeysService) {}

  /** A JWT of `typ` over `claims`, signed with the active key of `alg` (or SIGNING_ALG's). */
  sign(typ: string, claims: Record<string, unknown>, alg?: SigningAlg): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ typ, alg, claims, resolve, reject }) === 1) {
        setImmediate(() => this.signPending());
      }
    });
  }

  private signPending(): void {
    const batch = this.pending;
    this.pending = [];
    let defaultKey;
    try {
      defaultKey = this.keys.signingKey();
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    for (const { typ, alg, claims, resolve, reject } of batch) {
      try {
        const key = alg === undefined ? defaultKey : this.keys.signingKey(alg);
        resolve(signCompactJws(key, typ, claims));
      } catch (error) {
        reject(error);
      }
    }
  }
}
