import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AuditService, type Actor } from '../audit/audit.service.js';
import { OAuthError } from '../common/oauth-error.js';
import { UUID } from '../common/uuid.js';
import { isUniqueViolation } from '../database/unique-violation.js';
import { Scope } from '../common/scope.js';
import { TIMESTAMP_KEY, UUID_KEY, type PageRequest } from '../common/keyset-page.js';
import { listPage } from '../common/list-page.js';
import type { Page } from '../common/pagination.query.js';
import { ChangeFeed } from '../database/change-feed.service.js';
import { ChangedRowsCache } from '../database/changed-rows.cache.js';
import { preparedQuery } from '../database/prepared-query.js';
import type { CreateUserDto } from './dto/create-user.dto.js';
import type { UpdateUserDto } from './dto/update-user.dto.js';
import { PasswordHasher } from './password-hasher.service.js';
import { User } from './user.entity.js';

/** A space-separated scope limit, normalised; null for none. */
function normaliseScope(scope: string | null | undefined): string | null {
  if (scope === null || scope === undefined) return null;
  const parsed = Scope.parse(scope.trim().replace(/\s+/g, ' '));
  if (!parsed) throw OAuthError.invalidRequest('scope must be space-separated scope tokens');
  return parsed.toString();
}

@Injectable()
export class UsersService {
  /** Enabled users by id, for token checks; shared, so callers must not modify them. */
  private readonly activeCache: ChangedRowsCache<User>;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly hasher: PasswordHasher,
    private readonly audit: AuditService,
    feed: ChangeFeed,
  ) {
    this.activeCache = new ChangedRowsCache(feed, 'users', { maxEntries: 10_000 });
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

  /** Oldest first, by (created_at, id): users_created_at_idx. */
  list(request: PageRequest): Promise<Page<User>> {
    return listPage(
      this.users.createQueryBuilder('item'),
      [
        { column: 'created_at', cast: 'timestamptz', pattern: TIMESTAMP_KEY },
        { column: 'id', cast: 'uuid', pattern: UUID_KEY },
      ],
      'ASC',
      request,
    );
  }

  async get(id: string): Promise<User> {
    const user = UUID.test(id) ? await this.users.findOneBy({ id }) : null;
    if (!user) throw OAuthError.notFound('user');
    return user;
  }

  /**
   * The user if it exists and is enabled, through the cache, which any change to the user's
   * row empties on every instance.
   */
  findActive(id: string): Promise<User | null> {
    if (!UUID.test(id)) return Promise.resolve(null);
    return this.activeCache.get(id, () => this.users.findOneBy({ id, disabled: false }));
  }

  /**
   * The user with this username in any letter case, with the password hash: every sign-in
   * asks, so it is a prepared statement on the `lower(username)` index.
   */
  async findByUsername(username: string): Promise<User | null> {
    const [row] = await preparedQuery<{
      id: string;
      username: string;
      email: string | null;
      password_hash: string;
      scope: string | null;
      disabled: boolean;
      created_at: Date;
      updated_at: Date;
    }>(
      this.dataSource,
      'user-by-username',
      `SELECT id, username, email, password_hash, scope, disabled, created_at, updated_at
         FROM users WHERE lower(username) = lower($1)`,
      [username],
    );
    if (!row) return null;
    return this.users.create({
      id: row.id,
      username: row.username,
      email: row.email,
      passwordHash: row.password_hash,
      scope: row.scope,
      disabled: row.disabled,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
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
