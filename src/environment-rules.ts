import type { EnvironmentRule } from './config/environment.js';
import { UPSTREAM_ENVIRONMENT_RULE } from './upstream/environment-connections.js';

/**
 * What feature modules check in the environment beyond config's table, given to
 * validateEnvironment by the entry points: config/ imports no feature module.
 */
export const FEATURE_ENVIRONMENT_RULES: readonly EnvironmentRule[] = [UPSTREAM_ENVIRONMENT_RULE];
