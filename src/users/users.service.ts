import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { type EntityManager, QueryFailedError, Repository } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { parseScope } from '../common/scope.js';
import type { Page } from '../common/pagination.query.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import { PasswordHasher } from './password-hasher.service.js';
import { User } from './user.entity.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A space-separated scope limit, normalised; null for none. */
function normaliseScope(scope: string | null | undefined): string | null {
  if (scope === null || scope === undefined) return null;
  const tokens = parseScope(scope.trim().replace(/\s+/g, ' '));
  if (!tokens) throw OAuthError.invalidRequest('scope must be space-separated scope tokens');
  return tokens.join(' ');
}

function isUniqueViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505'
  );
}

@Injectable()
export class UsersService {
  /** Enabled users by id, for token checks; shared, so callers must not modify them. */
  private readonly activeCache: ChangedRowsCache<User>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    feed: ChangeFeed,
  ) {
    this.activeCache = new ChangedRowsCache(feed, 'users', { ttlMs: 60_000, maxEntries: 10_000 });
  }

  async create(input: CreateUserDto, actor: Actor = {}): Promise<User> {
    const user = this.users.create({
      username: input.username,
      email: input.email ?? null,
      scope: normaliseScope(input.scope),
      passwordHash: await this.hasher.hash(input.password),
      disabled: false,
    });
    try {
      await this.users.insert(user);
    } catch (error) {
      if (isUniqueViolation(error)) throw new OAuthError('conflict', 'username is already taken');
      throw error;
    }
    await this.record('user.created', user.id, actor);
    return this.get(user.id);
  }

  async list(limit: number, offset: number): Promise<Page<User>> {
    const [items, total] = await this.users.findAndCount({
      order: { createdAt: 'ASC', id: 'ASC' },
      take: limit,
      skip: offset,
    });
    return { items, total, limit, offset };
  }

  async get(id: string): Promise<User> {
    const user = UUID.test(id) ? await this.users.findOneBy({ id }) : null;
    if (!user) throw OAuthError.notFound('user');
    return user;
  }

  /**
   * The user if it exists and is enabled: on `manager`'s connection when given, otherwise
   * through the cache, which any change to the user's row empties on every instance.
   */
  findActive(id: string, manager?: EntityManager): Promise<User | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    if (manager) return manager.getRepository(User).findOneBy({ id, disabled: false });
    return this.activeCache.get(id, () => this.users.findOneBy({ id, disabled: false }));
  }

  /** The user with this username in any letter case. */
  findByUsername(username: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('user')
      .addSelect('user.passwordHash')
      .where('lower(user.username) = lower(:username)', { username })
      .getOne();
  }

  async update(id: string, input: UpdateUserDto, actor: Actor = {}): Promise<User> {
    await this.get(id);
    const changes: Partial<User> = {};
    if (input.username !== undefined) changes.username = input.username;
    if (input.email !== undefined) changes.email = input.email;
    if (input.scope !== undefined) changes.scope = normaliseScope(input.scope);
    if (input.password !== undefined) changes.passwordHash = await this.hasher.hash(input.password);
    if (Object.keys(changes).length > 0) {
      try {
        await this.users.update({ id }, changes);
      } catch (error) {
        if (isUniqueViolation(error)) throw new OAuthError('conflict', 'username is already taken');
        throw error;
      }
    }
    await this.record('user.updated', id, actor, { fields: Object.keys(input).sort() });
    return this.get(id);
  }

  async setDisabled(id: string, disabled: boolean, actor: Actor = {}): Promise<User> {
    await this.get(id);
    await this.users.update({ id }, { disabled });
    await this.record(disabled ? 'user.disabled' : 'user.enabled', id, actor);
    return this.get(id);
  }

  async delete(id: string, actor: Actor = {}): Promise<void> {
    await this.get(id);
    await this.users.delete({ id });
    await this.record('user.deleted', id, actor);
  }

  private record(
    type: 'user.created' | 'user.updated' | 'user.disabled' | 'user.enabled' | 'user.deleted',
    userId: string,
    actor: Actor,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    // Every change is recorded; this instance need not wait for its own notification.
    this.activeCache.forget(userId);
    return this.audit.record({
      type,
      userId,
      ip: actor.ip,
      details: { ...details, actor: actor.clientId },
    });
  }
}
