// What other modules may use of keys/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { JwtSigner } from './jwt-signer.service.js';
export { KeyEncryption } from './key-encryption.js';
export { KeysModule } from './keys.module.js';
export { KeysService } from './keys.service.js';
export { presentSigningKey } from './signing-key.presenter.js';
export { SIGNING_ALGS, isSigningAlg } from './signing-algorithms.js';
export type { SigningAlg } from './signing-algorithms.js';
export { RotateKeysDto } from './dto/rotate-keys.dto.js';
