import type { AuditEvent } from './audit-event.entity.js';

export function presentAuditEvent(event: AuditEvent) {
  return {
    id: event.id,
    at: event.at.toISOString(),
    type: event.type,
    client_id: event.clientId,
    user_id: event.userId,
    ip: event.ip,
    details: event.details,
  };
}
