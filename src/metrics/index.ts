// What other modules may use of metrics/: the files named here, and these names from each. Import
// them from those files, not from this barrel: it would load the whole module.
export { MetricsModule } from './metrics.module.js';
export { OperationsMetrics, type Lockout } from './operations-metrics.js';
