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
 * its end. A signature costs far more between HTTP requests, whose work pushes its code and
 * tables out of the CPU caches, than back to back in a tight loop; under load, batches make
 * each signature cheaper (bench/README.md has the figures). Alone, a token waits for nothing
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
