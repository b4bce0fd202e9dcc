// Every migration, oldest first. `npm run migration:generate` rewrites this list.
import { Initial1795319936586 } from './1795319936586-Initial.js';

export const migrations = [Initial1795319936586];
