// What other modules may use of apis/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { presentApi } from './api.presenter.js';
export { ApisModule } from './apis.module.js';
export { ApisService } from './apis.service.js';
export type { ApiCatalog } from './apis.service.js';
export { CreateApiDto } from './dto/create-api.dto.js';
export { UpdateApiDto } from './dto/update-api.dto.js';
export { RegisteredApi } from './registered-api.entity.js';
export type { ApiScope } from './registered-api.entity.js';
export { resourceIdentifierProblem } from './resource-identifier.js';
