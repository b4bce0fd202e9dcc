import type { UpstreamConnection } from './upstream-connection.entity.js';

const SECRET_FIELDS = { coze: ['private_key'], feishu: ['app_secret'] } as const;

/** A connection as the admin API shows it: settings, and only whether its secrets are set. */
export function presentConnection(connection: UpstreamConnection) {
  return {
    name: connection.name,
    provider: connection.provider,
    enabled: connection.enabled,
    ...connection.settings,
    ...Object.fromEntries(
      SECRET_FIELDS[connection.provider].map((field) => [`${field}_set`, true]),
    ),
    created_at: connection.createdAt.toISOString(),
    updated_at: connection.updatedAt.toISOString(),
  };
}
