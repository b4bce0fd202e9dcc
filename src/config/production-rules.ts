import type { Environment } from './environment.js';

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/**
 * What development may leave to defaults but production must not: secrets generated into
 * DATA_DIR (a lost or copied directory would silently change or leak them), admin credentials
 * printed to the log on first boot, and an issuer guessed from the port. Each problem names
 * the variable the operator has to set.
 */
export function productionProblems(environment: Environment): string[] {
  if (environment.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  for (const name of ['KEY_ENCRYPTION_SECRET', 'COOKIE_SECRET'] as const) {
    if (!environment[name]) problems.push(`${name} must be set when NODE_ENV is production`);
  }
  if (!environment.ADMIN_CLIENT_ID) {
    problems.push(
      'ADMIN_CLIENT_ID and ADMIN_CLIENT_SECRET must be set when NODE_ENV is production',
    );
  }
  if (!environment.ISSUER) {
    problems.push('ISSUER must be set when NODE_ENV is production');
  } else {
    // RFC 8414 §2: the issuer is an https URL; plain http only for a server on loopback.
    const issuer = new URL(environment.ISSUER);
    if (issuer.protocol !== 'https:' && !LOOPBACK_HOSTS.test(issuer.hostname)) {
      problems.push('ISSUER must be an https URL when NODE_ENV is production');
    }
  }
  // One secret for two purposes: a leak of either would then be a leak of both.
  const secrets = [
    environment.KEY_ENCRYPTION_SECRET,
    environment.COOKIE_SECRET,
    environment.ADMIN_CLIENT_SECRET,
  ].filter(Boolean);
  if (new Set(secrets).size !== secrets.length) {
    problems.push(
      'KEY_ENCRYPTION_SECRET, COOKIE_SECRET and ADMIN_CLIENT_SECRET must all be different',
    );
  }
  return problems;
}
