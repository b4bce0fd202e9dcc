// What other modules may use of upstream/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { CreateUpstreamDto } from './dto/create-upstream.dto.js';
export { LinkIdentityDto } from './dto/link-identity.dto.js';
export { UpdateUpstreamDto } from './dto/update-upstream.dto.js';
export { presentConnection } from './upstream-connection.presenter.js';
export { UpstreamConnectionsService } from './upstream-connections.service.js';
export { UpstreamIdentities } from './upstream-identities.service.js';
export { UpstreamModule } from './upstream.module.js';
