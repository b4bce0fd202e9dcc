import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { createPrivateKey, generateKeyPair, KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { DataSource, In, Repository } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { LOCKS, withAdvisoryLock } from '../database/advisory-lock.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { KeyEncryption } from './key-encryption.js';
import { SIGNING_ALGS, type SigningAlg } from './signing-algorithms.js';
import { SigningKey } from './signing-key.entity.js';

export interface ActiveSigningKey {
  kid: string;
  alg: SigningAlg;
  privateKey: KeyObject;
}

export interface PublicJwk extends JWK {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

/** What a rotation made: the key that now signs `alg` first, then every key it made. */
export interface Rotation {
  key: SigningKey;
  rotated: SigningKey[];
}

const generate = promisify(generateKeyPair);

/** A fresh key pair for `alg`, generated off the event loop (an RSA key takes a while). */
function generateFor(alg: SigningAlg): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  switch (alg) {
    case 'ES256':
      return generate('ec', { namedCurve: 'P-256' });
    case 'RS256':
    case 'PS256':
      return generate('rsa', { modulusLength: 2048 });
    case 'EdDSA':
      return generate('ed25519');
  }
}

/** How often every instance re-reads the keys, so a rotation elsewhere reaches it. */
const RELOAD_INTERVAL_MS = 30_000;
/**
 * Slack beyond the longest token lifetime before a retired key leaves the JWKS: other
 * instances may sign with it for up to one reload interval after the rotation, plus skew.
 */
const RETIREMENT_MARGIN_SECONDS = RELOAD_INTERVAL_MS / 1000 + 30;

/**
 * The server's signing keys: one active key for each of SIGNING_ALGS, SIGNING_ALG's signing
 * access tokens and the ID tokens of clients that ask for no algorithm. Every instance loads
 * them from the database, so tokens signed by one instance verify with the JWKS of any other.
 * A rotation makes a new key the signer of its algorithm; retired keys stay published until
 * every token they signed has expired.
 */
@Injectable()
export class KeysService implements OnModuleInit, OnModuleDestroy {
  private readonly active = new Map<SigningAlg, ActiveSigningKey>();
  /** The active key of SIGNING_ALG, kept apart so the access-token path does no lookup. */
  private defaultKey?: ActiveSigningKey;
  /** One document per load: the in-process key set and the JSON are rebuilt when it changes. */
  private published: { keys: PublicJwk[] } = { keys: [] };
  private jwksJson?: { source: { keys: PublicJwk[] }; json: string };
  private loadedAt = 0;
  private timer?: NodeJS.Timeout;
  /** The re-read under way for callers that found the keys stale: one for all of them. */
  private refreshing?: Promise<void>;

  constructor(
    @InjectRepository(SigningKey) private readonly keys: Repository<SigningKey>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KeyEncryption) private readonly encryption: KeyEncryption,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
    private readonly feed: ChangeFeed,
  ) {
    // A rotation on another instance reaches this one at once; the timer is the fallback.
    feed.on('signing_keys', () => void this.reload().catch(() => undefined));
    // A rotation while the feed was down was never announced: read the keys again.
    feed.onReset(() => void this.reload().catch(() => undefined));
  }

  async onModuleInit(): Promise<void> {
    // Under the boot lock, so instances booting together make one key per algorithm; a
    // deployment from before an algorithm was added gains its key on the next boot.
    await withAdvisoryLock(this.dataSource, LOCKS.bootstrap, async () => {
      const current = await this.keys.findBy({ status: 'active' });
      const missing = SIGNING_ALGS.filter((alg) => !current.some((row) => row.alg === alg));
      if (missing.length === 0) return;
      // An instance of the release before signs with the newest active key, whatever its
      // algorithm: keys added by an upgrade are dated before the keys already active, so
      // such instances keep theirs until they are replaced.
      const oldest = current.reduce<Date | undefined>(
        (earliest, row) => (earliest && earliest < row.createdAt ? earliest : row.createdAt),
        undefined,
      );
      await this.createKeys(missing, oldest);
    });
    await this.reload();
    this.timer = setInterval(() => void this.reload().catch(() => undefined), RELOAD_INTERVAL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** The key new tokens of `alg` are signed with; by default SIGNING_ALG's. */
  signingKey(alg?: SigningAlg): ActiveSigningKey {
    const key = alg === undefined ? this.defaultKey : this.active.get(alg);
    if (!key) throw new Error(`no ${alg ?? 'default'} signing key is loaded`);
    return key;
  }

  /** Public keys of every key that may still have live tokens. */
  jwks(): { keys: PublicJwk[] } {
    return this.published;
  }

  /**
   * The published keys as they are now: the change feed reloads them when any instance
   * rotates; without it, they are re-read when older than a second.
   */
  async freshJwks(): Promise<{ keys: PublicJwk[] }> {
    if (this.stale) await this.refresh();
    return this.jwks();
  }

  /** freshJwks() serialized once per change, for the JWKS endpoint. */
  async freshJwksJson(): Promise<string> {
    const jwks = await this.freshJwks();
    if (this.jwksJson?.source !== jwks) {
      this.jwksJson = { source: jwks, json: JSON.stringify(jwks) };
    }
    return this.jwksJson.json;
  }

  /** Without the change feed, a rotation elsewhere is seen by re-reading at most each second. */
  private get stale(): boolean {
    return !this.feed.live && Date.now() - this.loadedAt > 1000;
  }

  private refresh(): Promise<void> {
    this.refreshing ??= this.reload().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** All keys with their state, for the admin API. */
  async list(): Promise<(SigningKey & { published: boolean })[]> {
    const rows = await this.keys.find({ order: { createdAt: 'DESC' } });
    return rows.map((row) => Object.assign(row, { published: this.isPublished(row) }));
  }

  /**
   * Makes a fresh key the signer of `alg`, or of every algorithm when none is named; the
   * previous ones are retired but stay published. One audit row for the whole rotation.
   */
  async rotate(actor: Actor = {}, alg?: SigningAlg): Promise<Rotation> {
    const algs = alg === undefined ? SIGNING_ALGS : [alg];
    const rotated = await withAdvisoryLock(this.dataSource, LOCKS.bootstrap, () =>
      this.createKeys(algs),
    );
    await this.reload();
    const key = rotated.find((row) => row.alg === (alg ?? this.config.signingAlg))!;
    await this.audit.record({
      type: 'key.rotated',
      clientId: actor.clientId,
      ip: actor.ip,
      details: {
        kid: key.kid,
        alg: key.alg,
        keys: rotated.map((row) => ({ kid: row.kid, alg: row.alg })),
      },
    });
    return { key, rotated };
  }

  /**
   * Makes a new key the active one of each of `algs`, in one transaction: no instance ever
   * reads half a rotation. The key pairs are generated before it, in parallel, off the loop.
   * `datedBefore`: the keys' created_at is set a second before it.
   */
  private async createKeys(algs: readonly SigningAlg[], datedBefore?: Date): Promise<SigningKey[]> {
    const rows = await Promise.all(algs.map((alg) => this.newKey(alg)));
    await this.dataSource.transaction(async (manager) => {
      await manager.update(
        SigningKey,
        { status: 'active', alg: In([...algs]) },
        { status: 'retired', retiredAt: () => 'now()' },
      );
      await manager.insert(SigningKey, rows);
      if (datedBefore) {
        const createdAt = new Date(datedBefore.getTime() - 1000);
        await manager.update(SigningKey, { kid: In(rows.map((row) => row.kid)) }, { createdAt });
        for (const row of rows) row.createdAt = createdAt;
      }
    });
    return rows;
  }

  private async newKey(alg: SigningAlg): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateFor(alg);
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    return this.keys.create({
      kid,
      alg,
      publicJwk: publicJwk as Record<string, string>,
      privateKeyEncrypted: this.encryption.encrypt(pkcs8, kid),
      status: 'active',
      retiredAt: null,
    });
  }

  private isPublished(row: SigningKey): boolean {
    if (row.status === 'active' || !row.retiredAt) return true;
    const lastTokenExpiry =
      row.retiredAt.getTime() + (this.config.accessTokenTtl + RETIREMENT_MARGIN_SECONDS) * 1000;
    return lastTokenExpiry > Date.now();
  }

  /** Reads the keys from the database into memory. */
  async reload(): Promise<void> {
    const rows = await this.keys.find({ order: { createdAt: 'DESC' } });
    for (const alg of SIGNING_ALGS) {
      const active = rows.find((row) => row.status === 'active' && row.alg === alg);
      if (!active) throw new Error(`no active ${alg} signing key`);
      if (active.kid !== this.active.get(alg)?.kid) this.active.set(alg, this.decrypted(active));
    }
    this.defaultKey = this.active.get(this.config.signingAlg);
    this.published = {
      keys: rows
        .filter((row) => this.isPublished(row))
        .map((row) => ({ ...row.publicJwk, kid: row.kid, alg: row.alg, use: 'sig' })),
    };
    this.loadedAt = Date.now();
  }

  private decrypted(row: SigningKey): ActiveSigningKey {
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({
        key: this.encryption.decrypt(row.privateKeyEncrypted, row.kid),
        format: 'der',
        type: 'pkcs8',
      });
    } catch {
      throw new Error(
        'KEY_ENCRYPTION_SECRET does not decrypt the stored signing keys; use the secret they were created with',
      );
    }
    return { kid: row.kid, alg: row.alg, privateKey };
  }
}
