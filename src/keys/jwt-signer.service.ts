import { Injectable } from '@nestjs/common';
import { signCompactJws } from './compact-jws.js';
import { KeysService } from './keys.service.js';

interface PendingSignature {
  typ: string;
  claims: Record<string, unknown>;
  resolve: (jwt: string) => void;
  reject: (error: unknown) => void;
}

/**
 * Signs JWTs with the active key, those asked for during one event loop turn back to back at
 * its end. An ES256 signature costs ≈ 27 µs in a tight loop here but ≈ 45 µs between HTTP
 * requests, whose work pushes its code and tables out of the CPU caches; under load, batches
 * take about a third off each signature (bench/README.md). Alone, a token waits for nothing
 * more than the end of the turn.
 */
@Injectable()
export class JwtSigner {
  private pending: PendingSignature[] = [];

  constructor(private readonly keys: KeysService) {}

  sign(typ: string, claims: Record<string, unknown>): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.pending.push({ typ, claims, resolve, reject }) === 1) {
        setImmediate(() => this.signPending());
      }
    });
  }

  private signPending(): void {
    const batch = this.pending;
    this.pending = [];
    let key;
    try {
      key = this.keys.signingKey();
    } catch (error) {
      for (const { reject } of batch) reject(error);
      return;
    }
    for (const { typ, claims, resolve, reject } of batch) {
      try {
        resolve(signCompactJws(key, typ, claims));
      } catch (error) {
        reject(error);
      }
    }
  }
}
