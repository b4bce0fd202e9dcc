import type { User } from './user.entity.js';

/** A user as the admin API shows it; the password hash never leaves the service. */
export function presentUser(user: User) {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    scope: user.scope,
    disabled: user.disabled,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
