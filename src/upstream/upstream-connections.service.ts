import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { isUniqueViolation } from '../database/unique-violation.js';
import { KeyEncryption } from '../keys/key-encryption.js';
import {
  ConnectionSettingError,
  normaliseConnection,
  type ConnectionInput,
  type NormalisedConnection,
} from './connection-rules.js';
import { UpstreamConnection, type UpstreamProvider } from './upstream-connection.entity.js';

export interface LoadedConnection {
  name: string;
  provider: UpstreamProvider;
  settings: Record<string, string | number | boolean>;
  secrets: Record<string, string>;
}

const invalid = (error: ConnectionSettingError) => OAuthError.invalidRequest(error.message);

/** Upstream connections, their secrets encrypted at rest (AES-256-GCM, bound to the name). */
@Injectable()
export class UpstreamConnectionsService {
  constructor(
    @InjectRepository(UpstreamConnection)
    private readonly connections: Repository<UpstreamConnection>,
    @Inject(KeyEncryption) private readonly encryption: KeyEncryption,
    private readonly audit: AuditService,
  ) {}

  async create(
    name: string,
    provider: UpstreamProvider,
    input: ConnectionInput & { enabled?: boolean },
    actor: Actor = {},
  ): Promise<UpstreamConnection> {
    const normalised = this.check(provider, input);
    try {
      await this.connections.insert({
        name,
        provider,
        settings: normalised.settings,
        secretsEncrypted: this.seal(name, normalised.secrets),
        enabled: input.enabled ?? true,
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new OAuthError('conflict', `an upstream connection named ${name} exists`);
      }
      throw error;
    }
    await this.audit.record({
      type: 'upstream.connection_changed',
      ip: actor.ip,
      details: { connection: name, change: 'created', actor: actor.clientId },
    });
    return this.get(name);
  }

  list(): Promise<UpstreamConnection[]> {
    return this.connections.find({ order: { name: 'ASC' } });
  }

  async get(name: string): Promise<UpstreamConnection> {
    const connection = await this.connections.findOneBy({ name });
    if (!connection) throw OAuthError.notFound('upstream connection');
    return connection;
  }

  /** The connection with its secrets decrypted, for the broker; only if enabled. */
  async load(name: string, provider: UpstreamProvider): Promise<LoadedConnection> {
    const connection = await this.read(name);
    if (!connection || connection.provider !== provider || !connection.enabled) {
      throw OAuthError.notFound(`${provider} connection`);
    }
    return connection;
  }

  private async read(name: string): Promise<(LoadedConnection & { enabled: boolean }) | undefined> {
    const row = await this.connections
      .createQueryBuilder('c')
      .addSelect('c.secretsEncrypted')
      .where('c.name = :name', { name })
      .getOne();
    if (!row) return undefined;
    return {
      name: row.name,
      provider: row.provider,
      settings: row.settings,
      secrets: this.open(row.name, row.secretsEncrypted),
      enabled: row.enabled,
    };
  }

  async update(
    name: string,
    input: ConnectionInput & { enabled?: boolean },
    actor: Actor = {},
  ): Promise<UpstreamConnection> {
    const current = await this.read(name);
    if (!current) throw OAuthError.notFound('upstream connection');
    const normalised = this.check(current.provider, input, current);
    await this.connections.update(
      { name },
      {
        settings: normalised.settings,
        secretsEncrypted: this.seal(name, normalised.secrets),
        ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
      },
    );
    // A changed configuration may mint different tokens: forget the cached ones.
    await this.connections.manager.query('DELETE FROM upstream_tokens WHERE connection = $1', [
      name,
    ]);
    await this.audit.record({
      type: 'upstream.connection_changed',
      ip: actor.ip,
      details: {
        connection: name,
        change: 'updated',
        fields: Object.keys(input).sort(),
        actor: actor.clientId,
      },
    });
    return this.get(name);
  }

  async delete(name: string, actor: Actor = {}): Promise<void> {
    const result = await this.connections.delete({ name });
    if (!result.affected) throw OAuthError.notFound('upstream connection');
    await this.audit.record({
      type: 'upstream.connection_changed',
      ip: actor.ip,
      details: { connection: name, change: 'deleted', actor: actor.clientId },
    });
  }

  /** Creates or replaces a connection from the environment (single-tenant deployments). */
  async upsertFromEnvironment(
    name: string,
    provider: UpstreamProvider,
    input: ConnectionInput,
  ): Promise<void> {
    const normalised = normaliseConnection(provider, input);
    await this.connections.upsert(
      {
        name,
        provider,
        settings: normalised.settings,
        secretsEncrypted: this.seal(name, normalised.secrets),
        enabled: true,
      },
      ['name'],
    );
  }

  private seal(name: string, secrets: Record<string, string>): Buffer {
    return this.encryption.encrypt(Buffer.from(JSON.stringify(secrets)), `upstream:${name}`);
  }

  private open(name: string, sealed: Buffer): Record<string, string> {
    return JSON.parse(
      this.encryption.decrypt(sealed, `upstream:${name}`).toString('utf8'),
    ) as Record<string, string>;
  }

  private check(
    provider: UpstreamProvider,
    input: ConnectionInput,
    current?: NormalisedConnection,
  ): NormalisedConnection {
    try {
      return normaliseConnection(provider, input, current);
    } catch (error) {
      if (error instanceof ConnectionSettingError) throw invalid(error);
      throw error;
    }
  }
}
