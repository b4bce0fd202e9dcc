import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { calculateJwkThumbprint, exportJWK, type JWK } from 'jose';
import { createPrivateKey, generateKeyPairSync, KeyObject } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { LOCKS, withAdvisoryLock } from '../database/advisory-lock.js';
import { KeyEncryption } from './key-encryption.js';
import { SigningAlg, SigningKey } from './signing-key.entity.js';

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

/**
 * The server's signing keys. Every instance loads them from the database, so tokens signed
 * by one instance verify with the JWKS of any other.
 */
@Injectable()
export class KeysService implements OnModuleInit {
  private active?: ActiveSigningKey;
  private published: PublicJwk[] = [];

  constructor(
    @InjectRepository(SigningKey) private readonly keys: Repository<SigningKey>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KeyEncryption) private readonly encryption: KeyEncryption,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await withAdvisoryLock(this.dataSource, LOCKS.bootstrap, async () => {
      const current = await this.keys.findOneBy({ status: 'active', alg: this.config.signingAlg });
      if (!current) await this.createKey(this.config.signingAlg);
    });
    await this.reload();
  }

  /** The key new tokens are signed with. */
  signingKey(): ActiveSigningKey {
    if (!this.active) throw new Error('signing keys are not loaded');
    return this.active;
  }

  /** Public keys of every key that may still have live tokens. */
  jwks(): { keys: PublicJwk[] } {
    return { keys: this.published };
  }

  /** Creates a key pair, stores it encrypted, and makes it the one that signs. */
  async createKey(alg: SigningAlg): Promise<SigningKey> {
    const { privateKey, publicKey } =
      alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const row = this.keys.create({
      kid,
      alg,
      publicJwk: publicJwk as Record<string, string>,
      privateKeyEncrypted: this.encryption.encrypt(pkcs8, kid),
      status: 'active',
    });
    await this.dataSource.transaction(async (manager) => {
      await manager.update(SigningKey, { status: 'active' }, { status: 'retired' });
      await manager.insert(SigningKey, row);
    });
    return row;
  }

  /** Reads the keys from the database into memory. */
  async reload(): Promise<void> {
    const rows = await this.keys.find({ order: { createdAt: 'DESC' } });
    const active = rows.find((row) => row.status === 'active');
    if (!active) throw new Error('no active signing key');
    let privateKey: KeyObject;
    try {
      privateKey = createPrivateKey({
        key: this.encryption.decrypt(active.privateKeyEncrypted, active.kid),
        format: 'der',
        type: 'pkcs8',
      });
    } catch {
      throw new Error(
        'KEY_ENCRYPTION_SECRET does not decrypt the stored signing keys; use the secret they were created with',
      );
    }
    this.active = { kid: active.kid, alg: active.alg, privateKey };
    this.published = rows.map((row) => ({
      ...row.publicJwk,
      kid: row.kid,
      alg: row.alg,
      use: 'sig',
    }));
  }
}
