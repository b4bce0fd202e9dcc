// What other modules may use of audit/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { CurrentActor } from './actor.decorator.js';
export { presentAuditEvent } from './audit-event.presenter.js';
export { AuditService } from './audit.service.js';
export type { Actor, AuditFilter, AuditRecord } from './audit.service.js';
export { AuditEventsQuery } from './dto/audit-events.query.js';
